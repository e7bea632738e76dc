"""Read the live cloud once per resource type, as plain dicts (openstacksdk attribute names).

One list call per type (all projects) keeps the audit fast on a large cloud: ~20 requests
whatever the size, plus three quota GETs per audited project (Nova and Cinder have no
"all projects" quota listing) and one encryption GET per volume type.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Raw = dict[str, Any]
# projects keystone-manage bootstrap and the service catalog need; they hold no tenant
SYSTEM_PROJECTS = frozenset({"admin", "service"})


@dataclass
class LiveCloud:
    """Everything the audit reads, taken at `observed_at` (UTC)."""

    cloud: str
    observed_at: str
    projects: list[Raw] = field(default_factory=list)
    users: list[Raw] = field(default_factory=list)
    groups: list[Raw] = field(default_factory=list)
    roles: list[Raw] = field(default_factory=list)
    role_assignments: list[Raw] = field(default_factory=list)
    networks: list[Raw] = field(default_factory=list)
    subnets: list[Raw] = field(default_factory=list)
    routers: list[Raw] = field(default_factory=list)
    ports: list[Raw] = field(default_factory=list)
    security_groups: list[Raw] = field(default_factory=list)
    security_group_rules: list[Raw] = field(default_factory=list)
    floating_ips: list[Raw] = field(default_factory=list)
    servers: list[Raw] = field(default_factory=list)
    server_groups: list[Raw] = field(default_factory=list)
    flavors: list[Raw] = field(default_factory=list)
    images: list[Raw] = field(default_factory=list)
    volumes: list[Raw] = field(default_factory=list)
    volume_types: list[Raw] = field(default_factory=list)
    # project id -> {"compute": {...}, "network": {...}, "volume": {...}}
    quotas: dict[str, dict[str, Raw]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # what took how long (seconds)

    def count(self) -> int:
        lists = (
            self.projects,
            self.role_assignments,
            self.networks,
            self.subnets,
            self.routers,
            self.ports,
            self.security_groups,
            self.security_group_rules,
            self.floating_ips,
            self.servers,
            self.server_groups,
            self.flavors,
            self.images,
            self.volumes,
            self.volume_types,
        )
        return sum(len(items) for items in lists)


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def as_raw(item: Any) -> Raw:
    """An openstacksdk resource as a dict of its attributes (a dict is taken as it is)."""
    to_dict = getattr(item, "to_dict", None)  # sdk resources are dicts too: ask them first
    if to_dict is not None:
        data: Raw = to_dict(computed=False)
        return data
    return dict(item)


def audited(project: Raw) -> bool:
    return str(project.get("name")) not in SYSTEM_PROJECTS


def read_cloud(conn: Any, cloud: str) -> LiveCloud:
    """The live cloud as admin sees it. `conn` is an openstacksdk Connection (Any: its proxies
    are typed as unions of API versions, and tests hand in fakes)."""
    live = LiveCloud(cloud=cloud, observed_at=now_utc())

    def timed(name: str, call: Callable[[], Iterable[Any]]) -> list[Raw]:
        start = time.perf_counter()
        items = [as_raw(x) for x in call()]
        live.timings[name] = round(time.perf_counter() - start, 3)
        return items

    ident, net, compute, storage = conn.identity, conn.network, conn.compute, conn.block_storage
    live.projects = timed("projects", ident.projects)
    live.users = timed("users", ident.users)
    live.groups = timed("groups", ident.groups)
    live.roles = timed("roles", ident.roles)
    live.role_assignments = timed("role_assignments", lambda: ident.role_assignments(include_names=True))
    live.networks = timed("networks", net.networks)
    live.subnets = timed("subnets", net.subnets)
    live.routers = timed("routers", net.routers)
    live.ports = timed("ports", net.ports)
    live.security_groups = timed("security_groups", net.security_groups)
    live.security_group_rules = timed("security_group_rules", net.security_group_rules)
    live.floating_ips = timed("floating_ips", net.ips)
    live.servers = timed("servers", lambda: compute.servers(details=True, all_projects=True))
    live.server_groups = timed("server_groups", lambda: compute.server_groups(all_projects=True))
    live.flavors = timed("flavors", lambda: compute.flavors(is_public=None))
    live.images = timed("images", conn.image.images)
    live.volumes = timed("volumes", lambda: storage.volumes(details=True, all_projects=True))
    live.volume_types = timed("volume_types", storage.types)
    start = time.perf_counter()
    for vtype in live.volume_types:  # the encryption spec is only on its own endpoint
        encryption = storage.get_type_encryption(vtype["id"])
        vtype["encryption"] = as_raw(encryption) if getattr(encryption, "encryption_id", None) else None
    for project in live.projects:
        if audited(project):
            live.quotas[project["id"]] = read_quotas(conn, project["id"])
    live.timings["quotas_and_encryption"] = round(time.perf_counter() - start, 3)
    return live


def read_quotas(conn: Any, project_id: str) -> dict[str, Raw]:
    return {
        "compute": as_raw(conn.compute.get_quota_set(project_id)),
        "network": as_raw(conn.network.get_quota(project_id)),
        "volume": as_raw(conn.block_storage.get_quota_set(project_id)),
    }

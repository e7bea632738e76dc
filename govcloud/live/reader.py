"""The live cloud as records (govcloud/live/model.py), read through openstacksdk as admin.

One list call per resource type (all projects at once), IDs turned into names afterwards, so
reading a zone of a thousand resources costs a few dozen requests, not a thousand. Only the
quotas (one GET per project and service, for projects tagged `govcloud`) and the members of
groups cannot be listed in bulk.

Shared by `govcloud cloud apply` (what exists already) and `govcloud drift` (what to compare).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from openstack import exceptions as os_exc
from openstack.connection import Connection

from govcloud.cloud.connect import block_storage, identity
from govcloud.live.model import Record, gateway_of, rule_key

Progress = Callable[[str], None]
QUOTA_PROJECT_TAG = "govcloud"  # quotas are read only for the zone's own projects
ROUTER_PORT_OWNERS = ("network:router_interface", "network:router_interface_distributed", "network:ha_router")
# Neutron makes one per project on first use; no plan can declare or remove it.
DEFAULT_SECURITY_GROUP = "default"
COMPUTE_QUOTA = ("instances", "cores", "ram", "key_pairs", "server_groups", "server_group_members")
NETWORK_QUOTA = ("networks", "subnets", "ports", "routers", "security_groups", "security_group_rules", "floating_ips")
VOLUME_QUOTA = ("volumes", "gigabytes", "snapshots", "backups", "backup_gigabytes")


@dataclass
class LiveState:
    records: list[Record] = field(default_factory=list)
    ids: dict[tuple[str, tuple[str, ...]], str] = field(default_factory=dict)  # (kind, key) -> OpenStack ID
    project_ids: dict[str, str] = field(default_factory=dict)  # name -> id
    extra: dict[str, Any] = field(default_factory=dict)  # raw lookups apply needs (router gateways, ...)

    def add(self, record: Record) -> None:
        self.records.append(record)
        if record.source:
            self.ids[(record.kind, record.key)] = record.source

    def id_of(self, kind: str, key: tuple[str, ...]) -> str | None:
        return self.ids.get((kind, key))


def _sorted(values: Iterable[Any] | None) -> list[Any]:
    return sorted(values or [])


def read_live(conn: Connection, deployer_user: str = "govcloud-deployer", say: Progress | None = None) -> LiveState:
    """Everything the plan's kinds cover, across all projects."""
    state = LiveState()
    # the big lists are independent: fetch them side by side while keystone is read
    with ThreadPoolExecutor(6) as pool:
        futures = {name: pool.submit(_materialize, fetch) for name, fetch in _lists(conn).items()}
        names = _read_identity(conn, state, deployer_user)
        pre: Lists = {name: future.result() for name, future in futures.items()}
    _read_network(conn, state, names, pre)
    _read_compute(conn, state, names, deployer_user, pre)
    _read_storage(conn, state, names, pre)
    _read_quotas(conn, state)
    if say:
        say(f"read {len(state.records)} live resources")
    return state


Lists = dict[str, list[Any]]


def _materialize(fetch: Callable[[], Iterable[Any]]) -> list[Any]:
    return list(fetch())  # the SDK pages lazily: walk every page inside the worker thread


def _lists(conn: Connection) -> dict[str, Callable[[], Iterable[Any]]]:
    """One list call per type, across all projects."""
    net, compute, storage = conn.network, conn.compute, block_storage(conn)
    return {
        "networks": net.networks,
        "subnets": net.subnets,
        "security_groups": net.security_groups,
        "security_group_rules": net.security_group_rules,
        "ports": net.ports,
        "routers": net.routers,
        "flavors": lambda: compute.flavors(details=True),
        "images": conn.image.images,
        "server_groups": lambda: compute.server_groups(all_projects=True),
        "servers": lambda: compute.servers(details=True, all_projects=True),
        "volume_types": storage.types,
        "volumes": lambda: storage.volumes(details=True, all_projects=True),
    }


@dataclass
class _Names:
    projects: dict[str, str] = field(default_factory=dict)  # id -> name

    def project(self, project_id: str | None) -> str:
        return self.projects.get(project_id or "", project_id or "?")


def _read_identity(conn: Connection, state: LiveState, deployer_user: str) -> _Names:
    ident = identity(conn)
    names = _Names()
    for project in ident.projects():
        names.projects[project.id] = project.name
        state.project_ids[project.name] = project.id
        fields = {"description": project.description or "", "tags": _sorted(project.tags)}
        state.add(Record("project", (project.name,), fields, project.id))
    state.extra["project_tags"] = {p.name: set(p.tags or []) for p in ident.projects()}
    roles = {r.id: r.name for r in ident.roles()}
    for role_id, role_name in roles.items():
        state.add(Record("role", (role_name,), {}, role_id))
    users = {u.id: u.name for u in ident.users()}
    state.extra["users"] = {name: uid for uid, name in users.items()}
    groups = {g.id: g for g in ident.groups()}
    for group in groups.values():
        state.add(Record("group", (group.name,), {"description": group.description or ""}, group.id))
    for a in ident.role_assignments():
        project_id = (a.scope or {}).get("project", {}).get("id")
        if not project_id:
            continue  # domain and system scopes: not a tenant's business
        if a.group:
            actor = "group:" + (groups[a.group["id"]].name if a.group["id"] in groups else a.group["id"])
        elif a.user:
            actor = "user:" + users.get(a.user["id"], a.user["id"])
        else:
            continue
        key = (names.project(project_id), actor, roles.get(a.role["id"], a.role["id"]))
        state.add(Record("role_assignment", key, {}, f"{project_id}:{a.role['id']}"))

    # group members cannot be listed in bulk: a few parallel GETs
    def members(group_id: str) -> list[str]:
        try:
            return [u.name for u in ident.group_users(group_id)]
        except os_exc.NotFoundException:
            return []  # deleted while we read

    with ThreadPoolExecutor(4) as pool:
        for group, users_of in zip(groups.values(), pool.map(members, list(groups)), strict=True):
            for user in users_of:
                state.add(Record("user_membership", (group.name, user), {}, f"{group.id}:{user}"))
    return names


def _read_network(conn: Connection, state: LiveState, names: _Names, pre: Lists) -> None:
    networks = {n.id: n for n in pre["networks"]}
    subnets = {s.id: s for s in pre["subnets"]}
    groups = {g.id: g for g in pre["security_groups"]}
    ports = pre["ports"]
    routers = {r.id: r for r in pre["routers"]}
    state.extra["networks"] = {n.name: n.id for n in networks.values()}
    state.extra["subnets_by_network"] = {
        (networks[s.network_id].name if s.network_id in networks else s.network_id, s.cidr): s.id
        for s in subnets.values()
    }
    for n in networks.values():
        fields = {
            "port_security_enabled": n.is_port_security_enabled,
            "shared": bool(n.is_shared),
            "tags": _sorted(n.tags),
        }
        state.add(Record("network", (names.project(n.project_id), n.name), fields, n.id))
    for s in subnets.values():
        fields = {
            "network": networks[s.network_id].name if s.network_id in networks else s.network_id,
            "cidr": s.cidr,
            "ip_version": s.ip_version,
            "enable_dhcp": bool(s.is_dhcp_enabled),
            "allocation_pools": [[p["start"], p["end"]] for p in s.allocation_pools or []],
            "dns_nameservers": list(s.dns_nameservers or []),
            "tags": _sorted(s.tags),
        }
        state.add(Record("subnet", (names.project(s.project_id), s.name), fields, s.id))
    gateways: dict[str, str] = {}
    for r in routers.values():
        info = r.external_gateway_info or {}
        for ip in info.get("external_fixed_ips") or []:
            gateways[ip["ip_address"]] = gateway_of(names.project(r.project_id), r.name)
    state.extra["router_gateways"] = {hop: ip for ip, hop in gateways.items()}
    for r in routers.values():
        info = r.external_gateway_info or {}
        project = names.project(r.project_id)
        network = networks.get(info.get("network_id", ""))
        fields = {
            "external_network": network.name if network else info.get("network_id"),
            "enable_snat": info.get("enable_snat") if info else None,
            "description": r.description or "",
            "tags": _sorted(r.tags),
        }
        state.add(Record("router", (project, r.name), fields, r.id))
        for route in r.routes or []:
            hop = gateways.get(route["nexthop"], route["nexthop"])
            route_key = (project, r.name, route["destination"])
            state.add(Record("router_route", route_key, {"next_hop": hop}, r.id))
    for g in groups.values():
        if g.name == DEFAULT_SECURITY_GROUP:
            continue
        fields = {"description": g.description or "", "tags": _sorted(g.tags)}
        state.add(Record("security_group", (names.project(g.project_id), g.name), fields, g.id))
    for rule in pre["security_group_rules"]:
        group = groups.get(rule.security_group_id)
        if group is None or group.name == DEFAULT_SECURITY_GROUP:
            continue
        remote = groups.get(rule.remote_group_id or "")
        key = rule_key(
            names.project(group.project_id),
            group.name,
            rule.direction,
            rule.ether_type,
            rule.protocol,
            rule.port_range_min,
            rule.port_range_max,
            rule.remote_ip_prefix,
            remote.name if remote else rule.remote_group_id,
        )
        state.add(Record("security_group_rule", key, {"description": rule.description or ""}, rule.id))
    for p in ports:
        owner = p.device_owner or ""
        if owner in ROUTER_PORT_OWNERS and p.device_id in routers:
            router = routers[p.device_id]
            if p.name:
                via = f"port:{p.name}"
            else:
                subnet = subnets.get(p.fixed_ips[0]["subnet_id"]) if p.fixed_ips else None
                via = f"subnet:{subnet.name if subnet else '?'}"
            key = (names.project(router.project_id), router.name, via)
            state.add(Record("router_interface", key, {}, p.id))
        if owner.startswith("network:") and not p.name:
            continue  # Neutron's own ports (gateways, interfaces, DHCP): part of their router/subnet
        fields = {
            "network": networks[p.network_id].name if p.network_id in networks else p.network_id,
            "fixed_ips": [
                [subnets[ip["subnet_id"]].cidr if ip["subnet_id"] in subnets else ip["subnet_id"], ip["ip_address"]]
                for ip in p.fixed_ips or []
            ],
            "security_groups": sorted(groups[g].name if g in groups else g for g in p.security_group_ids or []),
            "port_security_enabled": p.is_port_security_enabled,
            "tags": _sorted(p.tags),
        }
        state.add(Record("port", (names.project(p.project_id), p.name or p.id), fields, p.id))
    state.extra["port_devices"] = {p.id: p.device_id for p in ports}
    state.extra["port_names"] = {p.id: p.name or p.id for p in ports}


def _read_compute(conn: Connection, state: LiveState, names: _Names, deployer_user: str, pre: Lists) -> None:
    compute = conn.compute
    for f in pre["flavors"]:
        fields = {"vcpus": f.vcpus, "ram": f.ram, "disk": f.disk, "is_public": bool(f.is_public)}
        state.add(Record("flavor", (f.name,), fields, f.id))
    images = {i.id: i.name for i in pre["images"]}
    state.extra["images"] = {name: iid for iid, name in images.items()}
    state.extra["flavors"] = {f.name: f.id for f in pre["flavors"]}
    deployer_id = state.extra["users"].get(deployer_user)
    if deployer_id:
        for k in compute.keypairs(user_id=deployer_id):
            state.add(Record("keypair", (k.name,), {"public_key": (k.public_key or "").strip()}, k.name))
    group_of: dict[str, str] = {}  # server id -> its server group's name
    for g in pre["server_groups"]:
        policy = g.policy or (g.policies[0] if g.policies else None)
        state.add(Record("server_group", (names.project(g.project_id), g.name), {"policy": policy}, g.id))
        group_of.update(dict.fromkeys(g.member_ids or [], g.name))
    port_names: dict[str, str] = state.extra["port_names"]
    by_device: dict[str, list[str]] = {}
    for port_id, device in state.extra["port_devices"].items():
        by_device.setdefault(device, []).append(port_names[port_id])
    servers: dict[str, tuple[str, str]] = {}
    for s in pre["servers"]:
        project = names.project(s.project_id)
        servers[s.id] = (project, s.name)
        flavor = (s.flavor or {}).get("original_name") or (s.flavor or {}).get("name")
        image_id = (s.image or {}).get("id")
        fields = {
            "flavor": flavor,
            "image": images.get(image_id or "", image_id),
            "key_name": s.key_name,
            "metadata": dict(s.metadata or {}),
            "tags": _sorted(s.tags),
            "ports": sorted(by_device.get(s.id, [])),
            "server_group": group_of.get(s.id),
        }
        state.add(Record("server", (project, s.name), fields, s.id))
        state.extra.setdefault("server_status", {})[s.id] = s.status
    state.extra["servers"] = servers


def _read_storage(conn: Connection, state: LiveState, names: _Names, pre: Lists) -> None:
    for t in pre["volume_types"]:
        fields = {"description": t.description or "", "is_public": bool(t.is_public), "extra_specs": t.extra_specs}
        state.add(Record("volume_type", (t.name,), fields, t.id))
    servers: dict[str, tuple[str, str]] = state.extra["servers"]
    for v in pre["volumes"]:
        project = names.project(v.project_id)
        name = v.name or v.id
        fields = {"size": v.size, "volume_type": v.volume_type, "metadata": dict(v.metadata or {})}
        state.add(Record("volume", (project, name), fields, v.id))
        state.extra.setdefault("volume_status", {})[v.id] = v.status
        for a in v.attachments or []:
            server_project, server = servers.get(a.get("server_id", ""), (project, a.get("server_id", "?")))
            state.add(Record("volume_attachment", (server_project, server, name), {}, v.id))


def _read_quotas(conn: Connection, state: LiveState) -> None:
    tags: dict[str, set[str]] = state.extra["project_tags"]
    ours = [(name, state.project_ids[name]) for name, t in tags.items() if QUOTA_PROJECT_TAG in t]
    storage = block_storage(conn)

    def read(item: tuple[str, str]) -> list[Record]:
        name, pid = item
        try:
            c = conn.compute.get_quota_set(pid)
            n = conn.network.get_quota(pid)
            v = storage.get_quota_set(pid)
        except (os_exc.NotFoundException, os_exc.BadRequestException):
            return []  # the project was deleted while we read (Nova answers 400 "not a valid project")
        return [
            Record(
                "compute_quota",
                (name,),
                {k: getattr(c, k) for k in COMPUTE_QUOTA},
                pid,
            ),
            Record(
                "network_quota",
                (name,),
                {k: getattr(n, k) for k in NETWORK_QUOTA},
                pid,
            ),
            Record(
                "volume_quota",
                (name,),
                {k: getattr(v, k) for k in VOLUME_QUOTA},
                pid,
            ),
        ]

    with ThreadPoolExecutor(4) as pool:
        for records in pool.map(read, ours):
            for record in records:
                state.add(record)

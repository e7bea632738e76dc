"""One normalized shape for a cloud resource, whether read from the plan or from OpenStack.

A record is identified by its kind and key: the identity the plan gives it (names within
their project, the rule's own fields for security-group rules), never an OpenStack ID,
which the plan cannot know. Fields hold what can be compared, references written as names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ADMIN_PROJECT = "admin"  # what the default (admin) provider creates into: the platform's own resources

# Creation order (apply) and report order (drift): each kind only refers to kinds before it.
KINDS = (
    "flavor",
    "volume_type",
    "role",
    "group",
    "user_membership",
    "project",
    "role_assignment",
    "compute_quota",
    "network_quota",
    "volume_quota",
    "network",
    "subnet",
    "router",
    "security_group",
    "security_group_rule",
    "port",
    "router_interface",
    "router_route",
    "keypair",
    "server_group",
    "server",
    "volume",
    "volume_attachment",
)

# Kinds whose key starts with the project name: inside a plan's project, a live one the plan
# does not declare is "unexpected".
PROJECT_SCOPED = frozenset(
    {
        "role_assignment",
        "network",
        "subnet",
        "router",
        "router_interface",
        "security_group",
        "security_group_rule",
        "port",
        "server_group",
        "server",
        "volume",
        "volume_attachment",
    }
)


@dataclass(frozen=True)
class Record:
    kind: str
    key: tuple[str, ...]
    fields: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    # the plan's URN, or the live OpenStack ID: where to look, not what to match by
    source: str = field(default="", compare=False, hash=False)

    @property
    def identity(self) -> str:
        return f"{self.kind} {'/'.join(self.key)}"

    @property
    def project(self) -> str | None:
        return self.key[0] if self.kind in PROJECT_SCOPED else None


def rule_key(
    project: str,
    group: str,
    direction: str,
    ethertype: str,
    protocol: str | None,
    port_min: int | None,
    port_max: int | None,
    remote: str | None,
    remote_group: str | None = None,
) -> tuple[str, ...]:
    """A rule has no name: its fields are its identity (Neutron refuses two equal rules)."""
    ports = "any" if port_min is None and port_max is None else f"{port_min}-{port_max}"
    source = remote or (f"group:{remote_group}" if remote_group else "any")
    return (project, group, direction, ethertype, protocol or "any", ports, source)


def gateway_of(project: str, router: str) -> str:
    """A route's next hop as the plan knows it: the gateway address of a tenant router."""
    return f"gateway of {project}/{router}"

"""Who owns a resource and at what level: the lookups the identity, compute, storage, quota
and tagging rules share.

Everything is resolved through inputs and references (`Resource.ref`, i.e. the URN an input
came from), never through IDs: in a real `pulumi preview` new resources' IDs are unknown.
A tenant is a Keystone project; its slug is the project's `name`, its level the project's
`mlps:N` tag. Instances and volumes name their tenant and level in their metadata
(`govcloud_tenant`, `mlps_level`), since they are created through a project-scoped provider
and carry no project input of their own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any

from . import resources as t
from .resources import Resource, by_type

# The level of the shared platform (MLPS 2.0 level 3). No system above it may be carried, and
# a resource whose level cannot be told is treated as being at it (the strict reading).
PLATFORM_LEVEL = 3
VALID_LEVELS = range(1, 5)

# The role model: each tenant group gets exactly its role on its own project.
TENANT_ROLES = {"admins": "tenant-admin", "members": "member", "readers": "reader", "auditors": "auditor"}
ROLE_MODEL = frozenset(TENANT_ROLES.values())
KEYSTONE_ADMIN_ROLE = "admin"
AUDITOR_ROLE = "auditor"
# The platform group whose members run the program; it gets `member` on every tenant project.
DEPLOYERS_GROUP = "govcloud-deployers"
DEPLOYER_ROLE = "member"

# Input names of the identity resources that carry no type constant in resources.py.
USER = "openstack:identity/user:User"
APPLICATION_CREDENTIAL = "openstack:identity/applicationCredential:ApplicationCredential"
EC2_CREDENTIAL = "openstack:identity/ec2CredentialV3:Ec2CredentialV3"
INHERIT_ROLE_ASSIGNMENT = "openstack:identity/inheritRoleAssignment:InheritRoleAssignment"

# The offline plan's mock engine names lookups `get<Thing>-<name>` (e.g. getRole-member).
_LOOKUP = re.compile(r"^get[A-Z][A-Za-z]*-(?P<name>.+)$")


# ---------------------------------------------------------------------------------------------
# Values


def as_int(value: Any) -> int | None:
    """An integer input, or None when it is absent, unknown during preview, or not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return None


def as_bool(value: Any) -> bool:
    """A boolean input given as a bool or as the provider's string form ("true")."""
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return value is True


def text(value: Any) -> str:
    """A string input ('' when absent)."""
    return value if isinstance(value, str) else ""


def metadata(resource: Resource) -> Mapping[str, Any]:
    meta = resource.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def lookup_name(value: Any) -> str | None:
    """The name in an offline-plan lookup id (`getImage-debian-12` -> debian-12), else None."""
    match = _LOOKUP.match(text(value))
    return match.group("name") if match else None


def level(value: Any) -> int | None:
    """An MLPS level 1-4 from a tag value or metadata value, or None if it is not one."""
    number = as_int(value)
    return number if number in VALID_LEVELS else None


def tag_values(resource: Resource, key: str) -> list[str]:
    """All values of `key:value` tags (a project may carry several zone tags)."""
    return [tag.split(":", 1)[1] for tag in resource.tags if tag.startswith(f"{key}:")]


def split_group(name: str) -> tuple[str, str] | None:
    """A tenant group name `<slug>-<kind>` -> (slug, kind) when kind is one of the four."""
    slug, _, kind = name.rpartition("-")
    return (slug, kind) if slug and kind in TENANT_ROLES else None


# ---------------------------------------------------------------------------------------------
# The stack


_last_view: list[StackView] = []


class StackView:
    """The stack's resources indexed by URN and type, with tenants and levels resolved."""

    def __init__(self, resources: Iterable[Resource]) -> None:
        self.source = resources
        self.resources = list(resources)
        self.by_urn = {r.urn: r for r in self.resources}
        self.projects = {text(p.get("name")) or p.name: p for p in self.of_type(t.PROJECT)}

    def of_type(self, *types: str) -> list[Resource]:
        return (
            [r for t_ in types for r in self._by_type.get(t_, [])]
            if len(types) > 1
            else self._by_type.get(types[0], [])
        )

    @cached_property
    def _by_type(self) -> dict[str, list[Resource]]:
        return by_type(self.resources)

    @staticmethod
    def of(resources: list[Resource]) -> StackView:
        """One view for all the stack rules that run over the same resource list."""
        last = _last_view[0] if _last_view else None
        if last is not None and last.source is resources:
            return last
        _last_view[:] = [StackView(resources)]
        return _last_view[0]

    def target(self, resource: Resource, key: str, *types: str) -> Resource | None:
        """The resource input `key` came from (of one of `types`, if given)."""
        urn = resource.ref(key)
        found = self.by_urn.get(urn) if urn else None
        if found is None or (types and found.type not in types):
            return None
        return found

    def targets(self, resource: Resource, key: str, *types: str) -> list[Resource]:
        """Every resource input `key` came from (a list input may come from several)."""
        found = [self.by_urn[u] for u in resource.refs.get(key, ()) if u in self.by_urn]
        return [r for r in found if not types or r.type in types]

    # -- identity ----------------------------------------------------------------------------

    def project_of(self, resource: Resource, key: str = "projectId") -> Resource | None:
        return self.target(resource, key, t.PROJECT)

    def role_name(self, assignment: Resource) -> str | None:
        """The role an assignment grants: the Role resource's name, or a lookup's name.

        In a real preview a built-in role (member, reader, admin) looked up with get_role is an
        opaque ID: None then, and rules that need the name do not guess.
        """
        role = self.target(assignment, "roleId", t.ROLE)
        if role is not None:
            return text(role.get("name")) or None
        return lookup_name(assignment.get("roleId"))

    def group_name(self, resource: Resource) -> str | None:
        group = self.target(resource, "groupId", t.GROUP)
        return (text(group.get("name")) or None) if group is not None else None

    # -- tenants and levels ------------------------------------------------------------------

    def project_level(self, slug: str | None) -> int | None:
        project = self.projects.get(slug or "")
        if project is None:
            return None
        levels = [level(v) for v in tag_values(project, "mlps")]
        known = [lv for lv in levels if lv is not None]
        return max(known) if known else None

    def tenant(self, resource: Resource) -> str | None:
        """The tenant an instance or volume declares (metadata govcloud_tenant)."""
        return text(metadata(resource).get("govcloud_tenant")) or None

    def declared_level(self, resource: Resource) -> int | None:
        """The level an instance or volume declares: the higher of its metadata and its project."""
        known = [
            lv
            for lv in (level(metadata(resource).get("mlps_level")), self.project_level(self.tenant(resource)))
            if lv is not None
        ]
        return max(known) if known else None

    def level(self, resource: Resource) -> int:
        """The level a rule applies to an instance or volume; the platform's when unknown."""
        declared = self.declared_level(resource)
        return declared if declared is not None else PLATFORM_LEVEL

    def attachments(self) -> list[tuple[Resource, Resource, Resource]]:
        """(attachment, instance, volume) for every VolumeAttach whose two ends are declared."""
        out = []
        for attach in self.of_type(t.VOLUME_ATTACH):
            instance = self.target(attach, "instanceId", t.INSTANCE)
            volume = self.target(attach, "volumeId", t.VOLUME)
            if instance is not None and volume is not None:
                out.append((attach, instance, volume))
        return out

    def volume_type_name(self, volume: Resource) -> str | None:
        """A volume's type by name (the input, or the name of the VolumeTypeV3 it came from)."""
        declared = self.target(volume, "volumeType", t.VOLUME_TYPE)
        if declared is not None and text(declared.get("name")):
            return text(declared.get("name"))
        return text(volume.get("volumeType")) or None

    def flavor(self, instance: Resource) -> Resource | None:
        return self.target(instance, "flavorId", t.FLAVOR)

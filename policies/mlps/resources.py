"""The small normalized view of a resource that every rule reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import PolicyResource, ResourceValidationArgs
from pulumi_policy.proxy import _DictProxy, _is_unknown, _ListProxy

# Type tokens of the OpenStack resources the govcloud program creates.
PROJECT = "openstack:identity/project:Project"
GROUP = "openstack:identity/groupV3:GroupV3"
ROLE = "openstack:identity/role:Role"
ROLE_ASSIGNMENT = "openstack:identity/roleAssignment:RoleAssignment"
USER_MEMBERSHIP = "openstack:identity/userMembershipV3:UserMembershipV3"
COMPUTE_QUOTA = "openstack:compute/quotaSetV2:QuotaSetV2"
NETWORK_QUOTA = "openstack:networking/quotaV2:QuotaV2"
VOLUME_QUOTA = "openstack:blockstorage/quoteSetV3:QuoteSetV3"
NETWORK = "openstack:networking/network:Network"
SUBNET = "openstack:networking/subnet:Subnet"
ROUTER = "openstack:networking/router:Router"
ROUTER_INTERFACE = "openstack:networking/routerInterface:RouterInterface"
ROUTER_ROUTE = "openstack:networking/routerRoute:RouterRoute"
SEC_GROUP = "openstack:networking/secGroup:SecGroup"
SEC_GROUP_RULE = "openstack:networking/secGroupRule:SecGroupRule"
PORT = "openstack:networking/port:Port"
FLOATING_IP = "openstack:networking/floatingIp:FloatingIp"
FLOATING_IP_ASSOCIATE = "openstack:networking/floatingIpAssociate:FloatingIpAssociate"
INSTANCE = "openstack:compute/instance:Instance"
SERVER_GROUP = "openstack:compute/serverGroup:ServerGroup"
KEYPAIR = "openstack:compute/keypair:Keypair"
FLAVOR = "openstack:compute/flavor:Flavor"
VOLUME = "openstack:blockstorage/volume:Volume"
VOLUME_TYPE = "openstack:blockstorage/volumeTypeV3:VolumeTypeV3"
VOLUME_ATTACH = "openstack:compute/volumeAttach:VolumeAttach"
PROVIDER = "pulumi:providers:openstack"


class Unknown(str):
    """A value the engine does not know yet (a new resource's ID during a preview).

    It is set (truthy) but equals no real value, so "is it set?" checks pass and
    "is it this value?" checks must ask `is_unknown` first.
    """


UNKNOWN = Unknown("<unknown until applied>")


def is_unknown(value: Any) -> bool:
    return isinstance(value, Unknown)


def plain(value: Any) -> Any:
    """Props as plain data, with values unknown during a preview as UNKNOWN.

    The engine hands rules a proxy that raises UnknownValueError on reading an unknown value
    (in a first preview every new resource's ID is unknown). Reading through it would make
    every rule "not runnable during preview".
    """
    kind = type(value)  # exact-type fast paths: this runs over every value of every resource
    if kind is str:
        return UNKNOWN if _is_unknown(value) else value
    if kind is dict:
        return {k: plain(v) for k, v in value.items()}
    if kind is list:
        return [plain(v) for v in value]
    if isinstance(value, _DictProxy | _ListProxy):
        return plain(value["__target"])
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [plain(v) for v in value]
    return value


def by_type(resources: list[Resource]) -> dict[str, list[Resource]]:
    """Resources grouped by type token, in stack order."""
    out: dict[str, list[Resource]] = {}
    for r in resources:
        out.setdefault(r.type, []).append(r)
    return out


class _LastConversion:
    """The engine hands every stack policy the same resource list: convert it once."""

    source: Sequence[PolicyResource] | None = None
    size = 0
    converted: list[Resource] = []  # noqa: RUF012 (replaced, never mutated)


def convert_stack(resources: Sequence[PolicyResource]) -> list[Resource]:
    if _LastConversion.source is not resources or _LastConversion.size != len(resources):
        _LastConversion.converted = [Resource.from_policy_resource(r) for r in resources]
        _LastConversion.source, _LastConversion.size = resources, len(resources)
    return _LastConversion.converted


@dataclass(frozen=True)
class Resource:
    type: str
    name: str
    props: Mapping[str, Any]
    urn: str = ""
    parent: str | None = None
    dependencies: tuple[str, ...] = field(default=())
    refs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # input -> URNs it came from

    def ref(self, key: str) -> str | None:
        """URN of the resource input `key` points at (e.g. a port's networkId -> the network)."""
        urns = self.refs.get(key) or ()
        return urns[0] if urns else None

    def get(self, key: str, default: Any = None) -> Any:
        return self.props.get(key, default)

    @property
    def tags(self) -> list[str]:
        return [str(t) for t in self.props.get("tags") or []]

    def tag(self, key: str) -> str | None:
        """The value of a `key:value` tag (dept, zone, mlps, role, group), or None."""
        for tag in self.tags:
            if tag.startswith(f"{key}:"):
                return tag.split(":", 1)[1]
        return None

    @staticmethod
    def from_args(args: ResourceValidationArgs) -> Resource:
        return Resource(args.resource_type, args.name, plain(args.props), args.urn, args.opts.parent)

    @staticmethod
    def from_policy_resource(res: PolicyResource) -> Resource:
        deps = tuple(d.urn for d in res.dependencies or [])
        refs = {k: tuple(d.urn for d in v) for k, v in (res.property_dependencies or {}).items()}
        parent = res.parent.urn if res.parent is not None else None
        return Resource(res.resource_type, res.name, plain(res.props), res.urn, parent, deps, refs)

"""The plan's resources as records (govcloud/live/model.py): what the cloud should hold.

The offline plan names other resources by the mock engine's IDs (`<name>-<type>-id`) and
lookups as `<function>-<name>`; both are turned back into names here, so that a record
says "port mgmt/mgmt-bastion-ops on network mgmt-ops", which the live cloud can be matched to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from govcloud.live.model import ADMIN_PROJECT, Record, gateway_of, rule_key

PREFIX = "openstack:"


class PlanShapeError(Exception):
    """The plan holds something this reader does not understand: names resource and input."""


@dataclass
class Planned:
    records: list[Record]
    deployer_user: str = "govcloud-deployer"
    external_networks: list[str] = field(default_factory=list)  # lookups: must exist before apply
    images: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # type token -> count (providers)


def mock_id(res: dict[str, Any]) -> str:
    return f"{res['name']}-{res['type'].rsplit(':', 1)[-1].lower()}-id"


def lookup_name(value: str, function: str) -> str | None:
    prefix = f"{function}-"
    return value[len(prefix) :] if value.startswith(prefix) else None


class _Resolver:
    def __init__(self, resources: list[dict[str, Any]]) -> None:
        self.by_id = {mock_id(r): r for r in resources if r.get("custom")}
        self.by_urn = {r["urn"]: r for r in resources}

    def target(self, res: dict[str, Any], value: Any, prop: str) -> dict[str, Any]:
        found = self.by_id.get(value) if isinstance(value, str) else None
        if found is None:
            raise PlanShapeError(f"{res['urn']}: inputs.{prop}: {value!r} names no resource of the plan")
        return found

    def name(self, res: dict[str, Any], value: Any, prop: str, function: str = "") -> str:
        """The name of what `value` refers to: a planned resource, or a lookup by name."""
        if function and isinstance(value, str):
            looked_up = lookup_name(value, function)
            if looked_up is not None:
                return looked_up
        return str(self.target(res, value, prop)["inputs"]["name"])

    def project(self, res: dict[str, Any]) -> str:
        """tenantId/projectId, else the explicit provider's project, else the admin's."""
        inputs = res["inputs"]
        for prop in ("tenantId", "projectId"):
            if prop in inputs:
                return self.name(res, inputs[prop], prop)
        provider = self.by_urn.get(res.get("provider") or "")
        if provider is not None and "tenantId" in provider["inputs"]:
            return self.name(provider, provider["inputs"]["tenantId"], "tenantId")
        return ADMIN_PROJECT


def _tags(inputs: dict[str, Any]) -> list[str]:
    return sorted(inputs.get("tags") or [])


Builder = Callable[[_Resolver, dict[str, Any]], Record]


def _project(r: _Resolver, res: dict[str, Any]) -> Record:
    i = res["inputs"]
    return Record("project", (i["name"],), {"description": i.get("description", ""), "tags": _tags(i)})


def _group(r: _Resolver, res: dict[str, Any]) -> Record:
    i = res["inputs"]
    return Record("group", (i["name"],), {"description": i.get("description", "")})


def _role(r: _Resolver, res: dict[str, Any]) -> Record:
    return Record("role", (res["inputs"]["name"],))


def _assignment(r: _Resolver, res: dict[str, Any]) -> Record:
    i = res["inputs"]
    if "groupId" in i:
        actor = "group:" + r.name(res, i["groupId"], "groupId")
    else:
        actor = "user:" + r.name(res, i["userId"], "userId", "getUser")
    project = r.name(res, i["projectId"], "projectId")
    role = r.name(res, i["roleId"], "roleId", "getRole")
    return Record("role_assignment", (project, actor, role))


def _membership(r: _Resolver, res: dict[str, Any]) -> Record:
    i = res["inputs"]
    group = r.name(res, i["groupId"], "groupId")
    return Record("user_membership", (group, r.name(res, i["userId"], "userId", "getUser")))


QUOTA_FIELDS = {
    "compute_quota": {
        "instances": "instances",
        "cores": "cores",
        "ram": "ram",
        "keyPairs": "key_pairs",
        "serverGroups": "server_groups",
        "serverGroupMembers": "server_group_members",
    },
    "network_quota": {
        "network": "networks",
        "subnet": "subnets",
        "port": "ports",
        "router": "routers",
        "securityGroup": "security_groups",
        "securityGroupRule": "security_group_rules",
        "floatingip": "floating_ips",
    },
    "volume_quota": {
        "volumes": "volumes",
        "gigabytes": "gigabytes",
        "snapshots": "snapshots",
        "backups": "backups",
        "backupGigabytes": "backup_gigabytes",
    },
}


def _quota(kind: str) -> Builder:
    def build(r: _Resolver, res: dict[str, Any]) -> Record:
        i = res["inputs"]
        fields = {name: i[prop] for prop, name in QUOTA_FIELDS[kind].items() if prop in i}
        return Record(kind, (r.project(res),), fields)

    return build


def _network(r: _Resolver, res: dict[str, Any]) -> Record:
    i = res["inputs"]
    fields = {
        "port_security_enabled": i.get("portSecurityEnabled", True),
        "shared": i.get("shared", False),
        "tags": _tags(i),
    }
    return Record("network", (r.project(res), i["name"]), fields)


def _subnet(r: _Resolver, res: dict[str, Any]) -> Record:
    i = res["inputs"]
    fields = {
        "network": r.name(res, i["networkId"], "networkId", "getNetwork"),
        "cidr": i["cidr"],
        "ip_version": i.get("ipVersion", 4),
        "enable_dhcp": i.get("enableDhcp", True),
        "allocation_pools": [[p["start"], p["end"]] for p in i.get("allocationPools", [])],
        "dns_nameservers": list(i.get("dnsNameservers", [])),
        "tags": _tags(i),
    }
    return Record("subnet", (r.project(res), i["name"]), fields)


def _router(r: _Resolver, res: dict[str, Any]) -> Record:
    i = res["inputs"]
    fields = {
        "external_network": r.name(res, i["externalNetworkId"], "externalNetworkId", "getNetwork")
        if "externalNetworkId" in i
        else None,
        "enable_snat": i.get("enableSnat"),
        "description": i.get("description", ""),
        "tags": _tags(i),
    }
    return Record("router", (r.project(res), i["name"]), fields)


def _interface(r: _Resolver, res: dict[str, Any]) -> Record:
    i = res["inputs"]
    router = r.target(res, i["routerId"], "routerId")
    if "subnetId" in i:
        via = "subnet:" + r.name(res, i["subnetId"], "subnetId")
    else:
        via = "port:" + r.name(res, i["portId"], "portId")
    return Record("router_interface", (r.project(router), router["inputs"]["name"], via))


def _route(r: _Resolver, res: dict[str, Any]) -> Record:
    i = res["inputs"]
    router = r.target(res, i["routerId"], "routerId")
    hop_urns = res.get("propertyDependencies", {}).get("nextHop", [])
    hop_router = r.by_urn.get(hop_urns[0]) if hop_urns else None
    next_hop = gateway_of(r.project(hop_router), hop_router["inputs"]["name"]) if hop_router else i["nextHop"]
    key = (r.project(router), router["inputs"]["name"], i["destinationCidr"])
    return Record("router_route", key, {"next_hop": next_hop})


def _secgroup(r: _Resolver, res: dict[str, Any]) -> Record:
    i = res["inputs"]
    fields = {"description": i.get("description", ""), "tags": _tags(i)}
    return Record("security_group", (r.project(res), i["name"]), fields)


def _rule(r: _Resolver, res: dict[str, Any]) -> Record:
    i = res["inputs"]
    group = r.target(res, i["securityGroupId"], "securityGroupId")
    remote_group = r.name(res, i["remoteGroupId"], "remoteGroupId") if "remoteGroupId" in i else None
    key = rule_key(
        r.project(group),
        group["inputs"]["name"],
        i["direction"],
        i.get("ethertype", "IPv4"),
        i.get("protocol"),
        i.get("portRangeMin"),
        i.get("portRangeMax"),
        i.get("remoteIpPrefix"),
        remote_group,
    )
    return Record("security_group_rule", key, {"description": i.get("description", "")})


def _subnet_cidr(r: _Resolver, res: dict[str, Any], value: Any) -> str:
    looked_up = lookup_name(value, "getSubnet") if isinstance(value, str) else None
    return looked_up or str(r.target(res, value, "fixedIps")["inputs"]["cidr"])


def _port(r: _Resolver, res: dict[str, Any]) -> Record:
    i = res["inputs"]
    fields = {
        "network": r.name(res, i["networkId"], "networkId", "getNetwork"),
        # subnets by CIDR: the plan may name a subnet only by a lookup (getSubnet by cidr)
        "fixed_ips": [[_subnet_cidr(r, res, ip["subnetId"]), ip.get("ipAddress")] for ip in i.get("fixedIps", [])],
        "security_groups": sorted(r.name(res, g, "securityGroupIds") for g in i.get("securityGroupIds", [])),
        "port_security_enabled": i.get("portSecurityEnabled", True),
        "tags": _tags(i),
    }
    return Record("port", (r.project(res), i["name"]), fields)


def _keypair(r: _Resolver, res: dict[str, Any]) -> Record:
    i = res["inputs"]
    return Record("keypair", (i["name"],), {"public_key": i.get("publicKey", "")})


def _server_group(r: _Resolver, res: dict[str, Any]) -> Record:
    i = res["inputs"]
    policy = i.get("policies")
    policy = policy[0] if isinstance(policy, list) else policy
    return Record("server_group", (r.project(res), i["name"]), {"policy": policy})


def _server(r: _Resolver, res: dict[str, Any]) -> Record:
    i = res["inputs"]
    fields = {
        "flavor": r.name(res, i["flavorId"], "flavorId"),
        "image": r.name(res, i["imageId"], "imageId", "getImage"),
        "key_name": i.get("keyPair"),
        "metadata": dict(i.get("metadata", {})),
        "tags": _tags(i),
        "ports": sorted(r.name(res, n["port"], "networks") for n in i.get("networks", [])),
        # the anti-affinity group the replicas are scheduled through (none for a single host)
        "server_group": next(
            (r.name(res, h["group"], "schedulerHints") for h in i.get("schedulerHints", []) if h.get("group")), None
        ),
    }
    return Record("server", (r.project(res), i["name"]), fields)


def _volume(r: _Resolver, res: dict[str, Any]) -> Record:
    i = res["inputs"]
    fields = {"size": i["size"], "volume_type": i.get("volumeType"), "metadata": dict(i.get("metadata", {}))}
    return Record("volume", (r.project(res), i["name"]), fields)


def _attach(r: _Resolver, res: dict[str, Any]) -> Record:
    i = res["inputs"]
    server = r.target(res, i["instanceId"], "instanceId")
    volume = r.target(res, i["volumeId"], "volumeId")
    return Record("volume_attachment", (r.project(server), server["inputs"]["name"], volume["inputs"]["name"]))


def _flavor(r: _Resolver, res: dict[str, Any]) -> Record:
    i = res["inputs"]
    fields = {"vcpus": i["vcpus"], "ram": i["ram"], "disk": i.get("disk", 0), "is_public": i.get("isPublic", True)}
    return Record("flavor", (i["name"],), fields)


def _volume_type(r: _Resolver, res: dict[str, Any]) -> Record:
    i = res["inputs"]
    fields = {
        "description": i.get("description", ""),
        "is_public": i.get("isPublic", True),
        "extra_specs": dict(i.get("extraSpecs", {})),
    }
    return Record("volume_type", (i["name"],), fields)


BUILDERS: dict[str, Builder] = {
    "identity/project:Project": _project,
    "identity/groupV3:GroupV3": _group,
    "identity/role:Role": _role,
    "identity/roleAssignment:RoleAssignment": _assignment,
    "identity/userMembershipV3:UserMembershipV3": _membership,
    "compute/quotaSetV2:QuotaSetV2": _quota("compute_quota"),
    "networking/quotaV2:QuotaV2": _quota("network_quota"),
    "blockstorage/quoteSetV3:QuoteSetV3": _quota("volume_quota"),
    "networking/network:Network": _network,
    "networking/subnet:Subnet": _subnet,
    "networking/router:Router": _router,
    "networking/routerInterface:RouterInterface": _interface,
    "networking/routerRoute:RouterRoute": _route,
    "networking/secGroup:SecGroup": _secgroup,
    "networking/secGroupRule:SecGroupRule": _rule,
    "networking/port:Port": _port,
    "compute/keypair:Keypair": _keypair,
    "compute/serverGroup:ServerGroup": _server_group,
    "compute/instance:Instance": _server,
    "blockstorage/volume:Volume": _volume,
    "compute/volumeAttach:VolumeAttach": _attach,
    "compute/flavor:Flavor": _flavor,
    "blockstorage/volumeTypeV3:VolumeTypeV3": _volume_type,
}


def planned_records(plan: dict[str, Any]) -> Planned:
    """Every cloud resource of the plan as a record; PlanShapeError names what is not understood."""
    resources: list[dict[str, Any]] = plan["resources"]
    resolver = _Resolver(resources)
    result = Planned(records=[])
    for res in resources:
        if not res.get("custom"):
            continue
        token = res["type"].removeprefix(PREFIX)
        builder = BUILDERS.get(token)
        if builder is None:
            result.skipped[res["type"]] = result.skipped.get(res["type"], 0) + 1
            if not res["type"].startswith("pulumi:providers:"):
                raise PlanShapeError(f"{res['urn']}: type {res['type']} is not one drift or apply knows")
            continue
        try:
            result.records.append(replace(builder(resolver, res), source=res["urn"]))
        except (KeyError, TypeError) as exc:
            raise PlanShapeError(f"{res['urn']}: inputs: missing or malformed {exc}") from None
    for lookup in plan.get("lookups", []):
        token, args = str(lookup.get("token", "")), lookup.get("args", {})
        if token.endswith("getUser:getUser"):
            result.deployer_user = args["name"]
        elif token.endswith("getNetwork:getNetwork"):
            result.external_networks.append(args["name"])
        elif token.endswith("getImage:getImage"):
            result.images.append(args["name"])
    seen: dict[tuple[str, tuple[str, ...]], Record] = {}
    for record in result.records:
        if (record.kind, record.key) in seen:
            raise PlanShapeError(f"{record.source or record.identity}: two plan resources share the identity")
        seen[(record.kind, record.key)] = record
    return result

"""The plan read as a network: networks, routers and what joins them, ports, security groups.

Resources are linked through `propertyDependencies` (input -> URNs of the resources the value
came from), never through IDs, so the same code reads a real preview, where new resources'
IDs are unknown. The only IDs compared are lookups' (getNetwork, getSubnet): those exist
before the program runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from govcloud.isolation import services as sv
from govcloud.isolation.intent import Intent
from govcloud.isolation.intervals import EVERYWHERE, Interval, interval_text, prefix_interval

NETWORK = "openstack:networking/network:Network"
SUBNET = "openstack:networking/subnet:Subnet"
ROUTER = "openstack:networking/router:Router"
ROUTER_INTERFACE = "openstack:networking/routerInterface:RouterInterface"
PORT = "openstack:networking/port:Port"
SEC_GROUP = "openstack:networking/secGroup:SecGroup"
SEC_GROUP_RULE = "openstack:networking/secGroupRule:SecGroupRule"
INSTANCE = "openstack:compute/instance:Instance"
GET_NETWORK = "openstack:networking/getNetwork:getNetwork"
GET_SUBNET = "openstack:networking/getSubnet:getSubnet"
PLATFORM = "(platform)"

INTERNET_KEY = "internet"  # every internet-facing (or unknown external) network, as one node

_FLOW = re.compile(r"^\s*flow\s+([^;]+)")
_APPROVAL = re.compile(r"approval\s+(\S.*?)\s*(?:;|$)")

Resource = dict[str, Any]


@dataclass(frozen=True)
class Hop:
    """One step of a witness path: what it is, its name, its URN (None for lookups and pseudo nodes)."""

    kind: str
    name: str
    urn: str | None

    def as_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "name": self.name, "urn": self.urn}


@dataclass
class NetworkNode:
    key: str
    name: str
    urn: str | None
    kind: str  # tenant | backbone | internet | unknown
    zone: str | None = None
    cidrs: list[Interval] = field(default_factory=list)

    @property
    def hop(self) -> Hop:
        return Hop("backbone" if self.kind == "backbone" else "network", self.name, self.urn)


@dataclass(frozen=True)
class Link:
    """A router attached to a network, and the resource that attaches it."""

    router: str  # router URN
    network: str  # network key
    via: Hop


@dataclass
class Rule:
    index: int
    urn: str | None
    name: str
    group: int
    direction: str  # ingress | egress
    services: sv.Services
    remote: tuple[Interval, ...]
    remote_text: str
    description: str
    flows: tuple[str, ...]
    approval: str

    @property
    def hop(self) -> Hop:
        return Hop("rule" if self.urn else "default-rule", self.name, self.urn)


@dataclass
class SecGroup:
    index: int
    urn: str
    name: str
    tenant: str
    rules: list[int] = field(default_factory=list)

    @property
    def hop(self) -> Hop:
        return Hop("security-group", self.name, self.urn)


@dataclass
class Port:
    urn: str
    name: str
    tenant: str
    network: str | None  # network key
    subnets: list[str]  # subnet URNs (or lookup keys)
    addresses: list[Interval]  # fixed IPs (/32) or, without one, the subnet's range; + address pairs
    groups: tuple[int, ...]
    filtered: bool  # False: port security off, or groups not known: nothing filters the port
    group: str | None
    role: str | None
    host: str  # the instance's name, or the port's own for a port no instance uses
    instance: str | None  # instance URN
    router_port: bool = False

    @property
    def hop(self) -> Hop:
        return Hop("port", f"{self.name} ({', '.join(interval_text(a) for a in self.addresses)})", self.urn)


@dataclass
class Instance:
    urn: str
    name: str
    tenant: str
    ports: list[str]
    group: str | None
    role: str | None


@dataclass
class PlanNetwork:
    networks: dict[str, NetworkNode] = field(default_factory=dict)
    subnets: dict[str, tuple[str | None, Interval | None, str]] = field(default_factory=dict)  # key->(net, cidr, name)
    routers: dict[str, Hop] = field(default_factory=dict)
    links: list[Link] = field(default_factory=list)
    ports: dict[str, Port] = field(default_factory=dict)
    groups: list[SecGroup] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    instances: dict[str, Instance] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def host_ports(self) -> list[Port]:
        """The endpoints: every port but those plugged into routers."""
        return [p for p in self.ports.values() if not p.router_port]


def tag(resource: Resource, key: str) -> str | None:
    prefix = f"{key}:"
    for value in resource.get("inputs", {}).get("tags") or []:
        if isinstance(value, str) and value.startswith(prefix):
            return value[len(prefix) :]
    return None


def rule_flows(description: str) -> tuple[str, ...]:
    match = _FLOW.match(description)
    return tuple(f.strip() for f in match.group(1).split(",") if f.strip()) if match else ()


def rule_approval(description: str) -> str:
    match = _APPROVAL.search(description)
    return match.group(1) if match else ""


class _Reader:
    def __init__(self, plan: dict[str, Any], intent: Intent) -> None:
        self.intent = intent
        self.resources: list[Resource] = [r for r in plan.get("resources", []) if isinstance(r, dict)]
        self.by_urn: dict[str, Resource] = {r["urn"]: r for r in self.resources}
        self.lookup_networks: dict[str, str] = {}  # lookup id -> network name
        self.lookup_subnets: dict[str, tuple[str, str]] = {}  # lookup id -> (network id, cidr)
        for entry in plan.get("lookups") or []:
            if not isinstance(entry, dict):
                continue
            args = entry.get("args") if isinstance(entry.get("args"), dict) else {}
            assert isinstance(args, dict)
            if entry.get("token") == GET_NETWORK and "name" in args:
                self.lookup_networks[str(entry.get("id"))] = str(args["name"])
            elif entry.get("token") == GET_SUBNET:
                self.lookup_subnets[str(entry.get("id"))] = (str(args.get("networkId", "")), str(args.get("cidr", "")))
        self.out = PlanNetwork()

    def of_type(self, type_: str) -> list[Resource]:
        return [r for r in self.resources if r.get("type") == type_ and r.get("custom", True)]

    def refs(self, resource: Resource, key: str, type_: str | None = None) -> list[str]:
        deps = resource.get("propertyDependencies") or {}
        urns = deps.get(key) or [] if isinstance(deps, dict) else []
        return [u for u in urns if u in self.by_urn and (type_ is None or self.by_urn[u].get("type") == type_)]

    # -- networks ---------------------------------------------------------------------
    def network_of_lookup(self, value: str) -> str:
        name = self.lookup_networks.get(value, value)
        zone = self.intent.backbones.get(name)
        if zone is not None:
            key = f"backbone:{name}"
            if key not in self.out.networks:
                node = NetworkNode(key, name, None, "backbone", zone, [self.intent.backbone_cidrs[zone]])
                self.out.networks[key] = node
            return key
        if name not in self.intent.internet_networks:
            self.out.notes.append(
                f"external network {name!r} is neither a backbone nor the internet network: "
                "treated as the internet (it may lead anywhere)"
            )
        if INTERNET_KEY not in self.out.networks:
            self.out.networks[INTERNET_KEY] = NetworkNode(INTERNET_KEY, "internet", None, "internet")
        else:
            known = self.out.networks[INTERNET_KEY]
            if name not in known.name.split(" + "):
                known.name = f"{known.name} + {name}"
        return INTERNET_KEY

    def network_key(self, resource: Resource, key: str) -> str | None:
        for urn in self.refs(resource, key, NETWORK):
            return urn
        value = resource.get("inputs", {}).get(key)
        if not isinstance(value, str) or not value:
            return None
        # a lookup's ID (a backbone, the internet), or an ID no resource of the plan explains
        if value in self.lookup_networks or not self.refs(resource, key):
            return self.network_of_lookup(value)
        return None

    def read_networks(self) -> None:
        for res in self.of_type(NETWORK):
            name = str(res["inputs"].get("name") or res["name"])
            self.out.networks[res["urn"]] = NetworkNode(res["urn"], name, res["urn"], "tenant")
        for res in self.of_type(SUBNET):
            net = self.network_key(res, "networkId")
            cidr = prefix_interval(res["inputs"].get("cidr"))
            self.out.subnets[res["urn"]] = (net, cidr, str(res["inputs"].get("name") or res["name"]))
            if net in self.out.networks and cidr is not None:
                self.out.networks[net].cidrs.append(cidr)
        for lookup_id, (network_id, cidr_text) in self.lookup_subnets.items():
            net = self.network_of_lookup(network_id) if network_id else None
            self.out.subnets[f"lookup:{lookup_id}"] = (net, prefix_interval(cidr_text), cidr_text)

    # -- routers ----------------------------------------------------------------------
    def read_routers(self) -> None:
        for res in self.of_type(ROUTER):
            hop = Hop("router", str(res["inputs"].get("name") or res["name"]), res["urn"])
            self.out.routers[res["urn"]] = hop
            gateway = self.network_key(res, "externalNetworkId")
            if gateway is not None:
                self.out.links.append(Link(res["urn"], gateway, Hop("router-gateway", hop.name, res["urn"])))
        for res in self.of_type(ROUTER_INTERFACE):
            routers = self.refs(res, "routerId", ROUTER)
            if not routers:
                self.out.notes.append(f"router interface {res['name']}: its router is not in the plan (ignored)")
                continue
            via = Hop("router-interface", res["name"], res["urn"])
            for subnet in self.refs(res, "subnetId", SUBNET):
                net = self.out.subnets[subnet][0]
                if net is not None:
                    self.out.links.append(Link(routers[0], net, via))
            for port_urn in self.refs(res, "portId", PORT):
                net = self.network_key(self.by_urn[port_urn], "networkId")
                if net is not None:
                    self.out.links.append(Link(routers[0], net, via))

    # -- security groups --------------------------------------------------------------
    def read_groups(self) -> dict[str, int]:
        index: dict[str, int] = {}
        for res in self.of_type(SEC_GROUP):
            group = SecGroup(
                len(self.out.groups),
                res["urn"],
                str(res["inputs"].get("name") or res["name"]),
                str(res.get("tenant") or PLATFORM),
            )
            index[res["urn"]] = group.index
            self.out.groups.append(group)
            if res["inputs"].get("deleteDefaultRules") is not True:
                # Neutron gives every new group allow-all egress unless told otherwise.
                self.add_rule(
                    None,
                    f"{group.name}: Neutron's default allow-all egress (deleteDefaultRules not set)",
                    group.index,
                    "egress",
                    sv.EVERYTHING,
                    (EVERYWHERE,),
                    "0.0.0.0/0",
                    "",
                )
        return index

    def add_rule(
        self,
        urn: str | None,
        name: str,
        group: int,
        direction: str,
        services: sv.Services,
        remote: tuple[Interval, ...],
        remote_text: str,
        description: str,
    ) -> Rule:
        rule = Rule(
            len(self.out.rules),
            urn,
            name,
            group,
            direction,
            services,
            remote,
            remote_text,
            description,
            rule_flows(description),
            rule_approval(description),
        )
        self.out.rules.append(rule)
        self.out.groups[group].rules.append(rule.index)
        return rule

    def read_rules(self, groups: dict[str, int]) -> list[tuple[Rule, list[int]]]:
        """Rules; those naming a remote group come back with the groups whose members they admit."""
        by_group: list[tuple[Rule, list[int]]] = []
        for res in self.of_type(SEC_GROUP_RULE):
            inputs = res["inputs"]
            owners = [groups[u] for u in self.refs(res, "securityGroupId", SEC_GROUP) if u in groups]
            if not owners:
                self.out.notes.append(f"rule {res['name']}: its security group is not in the plan (ignored)")
                continue
            if str(inputs.get("ethertype") or "IPv4").lower() != "ipv4":
                continue  # the model is IPv4 only; every govcloud network is
            direction = str(inputs.get("direction") or "").lower()
            if direction not in ("ingress", "egress"):
                self.out.notes.append(f"rule {res['name']}: direction {direction!r} unknown (ignored)")
                continue
            services = sv.of_rule(inputs.get("protocol"), inputs.get("portRangeMin"), inputs.get("portRangeMax"))
            prefix = inputs.get("remoteIpPrefix")
            remote_groups = [groups[u] for u in self.refs(res, "remoteGroupId", SEC_GROUP) if u in groups]
            if prefix:
                interval = prefix_interval(prefix)
                if interval is None:
                    continue  # an IPv6 prefix
                remote: tuple[Interval, ...] = (interval,)
                remote_text = str(prefix)
            elif remote_groups:
                remote, remote_text = (), f"members of {self.out.groups[remote_groups[0]].name}"
            else:
                if inputs.get("remoteGroupId"):
                    self.out.notes.append(f"rule {res['name']}: remote group not in the plan: treated as 0.0.0.0/0")
                remote, remote_text = (EVERYWHERE,), "0.0.0.0/0"
            rule = self.add_rule(
                res["urn"],
                res["name"],
                owners[0],
                direction,
                services,
                remote,
                remote_text,
                str(inputs.get("description") or ""),
            )
            if remote_groups and not prefix:
                by_group.append((rule, remote_groups))
        return by_group

    # -- ports and instances ----------------------------------------------------------
    def subnet_for(self, port: Resource, ip: object, subnet_id: object) -> str | None:
        address = prefix_interval(ip) if ip else None
        candidates = self.refs(port, "fixedIps", SUBNET)
        if isinstance(subnet_id, str) and subnet_id in self.lookup_subnets:
            candidates.append(f"lookup:{subnet_id}")
        for key in candidates:
            cidr = self.out.subnets.get(key, (None, None, ""))[1]
            if address is None or (cidr is not None and cidr[0] <= address[0] < cidr[1]):
                return key
        return candidates[0] if candidates else None

    def read_ports(self, groups: dict[str, int], router_ports: set[str], owners: dict[str, Resource]) -> None:
        for res in self.of_type(PORT):
            inputs = res["inputs"]
            network = self.network_key(res, "networkId")
            addresses: list[Interval] = []
            subnets: list[str] = []
            fixed = inputs.get("fixedIps")
            for item in fixed if isinstance(fixed, list) else []:
                if not isinstance(item, dict):
                    continue
                subnet = self.subnet_for(res, item.get("ipAddress"), item.get("subnetId"))
                if subnet is not None:
                    subnets.append(subnet)
                address = prefix_interval(item.get("ipAddress"))
                if address is None and subnet is not None:
                    address = self.out.subnets[subnet][1]  # Neutron picks one: any of the subnet
                if address is not None:
                    addresses.append(address)
            if not addresses and network in self.out.networks:
                addresses.extend(self.out.networks[network].cidrs)
            pairs = inputs.get("allowedAddressPairs")
            for pair in pairs if isinstance(pairs, list) else []:
                extra = prefix_interval(pair.get("ipAddress")) if isinstance(pair, dict) else None
                if extra is not None:
                    addresses.append(extra)
            router_port = res["urn"] in router_ports
            port_groups, filtered = ((), False) if router_port else self.port_groups(res, groups)
            owner = owners.get(res["urn"])
            source = owner or res
            group = tag(res, "group") or tag(source, "group") or _metadata(source, "govcloud_group")
            role = tag(res, "role") or tag(source, "role") or _metadata(source, "govcloud_role")
            host = str(source["inputs"].get("name") or source["name"])
            self.out.ports[res["urn"]] = Port(
                urn=res["urn"],
                name=str(res["name"]),
                tenant=str(res.get("tenant") or PLATFORM),
                network=network,
                subnets=subnets,
                addresses=addresses,
                groups=port_groups,
                filtered=filtered,
                group=group,
                role=role,
                host=host,
                instance=owner["urn"] if owner else None,
                router_port=router_port,
            )
            if not addresses and not router_port:
                self.out.notes.append(f"port {res['name']}: no IPv4 address known (not an endpoint)")

    def port_groups(self, res: Resource, groups: dict[str, int]) -> tuple[tuple[int, ...], bool]:
        inputs = res["inputs"]
        security = inputs.get("portSecurityEnabled")
        network = self.refs(res, "networkId", NETWORK)
        if security is None and network:
            security = self.by_urn[network[0]]["inputs"].get("portSecurityEnabled")
        if security is False:
            return (), False
        declared = inputs.get("securityGroupIds")
        if declared is None:
            self.out.notes.append(
                f"port {res['name']}: no security groups given (Neutron's default group applies): treated as unfiltered"
            )
            return (), False
        found = tuple(sorted({groups[u] for u in self.refs(res, "securityGroupIds", SEC_GROUP) if u in groups}))
        values = declared if isinstance(declared, list) else [declared]
        if len(found) < len(values):
            self.out.notes.append(f"port {res['name']}: a security group is not in the plan: treated as unfiltered")
            return found, False
        return found, True

    def read_instances(self) -> dict[str, Resource]:
        owners: dict[str, Resource] = {}
        for res in self.of_type(INSTANCE):
            ports = self.refs(res, "networks", PORT)
            for urn in ports:
                owners[urn] = res
            nets = res["inputs"].get("networks")
            portless = [n for n in nets if isinstance(n, dict) and not n.get("port")] if isinstance(nets, list) else []
            if portless:
                self.out.notes.append(
                    f"instance {res['name']}: {len(portless)} NIC(s) without a port of the plan are not modelled"
                )
            self.out.instances[res["urn"]] = Instance(
                urn=res["urn"],
                name=str(res["inputs"].get("name") or res["name"]),
                tenant=str(res.get("tenant") or PLATFORM),
                ports=ports,
                group=tag(res, "group") or _metadata(res, "govcloud_group"),
                role=tag(res, "role") or _metadata(res, "govcloud_role"),
            )
        return owners

    def read(self) -> PlanNetwork:
        self.read_networks()
        self.read_routers()
        groups = self.read_groups()
        by_group = self.read_rules(groups)
        router_ports = {u for res in self.of_type(ROUTER_INTERFACE) for u in self.refs(res, "portId", PORT)}
        owners = self.read_instances()
        self.read_ports(groups, router_ports, owners)
        members: dict[int, list[Interval]] = {}
        for port in self.out.host_ports:
            for g in port.groups:
                members.setdefault(g, []).extend(port.addresses)
        for rule, remote_groups in by_group:
            rule.remote = tuple(a for g in remote_groups for a in members.get(g, []))
        return self.out


def _metadata(resource: Resource, key: str) -> str | None:
    meta = resource.get("inputs", {}).get("metadata")
    value = meta.get(key) if isinstance(meta, dict) else None
    return str(value) if value else None


def read_network(plan: dict[str, Any], intent: Intent) -> PlanNetwork:
    return _Reader(plan, intent).read()

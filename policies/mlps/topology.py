"""Look-ups over a whole stack that the network and boundary rules share.

Resources are linked only through `ref()` (the URNs of propertyDependencies), never through
IDs: in a real `pulumi preview` the ID of a resource still to be created is unknown. The
values compared directly are those known at preview: lookups' IDs (a backbone's or the
internet network's ID), CIDRs, addresses, tags and literal flags.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property

from . import resources as t
from .facts import Facts
from .resources import Resource, by_type

MANAGEMENT = "management"
EXCHANGE_ROLE = "exchange-gateway"

# Ports whose ingress is administration; only the bastion may open them (L3-SMC-01).
ADMIN_PORTS: tuple[tuple[int, int, str], ...] = (
    (22, 22, "ssh"),
    (23, 23, "telnet"),
    (623, 623, "ipmi"),
    (2375, 2376, "docker api"),
    (3389, 3389, "rdp"),
    (5900, 5999, "vnc"),
    (5985, 5986, "winrm"),
    (6443, 6443, "kubernetes api"),
    (10250, 10250, "kubelet"),
)
# The management zone's baseline services every tenant may reach (platform.yaml baseline_flows:
# dns, time incl. NTS key establishment, audit-log shipping, directory login).
PORTED_PROTOCOLS = frozenset({"tcp", "udp", "sctp", "6", "17", "132"})
ANY_PROTOCOLS = frozenset({"", "any", "0", "none"})

_FLOW = re.compile(r"^\s*flow\s+([^;\s]+)")
_APPROVAL = re.compile(r"approval\s+\S+")


def net(cidr: object) -> ipaddress.IPv4Network | None:
    """An IPv4 network from a CIDR or address text, None for anything else (unknown, IPv6...)."""
    if not isinstance(cidr, str) or not cidr:
        return None
    try:
        return ipaddress.IPv4Network(cidr, strict=False)
    except ValueError:
        return None


def flows(description: object) -> set[str]:
    """The flow names a rule's description declares ("flow a,b; approval X")."""
    match = _FLOW.match(description) if isinstance(description, str) else None
    return {f for f in match.group(1).split(",") if f} if match else set()


def approved(description: object) -> bool:
    return isinstance(description, str) and _APPROVAL.search(description) is not None


def as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list | tuple) else []


@dataclass(frozen=True)
class Remote:
    """Where a security-group rule's remote prefix lies relative to the zones."""

    kind: str  # none | group | invalid | internet | straddle | zone
    network: ipaddress.IPv4Network | None = None
    zone: str | None = None


def classify(rule: Resource, facts: Facts) -> Remote:
    prefix = rule.get("remoteIpPrefix")
    if not prefix:
        return Remote("group" if rule.ref("remoteGroupId") or rule.get("remoteGroupId") else "none")
    network = net(prefix)
    if network is None:
        return Remote("invalid")
    supernets = {z: ipaddress.IPv4Network(s) for z, s in facts.zones.items()}
    inside = [z for z, s in supernets.items() if network.subnet_of(s)]
    if inside:
        return Remote("zone", network, inside[0])
    if network.prefixlen == 0 or not any(network.overlaps(s) for s in supernets.values()):
        return Remote("internet", network)
    return Remote("straddle", network)


def port_range(rule: Resource) -> tuple[int, int] | None:
    """The rule's port range (None when it names none: all ports)."""
    low, high = rule.get("portRangeMin"), rule.get("portRangeMax")
    if not isinstance(low, int) or not isinstance(high, int) or (low == 0 and high == 0):
        return None
    return low, high


def protocol(rule: Resource) -> str:
    return str(rule.get("protocol") or "").lower()


def is_any(rule: Resource) -> bool:
    """Any protocol, or a ported protocol on all ports: what GC-SG-02 forbids."""
    proto = protocol(rule)
    if proto in ANY_PROTOCOLS:
        return True
    if proto not in PORTED_PROTOCOLS:
        return False
    ports = port_range(rule)
    return ports is None or (ports[0] <= 1 and ports[1] >= 65535)


def admin_ports(rule: Resource) -> list[str]:
    """Administration services a (specific, ported) rule opens."""
    ports = port_range(rule)
    if is_any(rule) or protocol(rule) not in PORTED_PROTOCOLS or ports is None:
        return []
    return [name for low, high, name in ADMIN_PORTS if ports[0] <= high and low <= ports[1]]


def on_baseline_ports(rule: Resource, facts: Facts) -> bool:
    """The rule opens only ports of the platform's baseline flows (platform.yaml)."""
    ports = port_range(rule)
    if is_any(rule) or ports is None:
        return False
    return all(facts.on_baseline_port(protocol(rule), p) for p in range(ports[0], ports[1] + 1))


class Stack:
    """A stack's resources with the indexes the rules need."""

    def __init__(self, resources: Iterable[Resource], facts: Facts) -> None:
        self.source = resources
        self.resources = list(resources)
        self.facts = facts
        self.by_urn = {r.urn: r for r in self.resources}

    def of(self, *types: str) -> list[Resource]:
        if len(types) == 1:
            return self._by_type.get(types[0], [])
        return [r for r in self.resources if r.type in types]

    @cached_property
    def _by_type(self) -> dict[str, list[Resource]]:
        return by_type(self.resources)

    def target(self, resource: Resource, key: str) -> Resource | None:
        urn = resource.ref(key)
        return self.by_urn.get(urn) if urn else None

    def targets(self, resource: Resource, key: str) -> list[Resource]:
        return [self.by_urn[u] for u in resource.refs.get(key) or () if u in self.by_urn]

    # -- routers -------------------------------------------------------------------------
    def is_exit(self, router: Resource) -> bool:
        name = self.facts.exit_router
        return router.name == name or router.get("name") == name or router.tag("role") == "internet-exit"

    @cached_property
    def exit_routers(self) -> list[Resource]:
        return [r for r in self.of(t.ROUTER) if self.is_exit(r)]

    @cached_property
    def tenant_routers(self) -> list[Resource]:
        return [r for r in self.of(t.ROUTER) if not self.is_exit(r)]

    @cached_property
    def internet_networks(self) -> set[str]:
        """The gateway network(s) of the exit router: the internet-facing network."""
        return {str(r.get("externalNetworkId")) for r in self.exit_routers if r.get("externalNetworkId")}

    def on_internet(self, router: Resource) -> bool:
        return str(router.get("externalNetworkId")) in self.internet_networks

    @cached_property
    def zone_gateways(self) -> dict[str, set[str]]:
        """zone -> gateway networks of that zone's tenant routers (those not on the internet)."""
        out: dict[str, set[str]] = {}
        for router in self.tenant_routers:
            zone, gateway = router.tag("zone"), router.get("externalNetworkId")
            if zone and gateway and not self.on_internet(router):
                out.setdefault(zone, set()).add(str(gateway))
        return out

    @cached_property
    def router_ports(self) -> set[str]:
        """URNs of ports plugged into a router (router-owned: no security groups there)."""
        return {u for i in self.of(t.ROUTER_INTERFACE) for u in i.refs.get("portId") or ()}

    # -- tenants -------------------------------------------------------------------------
    def tenant(self, resource: Resource) -> str | None:
        """The department slug that owns a resource: its project's, else its own dept tag."""
        project = self.target(resource, "tenantId") or self.target(resource, "projectId")
        if project is not None and project.type == t.PROJECT:
            return project.tag("dept") or str(project.get("name") or project.name)
        return resource.tag("dept")

    def has_tenant(self, resource: Resource) -> bool:
        return bool(resource.ref("tenantId") or resource.get("tenantId"))

    def project_zones(self, resource: Resource) -> set[str]:
        project = self.target(resource, "tenantId")
        if project is None:
            return set()
        return {tag.split(":", 1)[1] for tag in project.tags if tag.startswith("zone:")}

    # -- subnets and ports ---------------------------------------------------------------
    @cached_property
    def subnets(self) -> list[tuple[ipaddress.IPv4Network, Resource]]:
        out = []
        for subnet in self.of(t.SUBNET):
            cidr = net(subnet.get("cidr"))
            if cidr is not None:
                out.append((cidr, subnet))
        return out

    def zone_of(self, resource: Resource) -> str | None:
        """A network's, subnet's or port's zone: its tag, else its network's, else by address."""
        zone = resource.tag("zone")
        if zone:
            return zone
        network = self.target(resource, "networkId")
        if network is not None and network.tag("zone"):
            return network.tag("zone")
        for address in self.addresses(resource) or [str(resource.get("cidr") or "")]:
            found = self.facts.zone_of_cidr(address)
            if found:
                return found
        return None

    @staticmethod
    def addresses(port: Resource) -> list[str]:
        return [
            str(ip["ipAddress"])
            for ip in as_list(port.get("fixedIps"))
            if isinstance(ip, dict) and isinstance(ip.get("ipAddress"), str)
        ]

    @cached_property
    def ports_of_group(self) -> dict[str, list[Resource]]:
        out: dict[str, list[Resource]] = {}
        for port in self.of(t.PORT):
            for urn in port.refs.get("securityGroupIds") or ():
                out.setdefault(urn, []).append(port)
        return out

    def group_zones(self, group: Resource) -> set[str]:
        """Zones a security group is enforced in: those of its ports, else its project's."""
        zones = {z for p in self.ports_of_group.get(group.urn, []) if (z := self.zone_of(p))}
        return zones or self.project_zones(group)

    def is_bastion_group(self, group: Resource) -> bool:
        """A group whose every port has only bastion addresses."""
        ports = self.ports_of_group.get(group.urn, [])
        addresses = [a for p in ports for a in self.addresses(p)]
        return bool(addresses) and all(self.facts.in_bastion(a) for a in addresses)

    def owners(self, network: ipaddress.IPv4Network) -> set[str]:
        """Tenants whose subnets overlap `network`."""
        return {o for cidr, s in self.subnets if cidr.overlaps(network) and (o := self.tenant(s))}

    # -- security-group rules --------------------------------------------------------------
    def group_of(self, rule: Resource) -> Resource | None:
        return self.target(rule, "securityGroupId")

    def rules(self) -> list[tuple[Resource, Resource | None]]:
        return self._rules

    @cached_property
    def _rules(self) -> list[tuple[Resource, Resource | None]]:
        return [(r, self.group_of(r)) for r in self.of(t.SEC_GROUP_RULE)]

    @cached_property
    def classified(self) -> list[tuple[Resource, Resource | None, Remote]]:
        """Every security-group rule with its group and what its remote is (computed once)."""
        return [(rule, group, classify(rule, self.facts)) for rule, group in self._rules]


Finding = tuple[str, str | None]


_last_stack: list[Stack] = []


def stack_of(resources: list[Resource], facts: Facts) -> Stack:
    """One Stack (and its indexes) for all the stack rules that run over the same resources."""
    if _last_stack and _last_stack[0].source is resources and _last_stack[0].facts is facts:
        return _last_stack[0]
    _last_stack[:] = [Stack(resources, facts)]
    return _last_stack[0]


def over_stack(check: Callable[[Stack], Iterable[Finding]]) -> Callable[[list[Resource], Facts], list[Finding]]:
    """A stack rule's check written over a `Stack` rather than the bare resource list."""

    def run(resources: list[Resource], facts: Facts) -> list[Finding]:
        return list(check(stack_of(resources, facts)))

    run.__doc__ = check.__doc__
    return run

"""The lab network, derived from the isolation proof's reading of the plan (govcloud.isolation.network).

What exists in the lab: every network a lab host has a port on, the routers attached to those
networks (with every network they join), the internet exit router(s) and a stand-in internet,
and one "platform core" namespace joining the zone backbones present. Routes realise the
proof's routing model: a router joins every network it is attached to, so every router gets
a route to every lab network along the shortest chain of routers (the plan's exit routes are
a subset of these). The core forwards nothing unless `lab verify --core-hub ZONE` asks for
the proof's hub assumption (see nft.py).

Two inputs the proof's model does not carry are read from the plan resource they belong to:
a subnet's `gatewayIp` (Neutron's default: the first address) and the fixed IP of a router
interface given as a port.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv4Network
from typing import Any

from govcloud.isolation.intent import Intent
from govcloud.isolation.intervals import Interval
from govcloud.isolation.network import INTERNET_KEY, PlanNetwork, Port, read_network
from govcloud.lab.network import names

# The stand-in internet: TEST-NET-3 (RFC 5737), outside every zone, never routed anywhere real.
INTERNET_CIDR = IPv4Network("203.0.113.0/24")
INTERNET_HOST = IPv4Interface("203.0.113.100/24")
CORE_KEY = "(platform core)"


@dataclass(frozen=True)
class Segment:
    """One plan network: a Linux bridge in the fabric namespace."""

    key: str  # the proof's network key (URN, backbone:<name>, internet)
    name: str
    kind: str  # tenant | backbone | internet
    zone: str | None
    cidrs: tuple[IPv4Network, ...]
    bridge: str


@dataclass(frozen=True)
class Leg:
    """A router's (or the internet's) interface on a segment: a veth from its namespace to the bridge."""

    segment: str
    addresses: tuple[IPv4Interface, ...]
    inner: str  # in the router namespace
    outer: str  # in the fabric namespace, enslaved to the segment's bridge


@dataclass
class RouterNs:
    key: str  # router URN, CORE_KEY or INTERNET_KEY
    name: str
    ns: str
    kind: str  # tenant | exit | core | internet
    legs: list[Leg] = field(default_factory=list)
    routes: list[tuple[IPv4Network, IPv4Address]] = field(default_factory=list)

    @property
    def forwards(self) -> bool:
        return self.kind != "internet"

    def address_on(self, segment: str) -> IPv4Address | None:
        for leg in self.legs:
            if leg.segment == segment and leg.addresses:
                return leg.addresses[0].ip
        return None


@dataclass(frozen=True)
class HostPort:
    """A plan port of a lab host: a veth from the container (eth<i>) to its segment's bridge."""

    port: Port
    host: str
    container: str
    segment: str
    address: IPv4Interface
    gateway: IPv4Address | None
    inner: str  # eth<i> in the container
    outer: str  # in the fabric namespace
    temp: str  # the container side's name until it is moved and renamed
    mark: int  # 1..65535: identifies the port to the security-group chains

    @property
    def name(self) -> str:
        return self.port.name


@dataclass
class LabNetwork:
    plan_network: PlanNetwork
    segments: dict[str, Segment]
    routers: list[RouterNs]
    ports: list[HostPort]
    notes: list[str] = field(default_factory=list)

    @property
    def namespaces(self) -> list[str]:
        return [names.FABRIC_NS, *(r.ns for r in self.routers)]

    @property
    def core(self) -> RouterNs | None:
        return next((r for r in self.routers if r.kind == "core"), None)

    @property
    def internet(self) -> RouterNs | None:
        return next((r for r in self.routers if r.kind == "internet"), None)

    @property
    def internet_address(self) -> IPv4Address | None:
        return INTERNET_HOST.ip if self.internet is not None else None

    def hosts(self) -> list[str]:
        return sorted({p.host for p in self.ports})


def _network(interval: Interval) -> IPv4Network:
    start, end = interval
    size = end - start
    return IPv4Network((start, 32 - (size.bit_length() - 1)))


def _subnet_gateway(resource: Mapping[str, Any] | None, cidr: IPv4Network) -> IPv4Address | None:
    inputs = (resource or {}).get("inputs") or {}
    if "gatewayIp" in inputs:
        value = inputs["gatewayIp"]
        if not value:
            return None  # explicitly no gateway
        try:
            return IPv4Address(str(value))
        except ValueError:
            pass
    return cidr.network_address + 1  # Neutron's default


def _allocate(cidr: IPv4Network, taken: set[IPv4Address], count: int, first: int) -> list[IPv4Address]:
    out: list[IPv4Address] = []
    for index in range(first, cidr.num_addresses - 1):
        address = cidr.network_address + index
        if address not in taken:
            out.append(address)
            taken.add(address)
            if len(out) == count:
                break
    if len(out) < count:
        raise ValueError(f"{cidr}: no room for {count} more router addresses")
    return out


class _Builder:
    def __init__(self, plan: dict[str, Any], intent: Intent, hosts: Mapping[str, str]) -> None:
        self.plan_network = read_network(plan, intent)
        self.intent = intent
        self.hosts = hosts  # host name -> container name
        self.by_urn: dict[str, dict[str, Any]] = {
            r["urn"]: r for r in plan.get("resources", []) if isinstance(r, dict) and "urn" in r
        }
        self.notes: list[str] = []

    # -- which networks and routers -------------------------------------------------------
    def cidrs(self, key: str) -> tuple[IPv4Network, ...]:
        node = self.plan_network.networks[key]
        if node.kind == "internet":
            return (INTERNET_CIDR,)
        return tuple(_network(c) for c in node.cidrs)

    def segment(self, key: str) -> Segment:
        node = self.plan_network.networks[key]
        return Segment(key, node.name, node.kind, node.zone, self.cidrs(key), names.link_name("b", key))

    def host_ports(self) -> list[Port]:
        ports = [
            p for p in self.plan_network.host_ports if p.instance is not None and p.host in self.hosts and p.network
        ]
        return sorted(ports, key=lambda p: (p.host, p.name))

    # -- addresses ----------------------------------------------------------------------------
    def gateway_addresses(self) -> dict[tuple[str, str], IPv4Address]:
        """(router, network) -> the router's address on a network it is gatewayed to (no fixed IP in the plan).

        Allocated over every router of the plan on that network, in name order, skipping
        addresses ports of the plan hold, so the address does not depend on which hosts run.
        """
        net = self.plan_network
        out: dict[tuple[str, str], IPv4Address] = {}
        gateways: dict[str, list[str]] = {}
        for link in net.links:
            if link.via.kind == "router-gateway":
                gateways.setdefault(link.network, []).append(link.router)
        for key, routers in gateways.items():
            cidrs = self.cidrs(key)
            if not cidrs:
                continue
            taken = {
                IPv4Address(a[0])
                for p in net.ports.values()
                if p.network == key
                for a in p.addresses
                if a[1] - a[0] == 1
            }
            taken.add(cidrs[0].broadcast_address - 1)  # the platform core's
            if key == INTERNET_KEY:
                taken.add(INTERNET_HOST.ip)
            ordered = sorted(set(routers), key=lambda u: (net.routers[u].name, u))
            first = 1 if key == INTERNET_KEY else 2  # .1: the backbone's own gateway (the platform's)
            for router, address in zip(ordered, _allocate(cidrs[0], taken, len(ordered), first), strict=True):
                out[(router, key)] = address
        return out

    def interface_addresses(self, via_urn: str | None, network: str) -> list[IPv4Address]:
        """A router interface's addresses: its subnets' gateways, or its port's fixed IPs."""
        resource = self.by_urn.get(via_urn or "")
        if resource is None:
            return []
        deps = resource.get("propertyDependencies") or {}
        out: list[IPv4Address] = []
        for subnet in deps.get("subnetId") or []:
            net_key, cidr, _ = self.plan_network.subnets.get(subnet, (None, None, ""))
            if net_key == network and cidr is not None:
                gateway = _subnet_gateway(self.by_urn.get(subnet), _network(cidr))
                if gateway is not None:
                    out.append(gateway)
        for port_urn in deps.get("portId") or []:
            port = self.plan_network.ports.get(port_urn)
            if port is not None:
                out += [IPv4Address(a[0]) for a in port.addresses if a[1] - a[0] == 1]
        return out

    def interfaces(self, address: IPv4Address, key: str) -> IPv4Interface:
        for cidr in self.cidrs(key):
            if address in cidr:
                return IPv4Interface(f"{address}/{cidr.prefixlen}")
        return IPv4Interface(f"{address}/32")

    # -- build ------------------------------------------------------------------------------
    def build(self) -> LabNetwork:
        net = self.plan_network
        ports = self.host_ports()
        missing = sorted(set(self.hosts) - {p.host for p in ports})
        if missing:
            self.notes.append(f"no plan port with an address for: {', '.join(missing)}")
        wanted = {p.network for p in ports if p.network}
        routers = {link.router for link in net.links if link.network in wanted}
        routers |= {link.router for link in net.links if net.networks[link.network].kind == "internet"}
        wanted |= {link.network for link in net.links if link.router in routers}
        segments = {k: self.segment(k) for k in sorted(wanted) if k in net.networks}
        for key, seg in segments.items():
            if not seg.cidrs:
                self.notes.append(f"network {seg.name}: no subnet in the plan (a bridge without addresses)")
                segments[key] = seg
        gateway_ips = self.gateway_addresses()
        namespaces: list[RouterNs] = []
        for urn in sorted(routers, key=lambda u: net.routers[u].name):
            name = net.routers[urn].name
            links = [link for link in net.links if link.router == urn and link.network in segments]
            kind = "exit" if any(net.networks[link.network].kind == "internet" for link in links) else "tenant"
            router = RouterNs(urn, name, names.router_ns(name), kind)
            for link in links:
                if link.via.kind == "router-gateway":
                    found = [gateway_ips[(urn, link.network)]] if (urn, link.network) in gateway_ips else []
                else:
                    found = self.interface_addresses(link.via.urn, link.network)
                if not found:
                    self.notes.append(f"router {name}: no address on {segments[link.network].name} (leg left out)")
                    continue
                router.legs.append(
                    Leg(
                        link.network,
                        tuple(self.interfaces(a, link.network) for a in found),
                        names.link_name("r", urn, link.network),
                        names.link_name("x", urn, link.network),
                    )
                )
            namespaces.append(router)
        backbones = [s for s in segments.values() if s.kind == "backbone" and s.cidrs]
        if backbones:
            core = RouterNs(CORE_KEY, "platform core (stand-in)", names.CORE_NS, "core")
            for seg in backbones:
                address = IPv4Interface(f"{seg.cidrs[0].broadcast_address - 1}/{seg.cidrs[0].prefixlen}")
                core.legs.append(
                    Leg(
                        seg.key,
                        (address,),
                        names.link_name("r", CORE_KEY, seg.key),
                        names.link_name("x", CORE_KEY, seg.key),
                    )
                )
            namespaces.append(core)
        if INTERNET_KEY in segments:
            internet = RouterNs(INTERNET_KEY, "the internet (stand-in, TEST-NET-3)", names.INTERNET_NS, "internet")
            internet.legs.append(
                Leg(
                    INTERNET_KEY,
                    (INTERNET_HOST,),
                    names.link_name("r", INTERNET_KEY, "host"),
                    names.link_name("x", INTERNET_KEY, "host"),
                )
            )
            namespaces.append(internet)
        _route(namespaces, segments)
        host_ports = self.place_ports(ports, segments, namespaces)
        return LabNetwork(net, segments, namespaces, host_ports, self.notes)

    def place_ports(self, ports: list[Port], segments: dict[str, Segment], routers: list[RouterNs]) -> list[HostPort]:
        out: list[HostPort] = []
        index: dict[str, int] = {}
        for mark, port in enumerate(ports, start=1):
            assert port.network is not None
            fixed = [IPv4Address(a[0]) for a in port.addresses if a[1] - a[0] == 1]
            if not fixed:
                self.notes.append(f"port {port.name}: no fixed IP in the plan (left out)")
                continue
            address = self.interfaces(fixed[0], port.network)
            gateway = None
            for router in routers:
                for leg in router.legs:
                    if leg.segment == port.network and router.kind != "core":
                        gateway = gateway or next((a.ip for a in leg.addresses if address in a.network), None)
            i = index[port.host] = index.get(port.host, -1) + 1
            out.append(
                HostPort(
                    port=port,
                    host=port.host,
                    container=self.hosts[port.host],
                    segment=port.network,
                    address=address,
                    gateway=gateway,
                    inner=f"eth{i}",
                    outer=names.link_name("p", port.urn),
                    temp=names.link_name("q", port.urn),
                    mark=mark,
                )
            )
        return out


def _route(routers: list[RouterNs], segments: Mapping[str, Segment]) -> None:
    """Static routes along the shortest chain of routers to every lab network; the internet: default route."""
    on: dict[str, list[RouterNs]] = {}
    for router in routers:
        for leg in router.legs:
            on.setdefault(leg.segment, []).append(router)
    for router in routers:
        if router.kind == "internet":
            exit_ = next((r for leg in router.legs for r in on.get(leg.segment, []) if r.kind == "exit"), None)
            address = exit_.address_on(router.legs[0].segment) if exit_ else None
            if address is not None:
                router.routes.append((IPv4Network("0.0.0.0/0"), address))
            continue
        attached = {leg.segment for leg in router.legs}
        first_hop: dict[str, IPv4Address] = {}  # router key -> the next hop from `router` towards it
        seen = {router.key}
        queue: deque[RouterNs] = deque([router])
        reached: dict[str, IPv4Address] = {}  # segment -> next hop
        while queue:
            current = queue.popleft()
            for leg in current.legs:
                for neighbour in on.get(leg.segment, []):
                    if neighbour.key in seen or not neighbour.forwards:
                        continue
                    seen.add(neighbour.key)
                    hop = first_hop.get(current.key) if current is not router else neighbour.address_on(leg.segment)
                    if hop is None:
                        continue
                    first_hop[neighbour.key] = hop
                    for far in neighbour.legs:
                        if far.segment not in attached:
                            reached.setdefault(far.segment, hop)
                    queue.append(neighbour)
        for segment, hop in sorted(reached.items()):
            for cidr in segments[segment].cidrs:
                router.routes.append((cidr, hop))


def build_lab_network(plan: dict[str, Any], intent: Intent, hosts: Mapping[str, str]) -> LabNetwork:
    """The lab network for `hosts` (host name -> container name)."""
    return _Builder(plan, intent, hosts).build()

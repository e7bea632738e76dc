"""What the catalog implies: host replicas, their addresses, and security-group rules.

Derived once from a valid catalog and shared by the Pulumi program, the checks and the
reports, so every consumer sees the same addresses and the same rules.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from govcloud.catalog.model import Flow, HostSpec, Platform, Tenant, ZoneName

INTERNET = "internet"
ANYWHERE = "0.0.0.0/0"
FIRST_HOST_OFFSET = 10  # .1-.9 stay free for gateways and DHCP
# Administration services (low, high, name): opened only to the bastion. The policy pack keeps
# the same list (policies/mlps/topology.py; the pack stands alone; a test compares them).
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


@dataclass(frozen=True)
class NicAddress:
    network: str
    zone: ZoneName
    ip: str


@dataclass(frozen=True)
class HostInstance:
    tenant: str
    name: str
    spec: HostSpec
    index: int
    nics: tuple[NicAddress, ...]

    @property
    def zones(self) -> frozenset[ZoneName]:
        return frozenset(n.zone for n in self.nics)

    @property
    def replicated(self) -> bool:
        return self.spec.count > 1


@dataclass(frozen=True, order=True)
class SecurityRule:
    """One security-group rule; `flow` names the declared flow it opens."""

    direction: str  # ingress | egress
    protocol: str  # tcp | udp | icmp
    port_min: int | None
    port_max: int | None
    remote_cidr: str
    flow: str
    approval: str = ""  # approval references of the flows behind the rule, if any


@dataclass
class Topology:
    hosts: dict[str, list[HostInstance]] = field(default_factory=dict)
    rules: dict[tuple[str, str], list[SecurityRule]] = field(default_factory=dict)

    def all_hosts(self) -> Iterator[HostInstance]:
        for hosts in self.hosts.values():
            yield from hosts

    def groups(self, tenant: str) -> list[str]:
        return sorted({h.spec.group for h in self.hosts.get(tenant, [])})


def spread_sets(hosts: Iterable[HostInstance]) -> dict[tuple[str, str], list[HostInstance]]:
    """Hosts doing the same job (same group and role) that must not share a hypervisor.

    Replicas of one host spec count, and so do separately declared hosts of one role
    (two resolvers, say): losing one hypervisor must not take them all.
    """
    sets: dict[tuple[str, str], list[HostInstance]] = {}
    for host in hosts:
        sets.setdefault((host.spec.group, host.spec.role), []).append(host)
    return {key: same for key, same in sets.items() if len(same) > 1}


def replica_names(spec: HostSpec) -> list[str]:
    if spec.count == 1:
        return [spec.name]
    return [f"{spec.name}-{i}" for i in range(1, spec.count + 1)]


def assign_addresses(tenant: Tenant) -> tuple[dict[tuple[str, int, int], str], list[str]]:
    """Give every NIC without a fixed address the next free one of its network.

    Returns (address by (host name, replica index, nic index), problems).
    """
    networks = {n.name: ipaddress.IPv4Network(n.cidr) for n in tenant.networks}
    taken: dict[str, set[str]] = {name: set() for name in networks}
    for spec in tenant.hosts:
        for nic in spec.nics:
            if nic.ip and nic.network in taken:
                taken[nic.network].add(nic.ip)
    cursor = {name: FIRST_HOST_OFFSET for name in networks}
    out: dict[tuple[str, int, int], str] = {}
    problems: list[str] = []
    for spec in tenant.hosts:
        for replica in range(spec.count):
            for nic_index, nic in enumerate(spec.nics):
                net = networks.get(nic.network)
                if net is None:
                    continue
                if nic.ip:
                    out[(spec.name, replica, nic_index)] = nic.ip
                    continue
                while cursor[nic.network] < net.num_addresses - 1:
                    candidate = str(net.network_address + cursor[nic.network])
                    cursor[nic.network] += 1
                    if candidate not in taken[nic.network]:
                        taken[nic.network].add(candidate)
                        out[(spec.name, replica, nic_index)] = candidate
                        break
                else:
                    problems.append(f"network {nic.network} ({net}) has no free address left")
    return out, problems


def build_hosts(tenant: Tenant) -> list[HostInstance]:
    addresses, _ = assign_addresses(tenant)
    zone_of = {n.name: n.zone for n in tenant.networks}
    hosts = []
    for spec in tenant.hosts:
        for replica, name in enumerate(replica_names(spec)):
            nics = tuple(
                NicAddress(nic.network, zone_of[nic.network], addresses[(spec.name, replica, i)])
                for i, nic in enumerate(spec.nics)
                if (spec.name, replica, i) in addresses
            )
            hosts.append(HostInstance(tenant.slug, name, spec, replica, nics))
    return hosts


def parse_port(port: str) -> tuple[str, int | None, int | None]:
    if port == "icmp":
        return "icmp", None, None
    numbers, protocol = port.split("/")
    low, _, high = numbers.partition("-")
    return protocol, int(low), int(high or low)


def split_endpoint(endpoint: str, own_tenant: str) -> tuple[str, str]:
    """'db' -> (own tenant, 'db'); 'finance/db' -> ('finance', 'db')."""
    if "/" in endpoint:
        tenant, name = endpoint.split("/", 1)
        return tenant, name
    return own_tenant, endpoint


def resolve_endpoint(topology: Topology, endpoint: str, own_tenant: str) -> list[HostInstance] | None:
    """The hosts an endpoint names (a group or a host's replicas); None if it names nothing."""
    tenant, name = split_endpoint(endpoint, own_tenant)
    hosts = topology.hosts.get(tenant)
    if hosts is None:
        return None
    chosen = [h for h in hosts if h.spec.group == name or h.spec.name == name]
    return chosen or None


def facing_addresses(hosts: Iterable[HostInstance], zones: frozenset[ZoneName]) -> list[str]:
    """/32s of the hosts' NICs in `zones` (all NICs when the ends share no zone)."""
    out: set[str] = set()
    for host in hosts:
        nics = [n for n in host.nics if n.zone in zones] or list(host.nics)
        out.update(f"{n.ip}/32" for n in nics)
    return sorted(out)


def zones_of(hosts: Iterable[HostInstance]) -> frozenset[ZoneName]:
    return frozenset(z for h in hosts for z in h.zones)


def _flow_rules(topology: Topology, tenant: str, flow: Flow) -> dict[tuple[str, str], set[SecurityRule]]:
    """Ingress rules on the destination group, egress rules on the source group."""
    out: dict[tuple[str, str], set[SecurityRule]] = {}
    src = None if flow.source == INTERNET else resolve_endpoint(topology, flow.source, tenant)
    dst = None if flow.destination == INTERNET else resolve_endpoint(topology, flow.destination, tenant)
    shared = zones_of(src or []) & zones_of(dst or [])
    src_cidrs = [ANYWHERE] if flow.source == INTERNET else facing_addresses(src or [], shared)
    dst_cidrs = [ANYWHERE] if flow.destination == INTERNET else facing_addresses(dst or [], shared)
    for port in flow.ports:
        protocol, low, high = parse_port(port)
        for host in dst or []:
            key = (host.tenant, host.spec.group)
            for cidr in src_cidrs:
                out.setdefault(key, set()).add(
                    SecurityRule("ingress", protocol, low, high, cidr, flow.name, flow.approval or "")
                )
        for host in src or []:
            key = (host.tenant, host.spec.group)
            for cidr in dst_cidrs:
                out.setdefault(key, set()).add(
                    SecurityRule("egress", protocol, low, high, cidr, flow.name, flow.approval or "")
                )
    return out


def _baseline_rules(platform: Platform, topology: Topology) -> dict[tuple[str, str], set[SecurityRule]]:
    """Platform-wide flows: every host group to (or from) the platform's trust services."""
    out: dict[tuple[str, str], set[SecurityRule]] = {}
    supernets = sorted(z.supernet for z in platform.zones.values())
    for baseline in platform.baseline_flows:
        placement = platform.trust_services.get(baseline.service)
        if placement is None:
            continue
        service_hosts = resolve_endpoint(topology, placement.group, placement.tenant) or []
        service_cidrs = sorted({f"{n.ip}/32" for h in service_hosts for n in h.nics})
        service_groups = {(h.tenant, h.spec.group) for h in service_hosts}
        towards, back = ("egress", "ingress") if baseline.direction == "to-service" else ("ingress", "egress")
        for port in baseline.ports:
            protocol, low, high = parse_port(port)
            for host in topology.all_hosts():
                key = (host.tenant, host.spec.group)
                if key in service_groups:
                    continue
                for cidr in service_cidrs:
                    out.setdefault(key, set()).add(
                        SecurityRule(towards, protocol, low, high, cidr, baseline.name, baseline.approval)
                    )
            for key in service_groups:
                for cidr in supernets:
                    out.setdefault(key, set()).add(
                        SecurityRule(back, protocol, low, high, cidr, baseline.name, baseline.approval)
                    )
    return out


def build_topology(platform: Platform, tenants: dict[str, Tenant]) -> Topology:
    topology = Topology()
    for slug in sorted(tenants):
        topology.hosts[slug] = build_hosts(tenants[slug])
    merged: dict[tuple[str, str], set[SecurityRule]] = {}
    parts = [_baseline_rules(platform, topology)]
    for slug in sorted(tenants):
        parts.extend(_flow_rules(topology, slug, flow) for flow in tenants[slug].flows)
    for part in parts:
        for key, rules in part.items():
            merged.setdefault(key, set()).update(rules)
    for slug in sorted(tenants):
        for group in topology.groups(slug):
            topology.rules[(slug, group)] = _merge_same_rules(merged.get((slug, group), set()))
    return topology


def _merge_same_rules(rules: set[SecurityRule]) -> list[SecurityRule]:
    """Two flows opening the same port from the same address make one rule naming both."""
    flows: dict[tuple[str, str, int | None, int | None, str], list[SecurityRule]] = {}
    for r in rules:
        flows.setdefault((r.direction, r.protocol, r.port_min, r.port_max, r.remote_cidr), []).append(r)
    return sorted(
        SecurityRule(
            *key,
            flow=",".join(sorted({r.flow for r in same})),
            approval=",".join(sorted({r.approval for r in same if r.approval})),
        )
        for key, same in flows.items()
    )

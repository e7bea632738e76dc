"""The four isolation claims, each proven over the reachability computed from the plan.

Each claim is checked on its layers:

- reachability: pairs of endpoint classes that routing and security groups both let
  through (the matrix), and hosts with NICs in two places (relays);
- each layer alone, for the zone boundaries: routers joining the intranet to the internet
  (claim 1) or to the extranet (claim 2) are violations even where security groups stop
  the traffic, and security-group rules that would open a boundary if routing let the
  traffic through (claims 1, 2 and 4) are violations even where routing stops it.
  Isolation must not hang on one layer: each is one input away from changing.

A violation comes with a witness: a summary and the hops (ports, rules, routers,
networks, backbones) that make it possible.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from govcloud.isolation import services as sv
from govcloud.isolation.intent import ADMIN_SERVICES, EXTRANET, INTRANET, MANAGEMENT, Intent
from govcloud.isolation.intervals import Interval, intersect, interval_text, subtract
from govcloud.isolation.network import PLATFORM, Hop, Instance, Port, SecGroup
from govcloud.isolation.reach import INGRESS, Analysis, Endpoint, Reach

MAX_WITNESSES = 25  # per claim; `witness_count` tells how many there were
EXCHANGE_ZONES = (INTRANET, EXTRANET)
INTERNET_ZONE = "internet"  # the internet network's pseudo-zone

TEXTS = {
    "ISO-1": (
        "The intranet cannot reach the internet, nor the internet the intranet.",
        "政务内网与互联网之间不存在任何方向的通路。",
    ),
    "ISO-2": (
        "The intranet and the extranet meet only along approved exchange flows: traffic between them "
        "passes only through the data-exchange gateways, on rules that carry an approval.",
        "政务内网与政务外网仅经数据交换平台网关、沿已审批的交换流程交互。",
    ),
    "ISO-3": (
        "Tenants reach each other only along declared flows (or the platform's baseline flows).",
        "各部门租户之间仅能按已声明的流程（或平台基线流程）互访。",
    ),
    "ISO-4": (
        "The management network is reached only from the bastion, apart from the platform's baseline "
        "service ports; administration ports of management hosts only from the bastion.",
        "管理区仅可由堡垒机访问（平台基线服务端口除外）；管理区主机的运维端口仅对堡垒机开放。",
    ),
}


@dataclass
class Witness:
    summary: str
    layer: str  # routing | reachability | security-group | host
    hops: list[Hop]

    def as_dict(self) -> dict[str, object]:
        return {"summary": self.summary, "layer": self.layer, "hops": [h.as_dict() for h in self.hops]}


@dataclass
class Claim:
    id: str
    holds: bool = True
    witnesses: list[Witness] = field(default_factory=list)
    witness_count: int = 0
    _seen: set[str] = field(default_factory=set)

    @property
    def text_en(self) -> str:
        return TEXTS[self.id][0]

    @property
    def text_zh(self) -> str:
        return TEXTS[self.id][1]

    def fail(self, witness: Witness) -> None:
        self.holds = False
        if witness.summary in self._seen:
            return
        self._seen.add(witness.summary)
        self.witness_count += 1
        if len(self.witnesses) < MAX_WITNESSES:
            self.witnesses.append(witness)

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "text_en": self.text_en,
            "text_zh": self.text_zh,
            "holds": self.holds,
            "witness_count": self.witness_count,
            "witnesses": [w.as_dict() for w in self.witnesses],
        }


@dataclass
class Relay:
    """A host with NICs in two zones (or on networks no router joins): data may cross there."""

    instance: Instance
    ports: list[tuple[Port, str | None]]  # port, zone
    sanctioned: bool  # an exchange gateway of the exchange tenant joining exactly intranet and extranet

    @property
    def zones(self) -> list[str]:
        return sorted({z or "(no zone)" for _, z in self.ports})

    def hops(self) -> list[Hop]:
        return [Hop("instance", self.instance.name, self.instance.urn), *(p.hop for p, _ in self.ports)]

    def as_dict(self) -> dict[str, object]:
        return {
            "host": self.instance.name,
            "urn": self.instance.urn,
            "tenant": self.instance.tenant,
            "role": self.instance.role,
            "zones": self.zones,
            "sanctioned": self.sanctioned,
            "ports": [
                {"name": p.name, "urn": p.urn, "zone": z, "addresses": [interval_text(a) for a in p.addresses]}
                for p, z in self.ports
            ],
        }


def _ports(services: sv.Services) -> str:
    return ", ".join(sv.render(services))


class Prover:
    def __init__(self, analysis: Analysis, intent: Intent) -> None:
        self.a = analysis
        self.intent = intent
        self.eps = analysis.endpoints
        self._declared: dict[tuple[frozenset[str], frozenset[str]], sv.Services] = {}
        self._flows_from: dict[str, list[int]] = {}
        self._flows_any: list[int] = []
        for i, flow in enumerate(intent.flows):
            if flow.sources is None:
                self._flows_any.append(i)
            else:
                for host in flow.sources:
                    self._flows_from.setdefault(host, []).append(i)
        # security group -> zones of its ports, and its endpoints
        self.group_endpoints: dict[int, list[Endpoint]] = {}
        for endpoint in self.eps:
            for g in endpoint.groups:
                self.group_endpoints.setdefault(g, []).append(endpoint)
        self.relays = self._relays()

    # -- helpers ----------------------------------------------------------------------
    def declared(self, sources: frozenset[str], destinations: frozenset[str]) -> sv.Services:
        """Services some declared or baseline flow opens from all of `sources` to all of `destinations`."""
        key = (sources, destinations)
        found = self._declared.get(key)
        if found is None:
            if not sources or not destinations:
                found = sv.NOTHING
            else:
                first = next(iter(sources))
                candidates = self._flows_any + self._flows_from.get(first, [])
                found = sv.union(
                    *(
                        flow.services
                        for flow in (self.intent.flows[i] for i in candidates)
                        if (flow.sources is None or sources <= flow.sources)
                        and (flow.destinations is None or destinations <= flow.destinations)
                    )
                )
            self._declared[key] = found
        return found

    def zones_of(self, group: int) -> set[str]:
        return {e.zone for e in self.group_endpoints.get(group, []) if e.zone is not None}

    def reach_witness(self, reach: Reach, why: str, services: sv.Services | None = None) -> Witness:
        src, dst = self.eps[reach.src], self.eps[reach.dst]
        shown = reach.services if services is None else services
        hops = self.a.path(reach, shown)
        return Witness(f"{src.label} → {dst.label} on {_ports(shown)}: {why}", "reachability", hops)

    def rule_witness(self, group: SecGroup, rule_index: int, why: str, endpoint: Endpoint | None) -> Witness:
        rule = self.a.network.rules[rule_index]
        hops = [group.hop, rule.hop]
        if endpoint is not None:
            hops.append(endpoint.hop())
        arrow = "from" if rule.direction == INGRESS else "to"
        return Witness(
            f"{rule.name} ({group.name}, {rule.direction} {arrow} {rule.remote_text} on "
            f"{_ports(rule.services)}): {why}",
            "security-group",
            hops,
        )

    def addresses(self, endpoints: Iterable[Endpoint], zone: str | None = None) -> list[Interval]:
        out: list[Interval] = []
        for e in endpoints:
            if zone is not None and e.zone != zone:
                continue
            for m in e.members:
                out.extend(a for a in (m.port.addresses if m.port else []) if self.intent.zone_of(a[0]) == e.zone)
        return out

    def _relays(self) -> list[Relay]:
        out: list[Relay] = []
        for instance in self.a.network.instances.values():
            ports = [self.a.network.ports[u] for u in instance.ports if u in self.a.network.ports]
            if len(ports) < 2:
                continue
            placed = [(p, self.intent.zone_of(p.addresses[0][0]) if p.addresses else None) for p in ports]
            zones = {z for _, z in placed}
            components = {self.a.routing.comp(p.network) for p in ports}
            if len(zones) < 2 and len(components) < 2:
                continue
            sanctioned = self.intent.is_gateway(instance.tenant, instance.role) and zones == set(EXCHANGE_ZONES)
            out.append(Relay(instance, placed, sanctioned))
        return sorted(out, key=lambda r: r.instance.name)

    def network_zones(self, key: str) -> set[str]:
        node = self.a.network.networks[key]
        if node.kind == "internet":
            return {INTERNET_ZONE}
        if node.zone is not None:
            return {node.zone}
        return {z for z in (self.intent.zone_of(c[0]) for c in node.cidrs) if z is not None}

    def routing_joins(self, one: str, other: str) -> list[Witness]:
        """Networks of zone `one` that routers of the plan join to networks of `other` (the routing
        layer alone, without any assumed platform core): one witness per pair of components' networks."""
        routing = self.a.routing
        firsts: dict[str, dict[str, str]] = {}  # component -> zone -> first network
        for key in sorted(self.a.network.networks):
            comp = routing.comp(key)
            if comp is None:
                continue
            for zone in self.network_zones(key):
                firsts.setdefault(comp, {}).setdefault(zone, key)
        out: list[Witness] = []
        for zones in firsts.values():
            if one in zones and other in zones:
                a, b = zones[one], zones[other]
                names = self.a.network.networks
                out.append(
                    Witness(
                        f"routers join the {one} network {names[a].name} to the {other} network {names[b].name}: "
                        "only security groups would keep them apart",
                        "routing",
                        routing.path(a, b),
                    )
                )
        return out

    # -- the claims -------------------------------------------------------------------
    def prove(self) -> list[Claim]:
        return [self.claim1(), self.claim2(), self.claim3(), self.claim4()]

    def claim1(self) -> Claim:
        claim = Claim("ISO-1")
        for witness in self.routing_joins(INTRANET, INTERNET_ZONE):
            claim.fail(witness)
        touching: set[int] = set()  # endpoints that reach or are reached by the internet
        for reach in self.a.reaches:
            src, dst = self.eps[reach.src], self.eps[reach.dst]
            if src.internet or dst.internet:
                touching.add(dst.index if src.internet else src.index)
            if (src.internet and dst.zone == INTRANET) or (dst.internet and src.zone == INTRANET):
                claim.fail(self.reach_witness(reach, "the intranet and the internet meet"))
        supernets = list(self.intent.zones.values())
        for group in self.a.network.groups:
            if INTRANET not in self.zones_of(group.index):
                continue
            for r in group.rules:
                outside = subtract(self.a.network.rules[r].remote, supernets)
                if outside:
                    first = next(e for e in self.group_endpoints[group.index] if e.zone == INTRANET)
                    claim.fail(
                        self.rule_witness(
                            group,
                            r,
                            f"a group with intranet ports opens {interval_text(outside[0])}, outside every zone "
                            "(the internet); only routing would stop it",
                            first,
                        )
                    )
        port_endpoints = self._port_endpoints()
        for relay in self.relays:
            if INTRANET not in relay.zones:
                continue
            for port, _ in relay.ports:
                if port_endpoints.get(port.urn, set()) & touching:
                    claim.fail(
                        Witness(
                            f"{relay.instance.name} has an intranet NIC and its port {port.name} reaches or is "
                            "reached from the internet: data may cross on the host",
                            "host",
                            relay.hops(),
                        )
                    )
        return claim

    def _port_endpoints(self) -> dict[str, set[int]]:
        out: dict[str, set[int]] = {}
        for e in self.eps:
            for m in e.members:
                if m.port is not None:
                    out.setdefault(m.port.urn, set()).add(e.index)
        return out

    def claim2(self) -> Claim:
        claim = Claim("ISO-2")
        for witness in self.routing_joins(INTRANET, EXTRANET):
            claim.fail(witness)
        exchange = self.intent.exchange_tenant
        for reach in self.a.reaches:
            src, dst = self.eps[reach.src], self.eps[reach.dst]
            if src.zone in EXCHANGE_ZONES and dst.zone in EXCHANGE_ZONES and src.zone != dst.zone:
                claim.fail(self.reach_witness(reach, "a direct path between the intranet and the extranet"))
                continue
            if src.internet or dst.internet or src.gateway == dst.gateway:
                continue
            peer = dst if src.gateway else src
            if peer.tenant == exchange:
                continue
            missing = sv.subtract(reach.services, self.a.approved_services(reach))
            if missing:
                claim.fail(
                    self.reach_witness(
                        reach, "an exchange-gateway flow opened by a rule without an approval reference", missing
                    )
                )
        for relay in self.relays:
            if set(EXCHANGE_ZONES) <= set(relay.zones) and not relay.sanctioned:
                claim.fail(
                    Witness(
                        f"{relay.instance.name} ({relay.instance.tenant}, role {relay.instance.role}) has NICs in "
                        f"{', '.join(relay.zones)}: only {exchange}'s exchange gateways may join the intranet "
                        "and the extranet",
                        "host",
                        relay.hops(),
                    )
                )
        gateways = [e for e in self.eps if e.gateway]
        supernets = list(self.intent.zones.values())
        for group in self.a.network.groups:
            # judged per zone of the group's ports: a group spanning zones (not a gateway's) is no excuse
            endpoints = [e for e in self.group_endpoints.get(group.index, []) if not e.gateway]
            for own in sorted({e.zone for e in endpoints if e.zone in EXCHANGE_ZONES}, key=str):
                other = EXTRANET if own == INTRANET else INTRANET
                first = next(e for e in endpoints if e.zone == own)
                for r in group.rules:
                    crossing = self._crossing(group, r, own, other, first, gateways, supernets)
                    if crossing is not None:
                        claim.fail(crossing)
        return claim

    def _crossing(
        self,
        group: SecGroup,
        r: int,
        own: str,
        other: str,
        first: Endpoint,
        gateways: list[Endpoint],
        supernets: list[Interval],
    ) -> Witness | None:
        """A rule of a group with `own`-zone ports that opens the `other` exchange zone: allowed only
        towards exchange gateways' addresses there, and only with an approval reference."""
        rule = self.a.network.rules[r]
        crossing = intersect(rule.remote, [self.intent.zones[other]])
        if not crossing or subtract(rule.remote, supernets):
            return None  # a rule reaching past the zones is an internet rule: ISO-1 judges those
        strays = subtract(crossing, self.addresses(gateways, other))
        if not strays and rule.approval:
            return None
        why = (
            f"opens {interval_text(strays[0])} of the {other}, not an exchange gateway"
            if strays
            else f"opens an exchange gateway's {other} side without an approval reference"
        )
        return self.rule_witness(group, r, f"a group with {own} ports {why}", first)

    def claim3(self) -> Claim:
        claim = Claim("ISO-3")
        for reach in self.a.reaches:
            src, dst = self.eps[reach.src], self.eps[reach.dst]
            if src.internet or dst.internet or src.tenant == dst.tenant or PLATFORM in (src.tenant, dst.tenant):
                continue
            extra = sv.subtract(reach.services, self.declared(src.hosts, dst.hosts))
            if extra:
                claim.fail(
                    self.reach_witness(
                        reach, "no declared flow and no baseline flow allows it between these tenants", extra
                    )
                )
        return claim

    def claim4(self) -> Claim:
        claim = Claim("ISO-4")
        for reach in self.a.reaches:
            src, dst = self.eps[reach.src], self.eps[reach.dst]
            if dst.zone != MANAGEMENT or src.bastion:
                continue
            if src.internet:
                claim.fail(self.reach_witness(reach, "the internet reaches the management network"))
                continue
            admin = sv.NOTHING if dst.bastion else sv.intersect(reach.services, ADMIN_SERVICES)
            if admin:
                claim.fail(
                    self.reach_witness(reach, "administration ports of a management host, not from the bastion", admin)
                )
            inside = src.zone == MANAGEMENT
            allowed = self.declared(src.hosts, dst.hosts) if inside else self.intent.baseline_into(dst.hosts)
            extra = sv.subtract(sv.subtract(reach.services, admin), allowed)
            if extra:
                why = (
                    "not a declared flow or baseline flow inside the management network"
                    if inside
                    else "from outside the management network, and not a baseline service port of that host"
                )
                claim.fail(self.reach_witness(reach, why, extra))
        for relay in self.relays:
            bastion = self.intent.is_bastion(relay.instance.tenant, relay.instance.group)
            if MANAGEMENT in relay.zones and len(relay.zones) > 1 and not bastion:
                claim.fail(
                    Witness(
                        f"{relay.instance.name} has NICs in {', '.join(relay.zones)}: a way into the management "
                        "network that is not the bastion",
                        "host",
                        relay.hops(),
                    )
                )
        bastions = self.addresses(e for e in self.eps if e.bastion)
        supernet = [self.intent.zones[MANAGEMENT]] if MANAGEMENT in self.intent.zones else []
        for group in self.a.network.groups:
            endpoints = self.group_endpoints.get(group.index, [])
            if MANAGEMENT not in self.zones_of(group.index) or all(e.bastion for e in endpoints):
                continue
            hosts = frozenset(h for e in endpoints for h in e.hosts)
            first = next(e for e in endpoints if e.zone == MANAGEMENT)
            for r in group.rules:
                rule = self.a.network.rules[r]
                if rule.direction != INGRESS:
                    continue
                admin = sv.intersect(rule.services, ADMIN_SERVICES)
                others = subtract(rule.remote, bastions)
                if admin and others:
                    claim.fail(
                        self.rule_witness(
                            group,
                            r,
                            f"administration ports ({_ports(admin)}) of a management group open to "
                            f"{interval_text(others[0])}, not the bastion",
                            first,
                        )
                    )
                outside = subtract(rule.remote, supernet)
                extra = sv.subtract(sv.subtract(rule.services, admin), self.intent.baseline_into(hosts))
                if outside and extra:
                    claim.fail(
                        self.rule_witness(
                            group,
                            r,
                            f"a management group admits {interval_text(outside[0])} from outside the management "
                            f"network on {_ports(extra)}, not a baseline service port of its hosts",
                            first,
                        )
                    )
        return claim

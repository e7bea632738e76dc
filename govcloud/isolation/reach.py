"""Reachability between endpoint classes: routing and security groups, both must allow.

Addresses are partitioned into classes (govcloud.isolation.intervals) by the labels covering
them: every security-group rule behaviour (group, direction, services, description) whose
remote prefix covers them, and the subnet, backbone and zone supernet they lie in. Ports are
grouped into endpoint classes by (security groups, network, address class, tenant, host
group, role): members of one endpoint class are indistinguishable to every rule and every
router. Reachability is then computed once per pair of endpoint classes that the source's
egress rules select, so the work grows with rules x classes, not with hosts squared.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from govcloud.isolation import services as sv
from govcloud.isolation.intent import Intent
from govcloud.isolation.intervals import Classes, Interval, Partition, address_text, merge
from govcloud.isolation.network import INTERNET_KEY, Hop, PlanNetwork, Port
from govcloud.isolation.routing import Routing

EGRESS, INGRESS = "egress", "ingress"
Label = tuple[str, object]


@dataclass
class Behaviour:
    """Rules of one group that open the same services in the same direction for the same flows."""

    index: int
    group: int
    direction: str
    services: sv.Services
    description: str
    flows: tuple[str, ...]
    approval: str
    rules: list[int] = field(default_factory=list)


@dataclass
class Member:
    port: Port | None  # None: the internet
    address: int  # an address of the port (or of the internet) in the endpoint's class


@dataclass
class Endpoint:
    index: int
    groups: tuple[int, ...]
    filtered: bool
    network: str | None
    cls: int
    zone: str | None
    tenant: str | None  # None: the internet
    group: str | None
    role: str | None
    bastion: bool
    gateway: bool
    members: list[Member] = field(default_factory=list)
    hosts: frozenset[str] = frozenset()

    @property
    def internet(self) -> bool:
        return self.tenant is None

    @property
    def label(self) -> str:
        if self.internet:
            return "the internet"
        first = self.members[0]
        more = f" (+{len(self.members) - 1} more)" if len(self.members) > 1 else ""
        host = first.port.host if first.port else "?"
        return f"{self.tenant}/{self.group or '?'} {host} {address_text(first.address)}{more}"

    def hop(self) -> Hop:
        first = self.members[0]
        if first.port is None:
            return Hop("internet", "internet", None)
        return Hop("port", f"{first.port.name} ({address_text(first.address)})", first.port.urn)


@dataclass(frozen=True)
class Reach:
    src: int
    dst: int
    services: sv.Services


class Analysis:
    def __init__(self, network: PlanNetwork, intent: Intent, routing: Routing) -> None:
        self.network = network
        self.intent = intent
        self.routing = routing
        self.behaviours: list[Behaviour] = []
        self._build_behaviours()
        self.classes = self._build_classes()
        # (group, direction) -> address class -> behaviours
        self.perm: dict[tuple[int, str], dict[int, list[int]]] = {}
        for cls, labels in enumerate(self.classes.labels):
            for kind, value in labels:
                if kind == "b":
                    assert isinstance(value, int)
                    b = self.behaviours[value]
                    self.perm.setdefault((b.group, b.direction), {}).setdefault(cls, []).append(value)
        self.class_zone: list[str | None] = [self._zone(labels) for labels in self.classes.labels]
        self.endpoints: list[Endpoint] = []
        self._build_endpoints()
        self._allowed: dict[tuple[tuple[int, ...], str, int], sv.Services] = {}
        self.reaches: list[Reach] = []
        self.unrouted: list[Reach] = []  # allowed by security groups, but no L3 path
        self._compute()

    # -- classes ----------------------------------------------------------------------
    def _build_behaviours(self) -> None:
        index: dict[tuple[int, str, sv.Services, str], int] = {}
        for rule in self.network.rules:
            key = (rule.group, rule.direction, rule.services, rule.description)
            found = index.get(key)
            if found is None:
                found = index[key] = len(self.behaviours)
                self.behaviours.append(
                    Behaviour(
                        found, rule.group, rule.direction, rule.services, rule.description, rule.flows, rule.approval
                    )
                )
            self.behaviours[found].rules.append(rule.index)

    def _locations(self) -> list[tuple[Label, list[Interval]]]:
        out: list[tuple[Label, list[Interval]]] = [(("zone", z), [i]) for z, i in self.intent.zones.items()]
        out += [(("backbone", z), [i]) for z, i in self.intent.backbone_cidrs.items()]
        out += [(("subnet", key), [cidr]) for key, (_, cidr, _) in self.network.subnets.items() if cidr is not None]
        return out

    def _build_classes(self) -> Classes[Label]:
        locations = self._locations()
        remotes: list[tuple[Label, list[Interval]]] = []
        for b in self.behaviours:
            intervals = merge(a for r in b.rules for a in self.network.rules[r].remote)
            remotes.append((("b", b.index), intervals))
        bounds = [i for _, intervals in locations + remotes for i in intervals]
        bounds += [a for p in self.network.host_ports for a in p.addresses]
        return Classes(Partition(bounds), locations + remotes)

    @staticmethod
    def _zone(labels: frozenset[Label]) -> str | None:
        for kind, value in labels:
            if kind == "zone":
                return str(value)
        return None

    @staticmethod
    def _located(labels: frozenset[Label]) -> bool:
        return any(kind != "b" for kind, _ in labels)

    # -- endpoints --------------------------------------------------------------------
    def _build_endpoints(self) -> None:
        index: dict[tuple[object, ...], Endpoint] = {}
        hosts: dict[int, set[str]] = {}
        for port in self.network.host_ports:
            for interval in port.addresses:
                for cls, address in self.classes.of_interval(interval).items():
                    key = (port.groups, port.filtered, port.network, cls, port.tenant, port.group, port.role)
                    endpoint = index.get(key)
                    if endpoint is None:
                        endpoint = Endpoint(
                            index=len(self.endpoints),
                            groups=port.groups,
                            filtered=port.filtered,
                            network=port.network,
                            cls=cls,
                            zone=self.class_zone[cls],
                            tenant=port.tenant,
                            group=port.group,
                            role=port.role,
                            bastion=self.intent.is_bastion(port.tenant, port.group),
                            gateway=self.intent.is_gateway(port.tenant, port.role),
                        )
                        index[key] = endpoint
                        self.endpoints.append(endpoint)
                    if not any(m.port is port for m in endpoint.members):
                        endpoint.members.append(Member(port, address))
                    hosts.setdefault(endpoint.index, set()).add(port.host)
        internet = INTERNET_KEY if INTERNET_KEY in self.network.networks else None
        for cls, labels in enumerate(self.classes.labels):
            if self._located(labels):
                continue
            start = self.classes.partition.bounds[self.classes.atoms[cls][0]]
            endpoint = Endpoint(len(self.endpoints), (), False, internet, cls, None, None, None, None, False, False)
            endpoint.members.append(Member(None, start or 1))
            self.endpoints.append(endpoint)
        for endpoint in self.endpoints:
            endpoint.hosts = frozenset(hosts.get(endpoint.index, ()))

    # -- reachability -----------------------------------------------------------------
    def allowed(self, endpoint: Endpoint, direction: str, cls: int) -> sv.Services:
        """What the endpoint's security groups let through in `direction` with addresses of `cls`."""
        if not endpoint.filtered:
            return sv.EVERYTHING
        key = (endpoint.groups, direction, cls)
        found = self._allowed.get(key)
        if found is None:
            found = sv.union(
                *(
                    self.behaviours[b].services
                    for g in endpoint.groups
                    for b in self.perm.get((g, direction), {}).get(cls, ())
                )
            )
            self._allowed[key] = found
        return found

    def enabling(self, endpoint: Endpoint, direction: str, cls: int, services: sv.Services) -> list[Behaviour]:
        """The behaviours of the endpoint's groups that open part of `services` towards `cls`."""
        return [
            self.behaviours[b]
            for g in endpoint.groups
            for b in self.perm.get((g, direction), {}).get(cls, ())
            if sv.overlaps(self.behaviours[b].services, services)
        ]

    def _compute(self) -> None:
        by_class: dict[int, list[Endpoint]] = {}
        for endpoint in self.endpoints:
            by_class.setdefault(endpoint.cls, []).append(endpoint)
        every = sorted(by_class)
        for src in self.endpoints:
            if src.filtered:
                wanted: set[int] = set()
                for g in src.groups:
                    wanted.update(self.perm.get((g, EGRESS), {}))
                candidates = sorted(wanted & by_class.keys())
            else:
                candidates = every
            for cls in candidates:
                out = self.allowed(src, EGRESS, cls)
                if not out:
                    continue
                for dst in by_class[cls]:
                    if src.internet and dst.internet:
                        continue
                    services = sv.intersect(out, self.allowed(dst, INGRESS, src.cls))
                    if not services:
                        continue
                    if self.routing.routed(src.network, dst.network):
                        self.reaches.append(Reach(src.index, dst.index, services))
                    else:
                        self.unrouted.append(Reach(src.index, dst.index, services))

    # -- witnesses --------------------------------------------------------------------
    def rule_hops(self, endpoint: Endpoint, direction: str, peer: Endpoint, services: sv.Services) -> list[Hop]:
        """The rules of `endpoint` letting `services` through to (or from) the peer's first address."""
        if not endpoint.filtered:
            if endpoint.internet:
                return []
            return [Hop("unfiltered", "port security off or security groups unknown: nothing filters", None)]
        address = peer.members[0].address
        hops: list[Hop] = []
        for behaviour in self.enabling(endpoint, direction, peer.cls, services):
            for r in behaviour.rules:
                rule = self.network.rules[r]
                if any(start <= address < end for start, end in rule.remote):
                    hops.append(rule.hop)
                    break
        return hops

    def path(self, reach: Reach, services: sv.Services | None = None) -> list[Hop]:
        """src port, its egress rules, the routed path, the destination's ingress rules, dst port.

        Only the rules opening `services` (default: all the reach's) are shown.
        """
        src, dst = self.endpoints[reach.src], self.endpoints[reach.dst]
        shown = reach.services if services is None else services
        hops = [src.hop(), *self.rule_hops(src, EGRESS, dst, shown)]
        if src.network is not None and dst.network is not None:
            hops += self.routing.path(src.network, dst.network)
        hops += [*self.rule_hops(dst, INGRESS, src, shown), dst.hop()]
        return hops

    def flows_of(self, reach: Reach) -> tuple[set[str], bool]:
        """Flow names on the rules that open the reach, and whether every such rule is approved."""
        src, dst = self.endpoints[reach.src], self.endpoints[reach.dst]
        names: set[str] = set()
        approved = True
        for endpoint, direction, peer in ((src, EGRESS, dst), (dst, INGRESS, src)):
            for behaviour in self.enabling(endpoint, direction, peer.cls, reach.services):
                names.update(behaviour.flows)
                approved = approved and bool(behaviour.approval)
        return names, approved

    def approved_services(self, reach: Reach) -> sv.Services:
        """The part of the reach opened on both sides by rules that carry an approval reference."""
        src, dst = self.endpoints[reach.src], self.endpoints[reach.dst]
        sides = []
        for endpoint, direction, peer in ((src, EGRESS, dst), (dst, INGRESS, src)):
            if not endpoint.filtered:
                sides.append(sv.EVERYTHING if endpoint.internet else sv.NOTHING)
                continue
            sides.append(
                sv.union(
                    *(b.services for b in self.enabling(endpoint, direction, peer.cls, reach.services) if b.approval)
                )
            )
        return sv.intersect(reach.services, sv.intersect(sides[0], sides[1]))

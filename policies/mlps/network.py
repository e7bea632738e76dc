"""Network isolation (安全通信网络 / 安全区域边界): routers, backbones, the internet exit, routes.

Zones (intranet, extranet, management) meet the platform core only through their own
backbone; only the extranet backbone reaches the internet, and only through the platform's
single internet-exit router. Ports, subnets and networks are in network_ports.py.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, Severity

from . import resources as t
from .facts import Facts
from .fixtures import BACKBONES, INTERNET_NET, Res, add, find, res
from .network_edits import edit, network
from .network_edits import route as add_route
from .resources import Resource
from .rule import Rule
from .topology import Finding, Stack, net, over_stack


def _router_zones(resources: list[Resource], facts: Facts) -> list[tuple[str, str | None]]:
    """Zones a router touches: its own tag plus the zone tag of every subnet it is plugged into."""
    by_urn = {r.urn: r for r in resources}
    zones: dict[str, set[str]] = {}
    for r in resources:
        if r.type == t.ROUTER and r.tag("zone"):
            zones.setdefault(r.urn, set()).add(str(r.tag("zone")))
    for r in resources:
        if r.type != t.ROUTER_INTERFACE:
            continue
        router, subnet = r.ref("routerId"), r.ref("subnetId")
        if router and subnet and subnet in by_urn:
            zone = by_urn[subnet].tag("zone") or facts.zone_of_cidr(str(by_urn[subnet].get("cidr", "")))
            if zone:
                zones.setdefault(router, set()).add(zone)
    return [
        (f"router {by_urn[u].name} touches zones {', '.join(sorted(z))}; a router stays in one zone", u)
        for u, z in sorted(zones.items())
        if len(z) > 1 and u in by_urn
    ]


def _fin_router_into_extranet(stack: list[Res]) -> list[Res]:
    """fin gets an extranet network, and its intranet router is plugged into it."""
    stack = network("fin", "ex", "extranet", "10.20.17.0/24")(stack)
    interface = res(
        t.ROUTER_INTERFACE,
        "fin-ex-interface",
        {},
        "fin",
        routerId=find(stack, "fin-intranet-router"),
        subnetId=find(stack, "fin-ex-subnet"),
    )
    return [*stack, interface]


# -- backbones --------------------------------------------------------------------------


@over_stack
def _backbone_shared(s: Stack) -> Iterator[Finding]:
    zones_of: dict[str, set[str]] = {}
    for zone, gateways in s.zone_gateways.items():
        for gateway in gateways:
            zones_of.setdefault(gateway, set()).add(zone)
    for router in s.tenant_routers:
        zones = zones_of.get(str(router.get("externalNetworkId")), set())
        if len(zones) > 1:
            yield (
                f"router {router.name} (zone {router.tag('zone')}) has its gateway on "
                f"{router.get('externalNetworkId')}, the backbone of zones {', '.join(sorted(zones))}; "
                "each zone has its own backbone",
                router.urn,
            )


@over_stack
def _backbone_per_zone(s: Stack) -> Iterator[Finding]:
    for zone, gateways in sorted(s.zone_gateways.items()):
        if len(gateways) < 2:
            continue
        routers = [r for r in s.tenant_routers if r.tag("zone") == zone and not s.on_internet(r)]
        usual, _ = Counter(str(r.get("externalNetworkId")) for r in routers).most_common(1)[0]
        for router in routers:
            if str(router.get("externalNetworkId")) != usual:
                yield (
                    f"router {router.name} has its gateway on {router.get('externalNetworkId')}, but zone {zone}'s "
                    f"other routers use {usual}: a tenant router's gateway sits only on its zone's backbone",
                    router.urn,
                )


def _second_intranet_router(stack: list[Res]) -> Res:
    return res(
        t.ROUTER,
        "fin-intranet-router-2",
        {
            "externalNetworkId": "bb-intranet-2-id",
            "enableSnat": False,
            "tags": ["govcloud", "dept:fin", "zone:intranet", "mlps:3"],
        },
        "fin",
        tenantId=find(stack, "fin-project"),
    )


# -- the internet exit ---------------------------------------------------------------------


def _exit_interfaces(s: Stack) -> Iterator[tuple[Resource, Resource]]:
    exits = {r.urn for r in s.exit_routers}
    for interface in s.of(t.ROUTER_INTERFACE):
        if interface.ref("routerId") in exits:
            yield interface, s.by_urn[str(interface.ref("routerId"))]


@over_stack
def _exit_on_backbone(s: Stack) -> Iterator[Finding]:
    zone = s.facts.internet_zone
    backbone = net(s.facts.backbone_cidrs.get(zone))
    gateways = s.zone_gateways.get(zone, set())
    for router in s.exit_routers:
        ports = [p for i, r in _exit_interfaces(s) if r is router for p in s.targets(i, "portId")]
        if not ports:
            yield f"exit router {router.name} has no port on the {zone} backbone", router.urn
        for port in ports:
            network = str(port.get("networkId"))
            if gateways and network not in gateways:
                yield (
                    f"exit router port {port.name} is on network {network}, not the {zone} backbone "
                    f"({', '.join(sorted(gateways))}) that the {zone} routers use",
                    port.urn,
                )
            for address in s.addresses(port):
                ip = net(address)
                if backbone is not None and ip is not None and not ip.subnet_of(backbone):
                    yield (
                        f"exit router port {port.name} has {address}, outside the {zone} backbone {backbone}",
                        port.urn,
                    )


@over_stack
def _only_exit_on_internet(s: Stack) -> Iterator[Finding]:
    for router in s.tenant_routers:
        if s.on_internet(router):
            yield (
                f"router {router.name} has its gateway on the internet network {router.get('externalNetworkId')}; "
                f"only the platform's exit router {s.facts.exit_router} does",
                router.urn,
            )


@over_stack
def _tenant_router_snat(s: Stack) -> Iterator[Finding]:
    for router in s.tenant_routers:
        if router.get("externalNetworkId") and router.get("enableSnat") is not False:
            yield (
                f"router {router.name} translates addresses on its backbone (set enableSnat false: "
                "Neutron's default is on); addresses stay attributable inside the government network",
                router.urn,
            )


@over_stack
def _single_exit(s: Stack) -> Iterator[Finding]:
    if not s.of(t.ROUTER):
        return
    if len(s.exit_routers) != 1:
        names = ", ".join(r.name for r in s.exit_routers) or "none"
        yield f"the stack has {len(s.exit_routers)} internet-exit routers ({names}); the platform has exactly one", None
    for router in s.exit_routers:
        if router.get("enableSnat") is not True:
            yield f"exit router {router.name} does not translate addresses (set enableSnat true)", router.urn
        owner = s.tenant(router) if s.has_tenant(router) else None
        if owner and owner != s.facts.management_tenant:
            yield f"exit router {router.name} belongs to tenant {owner}; it is the platform's own", router.urn
        if not router.get("externalNetworkId"):
            yield f"exit router {router.name} has no gateway on the internet network", router.urn


@over_stack
def _exit_without_subnets(s: Stack) -> Iterator[Finding]:
    for interface, router in _exit_interfaces(s):
        for subnet in s.targets(interface, "subnetId"):
            yield (
                f"exit router {router.name} is plugged into subnet {subnet.name}; it joins only the "
                f"{s.facts.internet_zone} backbone, tenants reach it through their own routers",
                interface.urn,
            )


def _exit_interface_on_web_subnet(stack: list[Res]) -> Res:
    return res(
        t.ROUTER_INTERFACE,
        "internet-exit-web-interface",
        {},
        routerId=find(stack, "internet-exit"),
        subnetId=find(stack, "web-app-subnet"),
    )


# -- routes ---------------------------------------------------------------------------------


def _routes(s: Stack, exit_: bool) -> Iterator[tuple[Resource, Resource, ipaddress.IPv4Network | None]]:
    for route in s.of(t.ROUTER_ROUTE):
        router = s.target(route, "routerId")
        if router is not None and s.is_exit(router) == exit_:
            yield route, router, net(route.get("destinationCidr"))


@over_stack
def _exit_routes_stay_out(s: Stack) -> Iterator[Finding]:
    zone = s.facts.internet_zone
    supernet = net(s.facts.zones.get(zone))
    for route, router, destination in _routes(s, exit_=True):
        if supernet is None or destination is None or not destination.subnet_of(supernet):
            where = s.facts.zone_of_cidr(str(route.get("destinationCidr"))) or "outside the zones"
            yield (
                f"exit router {router.name} routes {route.get('destinationCidr')} ({where}); it routes only "
                f"towards the {zone} ({supernet})",
                route.urn,
            )


@over_stack
def _tenant_routes_in_zone(s: Stack) -> Iterator[Finding]:
    for route, router, destination in _routes(s, exit_=False):
        zone = router.tag("zone")
        supernet = net(s.facts.zones.get(zone or ""))
        if supernet is None or destination is None or not destination.subnet_of(supernet):
            yield (
                f"router {router.name} (zone {zone}) routes {route.get('destinationCidr')} out of its zone; "
                "zones meet only through the exchange platform",
                route.urn,
            )


@over_stack
def _exit_return_routes(s: Stack) -> Iterator[Finding]:
    zone = s.facts.internet_zone
    supernet = net(s.facts.zones.get(zone))
    backbone = net(s.facts.backbone_cidrs.get(zone))
    subnets = {cidr: subnet for cidr, subnet in s.subnets}
    plugged = {(i.ref("routerId"), i.ref("subnetId")) for i in s.of(t.ROUTER_INTERFACE) if i.ref("subnetId")}
    for route, router, destination in _routes(s, exit_=True):
        if supernet is None or destination is None or not destination.subnet_of(supernet):
            continue  # GC-NET-09
        subnet = subnets.get(destination)
        if subnet is None:
            yield (
                f"exit router {router.name} routes {destination}, which is no tenant subnet; return routes "
                "name each extranet subnet, so no tenant router carries another tenant's traffic",
                route.urn,
            )
            continue
        hop = s.target(route, "nextHop")
        if hop is not None and (hop.urn, subnet.urn) not in plugged:
            yield (
                f"exit router {router.name} sends {destination} ({subnet.name}) to router {hop.name}, "
                "which is not the router of that subnet",
                route.urn,
            )
        literal = net(route.get("nextHop")) if hop is None else None
        if literal is not None and backbone is not None and not literal.subnet_of(backbone):
            yield (
                f"exit router {router.name} sends {destination} to {literal.network_address}, off the backbone",
                route.urn,
            )


# -- floating IPs ---------------------------------------------------------------------------------


@over_stack
def _floating_ips(s: Stack) -> Iterator[Finding]:
    zone = s.facts.internet_zone
    for fip in s.of(t.FLOATING_IP, t.FLOATING_IP_ASSOCIATE):
        port = s.target(fip, "portId")
        port_zone = s.zone_of(port) if port is not None else None
        if port is not None and port_zone != zone:
            yield f"floating IP {fip.name} maps port {port.name} in the {port_zone}; only the {zone} has any", fip.urn
            continue
        zones = s.project_zones(fip)
        if zones and zone not in zones:
            yield (
                f"floating IP {fip.name} is allocated to a tenant in {', '.join(sorted(zones))}; "
                f"only the {zone} has floating IPs",
                fip.urn,
            )


def _fin_floating_ip(stack: list[Res]) -> list[Res]:
    fip = res(t.FLOATING_IP, "fin-app-1-fip", {"pool": "internet"}, "fin", tenantId=find(stack, "fin-project"))
    associate = res(
        t.FLOATING_IP_ASSOCIATE,
        "fin-app-1-fip-associate",
        {},
        "fin",
        floatingIp=fip,
        portId=find(stack, "fin-app-1-app-port"),
    )
    return [fip, associate]


ISOLATION = ("L3-CNS-01", "L3-CNS-02")

RULES = [
    Rule(
        id="GC-NET-01",
        title_zh="路由器不得跨越两个安全区域",
        title_en="No router touches two zones",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CNS-01", "L3-ABD-01"),
        rationale="Zones (intranet, extranet, management) are separated at layer 3; a router with "
        "interfaces in two zones would join them without passing the exchange platform.",
        remediation="Give the tenant one router per zone (govcloud does this from the catalog).",
        stack_check=_router_zones,
        violate=_fin_router_into_extranet,
    ),
    Rule(
        id="GC-NET-02",
        title_zh="各安全区域不得共用骨干网",
        title_en="No two zones share a backbone",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        controls=(*ISOLATION, "L3-ABD-01"),
        rationale="Each zone has its own backbone (a provider network) joining its tenant routers to the "
        "platform core. Routers of two zones with gateways on one network are one layer-2 hop apart: "
        "the zones are no longer isolated.",
        remediation="Put each tenant router's gateway on its own zone's backbone (platform.yaml "
        "zones.<zone>.backbone.network, or the stack's govcloud:backbones).",
        stack_check=_backbone_shared,
        violate=edit("fin-intranet-router", externalNetworkId=BACKBONES["extranet"]),
    ),
    Rule(
        id="GC-NET-03",
        title_zh="同一区域的路由器网关位于同一骨干网",
        title_en="All routers of a zone use the zone's one backbone",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CNS-01", "L3-ABD-01"),
        rationale="A zone has exactly one backbone. A router of the zone whose gateway sits on some other "
        "external network bypasses the zone's core and its boundary controls.",
        remediation="Set the router's external network to the zone's backbone; remove extra external networks "
        "from the tenant's reach.",
        stack_check=_backbone_per_zone,
        violate=add(_second_intranet_router),
    ),
    Rule(
        id="GC-NET-04",
        title_zh="互联网出口路由器接入政务外网骨干网",
        title_en="The exit router's backbone port is on the internet zone's backbone",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-01", "L3-CNS-02"),
        rationale="The unified internet exit serves the extranet only: its inner port sits on the extranet "
        "backbone (the network the extranet routers use as gateway), at an address of that backbone. "
        "On any other backbone it would give the intranet or management zone a path to the internet.",
        remediation="Plug the exit router into the extranet backbone (platform.yaml internet_exit.zone and "
        "backbone_ip).",
        stack_check=_exit_on_backbone,
        violate=edit("internet-exit-backbone", networkId=BACKBONES["intranet"]),
    ),
    Rule(
        id="GC-NET-05",
        title_zh="仅统一互联网出口路由器连接互联网",
        title_en="Only the platform's exit router has a gateway on the internet",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-01", "L3-ABD-05"),
        rationale="Internet traffic leaves through one unified exit where it is controlled and logged. A tenant "
        "router with its gateway on the internet-facing network is a private, unmonitored exit.",
        remediation="Give the tenant router its zone's backbone as gateway; publish through the exit router.",
        stack_check=_only_exit_on_internet,
        violate=edit("web-extranet-router", externalNetworkId=INTERNET_NET),
    ),
    Rule(
        id="GC-NET-06",
        title_zh="租户路由器不做地址转换",
        title_en="Tenant routers do not translate addresses",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-04", "L3-ABD-07"),
        rationale="Boundary rules and audit trails identify hosts by source address. SNAT on a tenant router "
        "hides the tenant's hosts behind the router's backbone address, so rules downstream can no longer "
        "tell them apart. Neutron turns SNAT on by default whenever a router has a gateway.",
        remediation="Create tenant routers with enable_snat=False (the exit router alone translates).",
        stack_check=_tenant_router_snat,
        violate=edit("fin-intranet-router", enableSnat=True),
    ),
    Rule(
        id="GC-NET-07",
        title_zh="平台有且仅有一个统一互联网出口并做地址转换",
        title_en="Exactly one internet exit router, owned by the platform, translating addresses",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-01", "L3-ABD-05"),
        rationale="The plan's unified internet exit (统一互联网出口) is a single platform router; internal "
        "addressing stays invisible from the internet. A second exit, one owned by a tenant, or one "
        "without address translation breaks that.",
        remediation="Keep one exit router (platform.yaml internet_exit.router), created by the platform "
        "with enable_snat=True.",
        stack_check=_single_exit,
        violate=edit("internet-exit", enableSnat=False),
    ),
    Rule(
        id="GC-NET-08",
        title_zh="互联网出口路由器不直连租户子网",
        title_en="The exit router joins no tenant subnet",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-01", "L3-ABD-06"),
        rationale="The exit router joins only the extranet backbone; a tenant subnet plugged straight into it "
        "skips the tenant router and its boundary.",
        remediation="Remove the interface; the tenant reaches the exit through its own router and the backbone.",
        stack_check=_exit_without_subnets,
        violate=add(_exit_interface_on_web_subnet),
    ),
    Rule(
        id="GC-NET-09",
        title_zh="互联网出口路由器不得有通往内网或管理区的路由",
        title_en="The exit router routes nothing towards the intranet or management zone",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CNS-02", "L3-ABD-01", "L3-ABD-05"),
        rationale="The intranet has no path to the internet, ever. A static route on the exit router towards "
        "intranet or management addresses is such a path (and a way in).",
        remediation="Remove the route; the exit router carries return routes for extranet subnets only.",
        stack_check=_exit_routes_stay_out,
        violate=add_route("fin-app-exit-route", "internet-exit", "10.10.16.0/24", "fin-intranet-router"),
    ),
    Rule(
        id="GC-NET-10",
        title_zh="租户路由器不得有通往其他区域的路由",
        title_en="Tenant routers route nothing out of their zone",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CNS-02", "L3-ABD-01", "L3-CNS-04"),
        rationale="Zones meet only through the data-exchange gateways. A static route on a tenant router to "
        "another zone's addresses (or a default route) is a path around them.",
        remediation="Remove the route; declare a flow through the exchange platform instead.",
        stack_check=_tenant_routes_in_zone,
        violate=add_route("fin-to-extranet-route", "fin-intranet-router", "10.20.0.0/16", "10.10.255.1"),
    ),
    Rule(
        id="GC-NET-11",
        title_zh="出口回程路由逐一指向外网子网所属路由器",
        title_en="Exit return routes name each extranet subnet and its own router",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-03", "L3-CNS-04"),
        rationale="Tenant routers do not translate, so the exit router needs a route back to each extranet "
        "subnet. A broader route, or one via another tenant's router, sends one tenant's traffic through "
        "another's router.",
        remediation="Route exactly each extranet subnet's CIDR via the gateway address of the router that "
        "serves it (govcloud creates these from the catalog).",
        stack_check=_exit_return_routes,
        violate=add_route("web-wide-exit-route", "internet-exit", "10.20.0.0/16", "web-extranet-router"),
        comply=add_route("web-app-exit-route", "internet-exit", "10.20.16.0/24", "web-extranet-router"),
    ),
    Rule(
        id="GC-NET-12",
        title_zh="内网和管理区不得使用浮动IP",
        title_en="No floating IPs outside the internet zone",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-05", "L3-CNS-02", "L3-ABD-01"),
        rationale="A floating IP maps a host onto an external network one-to-one. On the intranet or the "
        "management zone it would give a host an address outside its zone, bypassing the exit and the "
        "exchange platform.",
        remediation="Remove the floating IP; intranet hosts are reached through declared flows only "
        "(floating-IP quotas stay 0 there).",
        stack_check=_floating_ips,
        violate=add(_fin_floating_ip),
    ),
]

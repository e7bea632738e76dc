"""Network isolation (安全通信网络 / 安全区域边界): routers, gateways, zones, the internet exit."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Severity

from . import resources as t
from .facts import Facts
from .fixtures import Res, find
from .resources import Resource
from .rule import Rule


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


def _plug_fin_router_into_web_subnet(stack: list[Res]) -> list[Res]:
    interface = find(stack, "web-app-interface")
    router = find(stack, "fin-intranet-router")
    interface["inputs"]["routerId"] = f"{router['name']}-id"
    interface["propertyDependencies"]["routerId"] = [router["urn"]]
    return stack


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
        violate=_plug_fin_router_into_web_subnet,
    ),
]

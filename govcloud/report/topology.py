"""The zone's topology as the plan builds it, drawn with Graphviz (`dot -Tsvg`).

Read from the plan's resources, not from the catalog's intent: the routers, their gateways
(`externalNetworkId`: a zone backbone or the internet), their interfaces (subnets of the
tenant networks, or the exit router's port on a backbone) and the exit router's return
routes. The catalog only names the zones and the tenants.
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from govcloud.catalog.loader import Catalog
from govcloud.report.i18n import Labels

ROUTER = "openstack:networking/router:Router"
INTERFACE = "openstack:networking/routerInterface:RouterInterface"
ROUTE = "openstack:networking/routerRoute:RouterRoute"
SUBNET = "openstack:networking/subnet:Subnet"
NETWORK = "openstack:networking/network:Network"
PORT = "openstack:networking/port:Port"
GET_NETWORK = "openstack:networking/getNetwork:getNetwork"

DOT_TIMEOUT = 60  # seconds; the sample draws in well under one
FONT = "Noto Sans CJK SC"
ZONE_COLOURS = {  # (cluster fill, border/edge colour)
    "intranet": ("#eef4fb", "#2f6db5"),
    "extranet": ("#fdf3e7", "#c7711d"),
    "management": ("#eef7ee", "#3c8a3c"),
}
OTHER_ZONE = ("#f3f3f3", "#666666")
INTERNET_COLOUR = "#b3261e"


@dataclass(frozen=True)
class Interface:
    network: str  # the tenant network's logical name (or the backbone's name)
    cidr: str
    zone: str | None


@dataclass
class Router:
    urn: str
    name: str
    tenant: str
    zone: str | None  # the zone of the backbone its gateway sits on; None for the exit router
    gateway: str  # name of the network the gateway sits on
    exit: bool = False
    interfaces: list[Interface] = field(default_factory=list)
    exit_routes: list[str] = field(default_factory=list)  # CIDRs the exit router routes via this router


@dataclass
class Topology:
    zones: list[dict[str, str]]  # zone, title, supernet, backbone, backbone_cidr
    internet: str  # the internet-facing network's name
    routers: list[Router]
    tenants: list[dict[str, Any]]  # slug, name, name_en, level, zones

    def to_json(self) -> dict[str, Any]:
        return {
            "zones": self.zones,
            "internet": self.internet,
            "routers": [
                {
                    "urn": r.urn,
                    "name": r.name,
                    "tenant": r.tenant,
                    "zone": r.zone,
                    "gateway": r.gateway,
                    "exit": r.exit,
                    "interfaces": [{"network": i.network, "cidr": i.cidr, "zone": i.zone} for i in r.interfaces],
                    "exit_routes": r.exit_routes,
                }
                for r in self.routers
            ],
            "tenants": self.tenants,
        }


def _first(deps: Mapping[str, Any], key: str) -> str | None:
    urns = deps.get(key) or []
    return str(urns[0]) if urns else None


def _zone_tag(tags: Any) -> str | None:
    for tag in tags if isinstance(tags, list) else []:
        if isinstance(tag, str) and tag.startswith("zone:"):
            return tag.removeprefix("zone:")
    return None


def build_topology(plan: Mapping[str, Any], catalog: Catalog) -> Topology:
    """The routers, their gateways, interfaces and exit routes, as the plan has them."""
    platform = catalog.platform
    resources: list[dict[str, Any]] = plan.get("resources", [])
    by_urn = {r["urn"]: r for r in resources}
    lookup_names = {
        str(lk.get("id")): str(lk.get("args", {}).get("name", lk.get("id")))
        for lk in plan.get("lookups", [])
        if isinstance(lk, dict) and lk.get("token") == GET_NETWORK
    }
    backbone_zone = {spec.backbone.network: zone.value for zone, spec in platform.zones.items()}
    exit_spec = platform.internet_exit
    routers: dict[str, Router] = {}
    internet = exit_spec.external_network
    for res in resources:
        if res["type"] != ROUTER:
            continue
        inputs = res.get("inputs", {})
        gateway = lookup_names.get(str(inputs.get("externalNetworkId", "")), str(inputs.get("externalNetworkId", "")))
        tags = inputs.get("tags") or []
        is_exit = res["name"] == exit_spec.router or "role:internet-exit" in tags
        if is_exit:
            internet = gateway or internet
        zone = None if is_exit else (_zone_tag(tags) or backbone_zone.get(gateway))
        routers[res["urn"]] = Router(res["urn"], res["name"], str(res.get("tenant", "")), zone, gateway, is_exit)
    for res in resources:
        deps = res.get("propertyDependencies") or {}
        if res["type"] == INTERFACE:
            router = routers.get(_first(deps, "routerId") or "")
            if router is not None:
                router.interfaces.append(_interface(res, deps, by_urn, lookup_names, backbone_zone))
        elif res["type"] == ROUTE:
            via = routers.get(_first(deps, "nextHop") or "")
            if via is not None:
                via.exit_routes.append(str(res.get("inputs", {}).get("destinationCidr", "")))
    ordered = sorted(routers.values(), key=lambda r: (not r.exit, r.zone or "", r.tenant, r.name))
    for router in ordered:
        router.interfaces.sort(key=lambda i: (i.cidr, i.network))
        router.exit_routes.sort()
    zones = [
        {
            "zone": zone.value,
            "title": spec.title,
            "supernet": spec.supernet,
            "backbone": spec.backbone.network,
            "backbone_cidr": spec.backbone.cidr,
        }
        for zone, spec in platform.zones.items()
    ]
    tenants = [
        {
            "slug": t.slug,
            "name": t.name,
            "name_en": t.name_en,
            "level": t.mlps_level,
            "zones": sorted({z.value for z in t.zones}),
        }
        for t in catalog.tenants.values()
    ]
    return Topology(zones, internet, ordered, tenants)


def _interface(
    res: Mapping[str, Any],
    deps: Mapping[str, Any],
    by_urn: Mapping[str, dict[str, Any]],
    lookup_names: Mapping[str, str],
    backbone_zone: Mapping[str, str],
) -> Interface:
    subnet = by_urn.get(_first(deps, "subnetId") or "")
    if subnet is not None:
        network = by_urn.get(_first(subnet.get("propertyDependencies") or {}, "networkId") or "")
        net_inputs = network.get("inputs", {}) if network else {}
        return Interface(
            str(net_inputs.get("name", subnet["name"])),
            str(subnet.get("inputs", {}).get("cidr", "")),
            _zone_tag(net_inputs.get("tags")),
        )
    port = by_urn.get(_first(deps, "portId") or "")
    if port is not None:
        inputs = port.get("inputs", {})
        name = lookup_names.get(str(inputs.get("networkId", "")), str(inputs.get("networkId", "")))
        ips = [str(ip.get("ipAddress", "")) for ip in inputs.get("fixedIps") or [] if isinstance(ip, dict)]
        return Interface(name, ", ".join(ip for ip in ips if ip), backbone_zone.get(name))
    return Interface(str(res.get("name", "")), "", None)


# --- DOT ------------------------------------------------------------------------------------


def _q(text: str) -> str:
    """A DOT quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _h(text: object) -> str:
    """Text for a DOT HTML-like label."""
    return html.escape(str(text), quote=True)


def _html_label(title: str, *lines: str, size: int = 9) -> str:
    rows = "".join(f'<BR/><FONT POINT-SIZE="{size}">{_h(line)}</FONT>' for line in lines if line)
    return f"<<B>{_h(title)}</B>{rows}>"


def tenant_label(tenant: Mapping[str, Any], lang: str) -> str:
    return str(tenant["name"] if lang == "zh" else tenant["name_en"])


def to_dot(topo: Topology, labels: Labels, lang: str) -> str:
    """The Graphviz source: one cluster per zone with its backbone, tenant routers and single-zone
    tenants; the internet and its exit router on the left; multi-zone tenants between clusters."""
    out = [
        "digraph topology {",
        f"  graph [rankdir=LR, newrank=true, fontname={_q(FONT)}, fontsize=12, nodesep=0.18, ranksep=0.55,"
        ' bgcolor="transparent", pad=0.2];',
        f'  node [fontname={_q(FONT)}, fontsize=10, shape=box, style="rounded,filled", fillcolor="#ffffff",'
        ' color="#555555", margin="0.12,0.05"];',
        f'  edge [fontname={_q(FONT)}, fontsize=8, arrowhead=none, color="#666666"];',
    ]
    exit_router = next((r for r in topo.routers if r.exit), None)
    out.append(
        f'  {_q("internet")} [shape=ellipse, style=filled, fillcolor="#fbe9e7", color={_q(INTERNET_COLOUR)},'
        f" fontcolor={_q(INTERNET_COLOUR)}, label={_html_label(labels['topo_internet'], topo.internet)}];"
    )
    if exit_router is not None:
        extra = [labels["topo_exit"], f"SNAT · {exit_router.tenant}"]
        out.append(
            f'  {_q("router:" + exit_router.name)} [shape=box, style="filled,bold", fillcolor="#fff4f2",'
            f" color={_q(INTERNET_COLOUR)}, label={_html_label(exit_router.name, *extra)}];"
        )
        out.append(
            f"  {_q('internet')} -> {_q('router:' + exit_router.name)} [color={_q(INTERNET_COLOUR)}, penwidth=2,"
            f" label={_q(labels['topo_gateway'])}];"
        )
    tenants = {t["slug"]: t for t in topo.tenants}
    single_zone = {t["slug"]: t["zones"][0] for t in topo.tenants if len(t["zones"]) == 1}
    for zone in topo.zones:
        name = zone["zone"]
        fill, colour = ZONE_COLOURS.get(name, OTHER_ZONE)
        title = labels.get(f"zone_{name}", name)
        out.append(f"  subgraph {_q('cluster_' + name)} {{")
        # The catalog's own title beside the translated one, unless they say the same.
        subtitle = zone["supernet"] if zone["title"] == title else f"{zone['title']} · {zone['supernet']}"
        out.append(
            f"    label={_html_label(title, subtitle, size=10)};"
            f' style="rounded,filled"; fillcolor={_q(fill)}; color={_q(colour)}; penwidth=1.5;'
        )
        out.append(
            f'    {_q("backbone:" + name)} [shape=box, style="filled", fillcolor={_q(colour)}, fontcolor="#ffffff",'
            f" color={_q(colour)}, height=0.5,"
            f" label={_html_label(zone['backbone'], labels['topo_backbone'] + ' ' + zone['backbone_cidr'])}];"
        )
        for router in topo.routers:
            if router.zone != name:
                continue
            lines = [f"{i.network} {i.cidr}" for i in router.interfaces]
            if router.exit_routes:
                lines.append(f"{labels['topo_exit_routes']}: {len(router.exit_routes)}")
            label = _html_label(router.name, *lines, size=9)
            out.append(f"    {_q('router:' + router.name)} [color={_q(colour)}, label={label}];")
        for slug, tenant_zone in single_zone.items():
            if tenant_zone == name:
                out.append(f"    {_tenant_node(tenants[slug], labels, lang, colour)}")
        out.append("  }")
    for slug, tenant in tenants.items():
        if slug not in single_zone:
            out.append(f"  {_tenant_node(tenant, labels, lang, '#6a3d9a', multi=True)}")
    # Edges: the exit joins its zone's backbone; each tenant router hangs off its backbone and
    # serves its tenant. (The exit's return routes show in the routers' labels.)
    if exit_router is not None:
        for iface in exit_router.interfaces:
            if iface.zone:
                _, colour = ZONE_COLOURS.get(iface.zone, OTHER_ZONE)
                out.append(
                    f"  {_q('router:' + exit_router.name)} -> {_q('backbone:' + iface.zone)}"
                    f" [color={_q(colour)}, penwidth=2, label={_q(iface.cidr)}];"
                )
    for router in topo.routers:
        if router.exit or router.zone is None:
            continue
        _, colour = ZONE_COLOURS.get(router.zone, OTHER_ZONE)
        out.append(f"  {_q('backbone:' + router.zone)} -> {_q('router:' + router.name)} [color={_q(colour)}];")
        if router.tenant in tenants:
            out.append(f"  {_q('router:' + router.name)} -> {_q('tenant:' + router.tenant)} [color={_q(colour)}];")
    out.append("}")
    return "\n".join(out) + "\n"


def wrap(text: str, width: int) -> list[str]:
    """Break a label into lines of about `width` characters (CJK text has no spaces: cut it)."""
    if " " not in text:
        return [text[i : i + width] for i in range(0, len(text), width)] or [""]
    return textwrap.wrap(text, width) or [""]


def _tenant_node(tenant: Mapping[str, Any], labels: Labels, lang: str, colour: str, *, multi: bool = False) -> str:
    detail = f"{tenant['slug']} · {labels['level_short']}{tenant['level']}"
    zones = " + ".join(labels.get(f"zone_{z}", z) for z in tenant["zones"]) if multi else ""
    name = wrap(tenant_label(tenant, lang), 14 if lang == "zh" else 28)
    title = "<BR/>".join(f"<B>{_h(line)}</B>" for line in name)
    rows = "".join(f'<BR/><FONT POINT-SIZE="9">{_h(line)}</FONT>' for line in (detail, zones) if line)
    label = f"<{title}{rows}>"
    style = '"rounded,filled,bold"' if multi else '"rounded,filled"'
    return f"{_q('tenant:' + tenant['slug'])} [style={style}, color={_q(colour)}, label={label}];"


# --- SVG ------------------------------------------------------------------------------------


class DotMissing(Exception):
    """Graphviz's `dot` is not installed."""


class DotFailed(Exception):
    """`dot` ran and failed."""


SVG_START = re.compile(r"<svg\b[^>]*>", re.DOTALL)
SIZE_ATTR = re.compile(r'\s(width|height)="[^"]*"')


def dot_binary() -> str:
    found = shutil.which("dot")
    if found is None:
        raise DotMissing("Graphviz's `dot` is not installed (Debian: apt-get install graphviz; `make setup` does)")
    return found


def render_svg(source: str) -> str:
    """`dot -Tsvg` of `source`, as an <svg> element fit to be inlined in HTML (scales to its box)."""
    proc = subprocess.run(
        [dot_binary(), "-Tsvg"],
        input=source.encode("utf-8"),
        capture_output=True,
        timeout=DOT_TIMEOUT,
        check=False,
    )
    if proc.returncode != 0:
        raise DotFailed(f"dot -Tsvg failed ({proc.returncode}): {proc.stderr.decode('utf-8', 'replace').strip()}")
    return inline_svg(proc.stdout.decode("utf-8"))


def inline_svg(svg: str) -> str:
    """Drop the XML prolog and DOCTYPE; let the viewBox scale the picture to the page."""
    match = SVG_START.search(svg)
    if match is None:
        raise DotFailed("dot -Tsvg wrote no <svg> element")
    tag = SIZE_ATTR.sub("", match.group(0))
    tag = tag[:-1].rstrip() + ' class="topology" role="img" preserveAspectRatio="xMidYMin meet">'
    return tag + svg[match.end() :].strip() + "\n"

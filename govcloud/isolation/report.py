"""The isolation document (JSON, docs/isolation-format.md) and its text rendering."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from govcloud.catalog.topology import ADMIN_PORTS
from govcloud.isolation import services as sv
from govcloud.isolation.claims import Claim, Prover
from govcloud.isolation.intent import MANAGEMENT, Intent
from govcloud.isolation.network import PLATFORM
from govcloud.isolation.reach import Analysis, Endpoint, Reach

FORMAT = "govcloud.isolation/v1"
INTERNET_NODE, BASTION_NODE = "internet", "bastion"
MAX_GRID_TENANTS = 24  # above this the text report lists tenant pairs instead of a grid


@dataclass
class Cell:
    services: sv.Services = sv.NOTHING
    flows: frozenset[str] = frozenset()


def tenant_node(slug: str) -> str:
    return f"tenant:{slug}"


def endpoint_nodes(endpoint: Endpoint, intent: Intent) -> list[str]:
    if endpoint.internet:
        return [INTERNET_NODE]
    nodes = []
    if endpoint.bastion:
        nodes.append(BASTION_NODE)
    elif endpoint.zone is not None:
        nodes.append(endpoint.zone)
    if endpoint.tenant is not None:
        nodes.append(tenant_node(endpoint.tenant))
    return nodes


def nodes(analysis: Analysis, intent: Intent) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {"id": INTERNET_NODE, "kind": "internet", "name": "internet", "title": "互联网 (the internet)"}
    ]
    for zone in intent.zones:
        title = intent.zone_titles.get(zone, zone)
        if zone == MANAGEMENT and intent.bastion is not None:
            title = f"{title}, without the bastion"
        out.append({"id": zone, "kind": "zone", "name": zone, "title": title})
    if intent.bastion is not None:
        tenant, group = intent.bastion
        out.append({"id": BASTION_NODE, "kind": "bastion", "name": f"{tenant}/{group}", "title": "堡垒机 (bastion)"})
    zones: dict[str, set[str]] = {}
    for endpoint in analysis.endpoints:
        if endpoint.tenant is not None:
            zones.setdefault(endpoint.tenant, set()).update({endpoint.zone} if endpoint.zone else set())
    for slug in sorted(set(zones) | set(intent.tenant_titles)):
        out.append(
            {
                "id": tenant_node(slug),
                "kind": "tenant",
                "name": slug,
                "title": intent.tenant_titles.get(slug, "platform" if slug == PLATFORM else slug),
                "zones": sorted(zones.get(slug, set())),
            }
        )
    return out


def matrix(analysis: Analysis, intent: Intent, node_ids: list[str]) -> dict[str, dict[str, Cell]]:
    cells: dict[str, dict[str, Cell]] = {a: {b: Cell() for b in node_ids} for a in node_ids}
    labels = [endpoint_nodes(e, intent) for e in analysis.endpoints]
    flows_cache: dict[Reach, frozenset[str]] = {}
    for reach in analysis.reaches:
        flows = flows_cache.get(reach)
        if flows is None:
            flows = flows_cache[reach] = frozenset(analysis.flows_of(reach)[0])
        for a in labels[reach.src]:
            for b in labels[reach.dst]:
                cell = cells[a][b]
                cell.services = sv.union(cell.services, reach.services)
                cell.flows = cell.flows | flows
    return cells


def unrouted(analysis: Analysis, intent: Intent) -> list[dict[str, Any]]:
    """Zone-level pairs that security groups open but no L3 path joins (rules the plan cannot use)."""
    found: dict[tuple[str, str], sv.Services] = {}
    for reach in analysis.unrouted:
        src, dst = analysis.endpoints[reach.src], analysis.endpoints[reach.dst]
        key = (endpoint_nodes(src, intent)[0], endpoint_nodes(dst, intent)[0])
        found[key] = sv.union(found.get(key, sv.NOTHING), reach.services)
    return [{"from": a, "to": b, "ports": sv.render(s)} for (a, b), s in sorted(found.items())]


def document(
    analysis: Analysis,
    prover: Prover,
    claims: list[Claim],
    intent: Intent,
    plan_info: dict[str, Any],
    core_hub: str | None,
    seconds: float,
) -> dict[str, Any]:
    node_list = nodes(analysis, intent)
    ids = [n["id"] for n in node_list]
    cells = matrix(analysis, intent, ids)
    network = analysis.network
    port_classes = {(p.groups, p.filtered, tuple(p.subnets)) for p in network.host_ports}
    return {
        "format": FORMAT,
        "plan": plan_info,
        "model": {
            "routing": "over-approximated: a router joins every network it is attached to, both ways",
            "core_hub": core_hub,
            "admin_ports": [f"{lo}/tcp" if lo == hi else f"{lo}-{hi}/tcp" for lo, hi, _ in ADMIN_PORTS],
        },
        "nodes": node_list,
        "matrix": {
            a: {
                b: {
                    "reachable": bool(cell.services),
                    "ports": sv.render(cell.services) if cell.services else [],
                    "flows": sorted(cell.flows),
                }
                for b, cell in row.items()
            }
            for a, row in cells.items()
        },
        "claims": [c.as_dict() for c in claims],
        "relays": [r.as_dict() for r in prover.relays],
        "unrouted": unrouted(analysis, intent),
        "notes": sorted(set(network.notes)),
        "stats": {
            "address_classes": len(analysis.classes),
            "address_atoms": len(analysis.classes.partition),
            "port_classes": len(port_classes),
            "endpoint_classes": len(analysis.endpoints),
            "ports": len(network.host_ports),
            "security_groups": len(network.groups),
            "rules": len(network.rules),
            "reachable_pairs": len(analysis.reaches),
            "seconds": round(seconds, 3),
        },
    }


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


# -- text ---------------------------------------------------------------------------------
def _cell_text(cell: dict[str, Any], limit: int = 4) -> str:
    if not cell["reachable"]:
        return "-"
    ports: list[str] = cell["ports"]
    shown = ports[:limit] + ([f"+{len(ports) - limit}"] if len(ports) > limit else [])
    return "\n".join(shown)


def _grid(doc: dict[str, Any], ids: list[str], title: str, rows: dict[str, str], columns: dict[str, str]) -> Table:
    table = Table(title=title, show_lines=True, title_justify="left")
    table.add_column("from \\ to", style="bold")
    for node in ids:
        table.add_column(columns[node], overflow="fold")
    for a in ids:
        table.add_row(rows[a], *(_cell_text(doc["matrix"][a][b]) for b in ids))
    return table


def _grid_width(doc: dict[str, Any], ids: list[str], rows: dict[str, str], columns: dict[str, str]) -> int:
    """Characters a grid needs without folding: widest line per column, plus borders and padding."""
    width = max([len("from \\ to"), *(len(rows[i]) for i in ids)]) + 3
    for b in ids:
        lines = [line for a in ids for line in _cell_text(doc["matrix"][a][b]).splitlines()]
        width += max([len(columns[b]), *(len(line) for line in lines)]) + 3
    return width + 1


def _pairs(doc: dict[str, Any], ids: list[str], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("from", "to", "ports", "flows"):
        table.add_column(column, overflow="fold")
    for a in ids:
        for b in ids:
            cell = doc["matrix"][a][b]
            if a != b and cell["reachable"]:
                table.add_row(
                    a.removeprefix("tenant:"),
                    b.removeprefix("tenant:"),
                    ", ".join(cell["ports"]),
                    ", ".join(cell["flows"]),
                )
    return table


def write_text(doc: dict[str, Any], console: Console) -> None:
    plan = doc["plan"]
    stats = doc["stats"]
    hub = doc["model"]["core_hub"]
    console.print(
        f"[bold]zone isolation proof[/bold] of {plan['path']} (stack {plan['stack']}, "
        f"catalog {'matches' if plan['catalog_matches'] else '[yellow]differs from the planned one[/yellow]'})"
    )
    console.print(
        "routing: routers join the networks they are attached to; "
        + (f"the platform core is assumed to route the {hub} zone to every zone" if hub else "nothing else joins zones")
    )
    node_list = doc["nodes"]
    short = {n["id"]: n["name"] if n["kind"] != "bastion" else "bastion" for n in node_list}
    outer = [n["id"] for n in node_list if n["kind"] != "tenant"]
    tenants = [n["id"] for n in node_list if n["kind"] == "tenant"]
    console.print(_grid(doc, outer, "reachability between the internet, the zones and the bastion", short, short))
    numbers = {t: str(i) for i, t in enumerate(tenants, 1)}
    rows = {t: f"{numbers[t]} {short[t]}" for t in tenants}
    if len(tenants) <= MAX_GRID_TENANTS and _grid_width(doc, tenants, rows, numbers) <= console.width:
        title = "reachability between tenants (columns numbered as the rows; diagonal: inside the tenant)"
        console.print(_grid(doc, tenants, title, rows, numbers))
    else:
        console.print(_pairs(doc, tenants, f"reachability between tenants ({len(tenants)} tenants, pairs only)"))
    for claim in doc["claims"]:
        mark = "[green]holds[/green]" if claim["holds"] else "[red]FAILS[/red]"
        console.print(f"\n{claim['id']} {mark}  {claim['text_en']}", highlight=False)
        console.print(f"      {claim['text_zh']}", highlight=False)
        for witness in claim["witnesses"]:
            console.print(Text(f"  - [{witness['layer']}] {witness['summary']}", style="red"))
            for hop in witness["hops"]:
                console.print(Text(f"      {hop['kind']:<16} {hop['name']}", style="dim"))
        hidden = claim["witness_count"] - len(claim["witnesses"])
        if hidden > 0:
            console.print(f"  ... and {hidden} more witness(es) (all in --format json's witness_count)")
    if doc["relays"]:
        console.print("\n[bold]hosts with NICs in two zones[/bold] (data may cross on them):")
        for relay in doc["relays"]:
            status = "exchange gateway (sanctioned)" if relay["sanctioned"] else "[red]not sanctioned[/red]"
            addresses = ", ".join(f"{p['zone']} {'/'.join(p['addresses'])}" for p in relay["ports"])
            console.print(f"  {relay['host']} ({relay['tenant']}): {addresses}: {status}", highlight=False)
    if doc["unrouted"]:
        console.print(
            "\n[bold]opened by security groups but not routed in the plan[/bold] "
            "(another layer, such as the platform core outside the plan, must carry these or they are dead):"
        )
        for item in doc["unrouted"]:
            console.print(f"  {item['from']} → {item['to']}: {', '.join(item['ports'])}", highlight=False)
    for note in doc["notes"]:
        console.print(f"[yellow]note[/yellow]: {note}", highlight=False)
    held = sum(1 for c in doc["claims"] if c["holds"])
    console.print(
        f"\n{held}/{len(doc['claims'])} claims hold; {stats['address_classes']} address classes, "
        f"{stats['port_classes']} port classes, {stats['endpoint_classes']} endpoint classes, "
        f"{stats['rules']} rules, {stats['seconds']:.2f} s",
        highlight=False,
    )

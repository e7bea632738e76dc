"""nftables rulesets for the lab network, generated from the plan's security groups and routers.

Security groups are enforced outside the hosts, in the fabric namespace, as Neutron does on
the hypervisor: a tenant cannot change them from inside a server. This kernel has no bridge
conntrack (CONFIG_NF_CONNTRACK_BRIDGE is off) but has br_netfilter, so bridged IPv4 packets
also pass the `inet` hooks, with conntrack. A `bridge` table marks each packet with the port
it came in on (bits 16-31) and the port it leaves by (bits 0-15); the `inet` table then runs
the sender's egress chain and the receiver's ingress chain, statefully:

- `ct state established,related accept` first (security groups are stateful);
- egress: only the port's own addresses as source (Neutron's anti-spoofing), then one
  `return` per egress rule of its groups, else drop;
- ingress: one `accept` per ingress rule, else drop.

A rule's remote is what the proof resolved (a prefix, or a remote group's member
addresses); its services are the proof's (tcp/udp port ranges, icmp, other protocols).
Routers forward only between their own legs and never NAT (the proof credits no SNAT
as isolation). The platform core forwards nothing, or, with a hub zone, only between the
hub's backbone and the others (never spoke to spoke), as `--core-hub` means to the proof.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from govcloud.isolation import services as sv
from govcloud.isolation.intervals import EVERYWHERE, Interval, address_text, interval_text, merge
from govcloud.isolation.network import PlanNetwork, Rule
from govcloud.lab.network.model import HostPort, LabNetwork, RouterNs

TABLE = "govcloud"  # every table this package loads, in its own namespaces only
MARK_IN, MARK_OUT = 0xFFFF0000, 0x0000FFFF


def _set(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else "{ " + ", ".join(items) + " }"


def _quoted(names: Sequence[str]) -> str:
    return _set([f'"{n}"' for n in names])


def _addresses(intervals: Iterable[Interval]) -> list[str]:
    out: list[str] = []
    for start, end in merge(intervals):
        text = interval_text((start, end))
        out.append(text if "/" in text else f"{address_text(start)}-{address_text(end - 1)}")
    return [t[:-3] if t.endswith("/32") else t for t in out]


def service_matches(services: sv.Services) -> list[str]:
    """nft match expressions (one rule each) for a set of services; [""] for everything."""
    if services == sv.EVERYTHING:
        return [""]
    ports: dict[int, list[str]] = {sv.TCP: [], sv.UDP: []}
    full: set[int] = set()
    extra: list[str] = []
    for low, high in services:
        for proto in range(low // sv.PORTS, high // sv.PORTS + 1):
            base = proto * sv.PORTS
            start, end = max(low, base) - base, min(high, base + sv.PORTS - 1) - base
            if proto == sv.ICMP:
                extra.append("meta l4proto icmp")
            elif proto == sv.OTHER:
                extra.append("meta l4proto != { tcp, udp, icmp }")
            elif start == 0 and end == sv.PORTS - 1:
                full.add(proto)
            else:
                ports[proto].append(str(start) if start == end else f"{start}-{end}")
    out: list[str] = []
    for proto, name in ((sv.TCP, "tcp"), (sv.UDP, "udp")):
        if proto in full:
            out.append(f"meta l4proto {name}")
        elif ports[proto]:
            out.append(f"{name} dport {_set(ports[proto])}")
    return out + extra


def _rule_lines(rule: Rule, verdict: str) -> list[str]:
    if not rule.remote:
        return []  # a remote group without members: matches nothing
    field = "ip daddr" if rule.direction == "egress" else "ip saddr"
    where = "" if EVERYWHERE in rule.remote else f"{field} {_set(_addresses(rule.remote))} "
    comment = ' comment "' + rule.name[:100].replace('"', "'").replace("\\", "/") + '"'
    return [f"{where}{match} {verdict}{comment}".replace("  ", " ").strip() for match in service_matches(rule.services)]


def port_rules(network: PlanNetwork, port: HostPort, direction: str) -> list[str]:
    """The body of one port's egress or ingress chain."""
    lines: list[str] = []
    if direction == "egress":
        lines.append(f'ip saddr != {_set(_addresses(port.port.addresses))} drop comment "anti-spoofing"')
    verdict = "return" if direction == "egress" else "accept"
    seen: set[str] = set()
    for group in port.port.groups:
        for index in network.groups[group].rules:
            rule = network.rules[index]
            if rule.direction != direction:
                continue
            for line in _rule_lines(rule, verdict):
                key = line.split(" comment ")[0]
                if key not in seen:
                    seen.add(key)
                    lines.append(line)
    lines.append("drop")
    return lines


def chain_name(direction: str, port: HostPort) -> str:
    return f"{'eg' if direction == 'egress' else 'in'}_{port.outer}"


def fabric_ruleset(lab: LabNetwork) -> str:
    """The fabric namespace's two tables: port marks (bridge) and the security groups (inet)."""
    filtered = [p for p in lab.ports if p.port.filtered]
    out = [f"table bridge {TABLE} {{"]
    for p in filtered:
        out += [f"  chain out_{p.outer} {{", f"    meta mark set meta mark | {p.mark:#06x}", "  }"]
    out += ["  chain mark_in {", "    type filter hook prerouting priority -300; policy accept;"]
    if filtered:
        pairs = ", ".join(f'"{p.outer}" : {p.mark << 16:#010x}' for p in filtered)
        out.append(f"    meta mark set iifname map {{ {pairs} }}")
    out += ["  }", "  chain mark_out {", "    type filter hook forward priority -100; policy accept;"]
    if filtered:
        pairs = ", ".join(f'"{p.outer}" : jump out_{p.outer}' for p in filtered)
        out.append(f"    oifname vmap {{ {pairs} }}")
    out += ["  }", "}", f"table inet {TABLE} {{"]
    for p in filtered:
        for direction in ("egress", "ingress"):
            out.append(f"  chain {chain_name(direction, p)} {{")
            out += [f"    {line}" for line in port_rules(lab.plan_network, p, direction)]
            out.append("  }")
    out += [
        "  chain forward {",
        "    type filter hook forward priority 0; policy accept;",
        "    ct state established,related accept",
    ]
    if filtered:
        egress = ", ".join(f"{p.mark << 16:#010x} : jump {chain_name('egress', p)}" for p in filtered)
        ingress = ", ".join(f"{p.mark:#06x} : jump {chain_name('ingress', p)}" for p in filtered)
        out.append(f"    meta mark & {MARK_IN:#010x} vmap {{ {egress} }}")
        out.append(f"    meta mark & {MARK_OUT:#06x} vmap {{ {ingress} }}")
    out += ["  }", "}"]
    return "\n".join(out) + "\n"


def router_ruleset(router: RouterNs, hub_zone_legs: Sequence[str] | None = None) -> str:
    """A router's forward filter. The core: nothing, or hub legs <-> other legs only."""
    legs = [leg.inner for leg in router.legs]
    out = [f"table inet {TABLE} {{", "  chain forward {", "    type filter hook forward priority 0; policy drop;"]
    if router.kind == "core":
        hub = list(hub_zone_legs or [])
        spokes = [leg for leg in legs if leg not in hub]
        if hub and spokes:
            out.append(f"    iifname {_quoted(hub)} oifname {_quoted(spokes)} accept")
            out.append(f"    iifname {_quoted(spokes)} oifname {_quoted(hub)} accept")
        # a quick "administratively prohibited" instead of silence: probes fail fast
        out.append("    reject with icmpx type admin-prohibited")
    elif legs:
        quoted = _quoted(legs)
        out.append(f"    iifname {quoted} oifname {quoted} accept")
    out += ["  }", "}"]
    return "\n".join(out) + "\n"


def core_hub_legs(lab: LabNetwork, zone: str | None) -> list[str]:
    core = lab.core
    if core is None or zone is None:
        return []
    return [leg.inner for leg in core.legs if lab.segments[leg.segment].zone == zone]

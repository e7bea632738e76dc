"""Filters that turn the inventory's govcloud_* facts into role variables (playbooks/group_vars)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

FIREWALLED = ("tcp", "udp")  # ICMP is the host firewall's own, rate-limited rule


def _ports(rule: Mapping[str, Any]) -> int | str:
    low, high = rule.get("port_min"), rule.get("port_max")
    if low is None and high is None:
        return "1-65535"
    low = low if low is not None else high
    high = high if high is not None else low
    return int(low) if low == high else f"{low}-{high}"


def ingress_to_firewall_rules(ingress: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Security-group ingress rules ({protocol, port_min, port_max, source, flow}) as host_firewall
    rules ({port, protocol, sources, comment}); rules for one port and protocol share an entry."""
    merged: dict[tuple[str, int | str], dict[str, Any]] = {}
    for rule in ingress:
        if rule.get("protocol") not in FIREWALLED:
            continue
        key = (str(rule["protocol"]), _ports(rule))
        entry = merged.setdefault(key, {"port": key[1], "protocol": key[0], "sources": [], "comment": ""})
        if rule["source"] not in entry["sources"]:
            entry["sources"].append(str(rule["source"]))
        flows = [f for f in entry["comment"].split(", ") if f]
        if rule.get("flow") and rule["flow"] not in flows:
            entry["comment"] = ", ".join([*flows, str(rule["flow"])])
    return [merged[key] for key in sorted(merged, key=lambda k: (k[0], str(k[1])))]


def ingress_sources(ingress: Iterable[Mapping[str, Any]], port: int, protocol: str = "udp") -> list[str]:
    """The sources an ingress rule set admits on one port (e.g. who may ask this host the time)."""
    out: list[str] = []
    for rule in ingress:
        low, high = rule.get("port_min"), rule.get("port_max")
        covers = (low is None and high is None) or (low is not None and high is not None and low <= port <= high)
        if rule.get("protocol") == protocol and covers and rule["source"] not in out:
            out.append(str(rule["source"]))
    return out


class FilterModule:
    def filters(self) -> dict[str, Any]:
        return {"ingress_to_firewall_rules": ingress_to_firewall_rules, "ingress_sources": ingress_sources}

"""What the offline plan declares, by the identity the plan gives it (names, not IDs).

A live server, port, security-group rule or volume attachment the plan does not list was
made by hand (the dashboard, the CLI): the live-only GC-LIVE-01/02/03/08 rules report those.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from policies.mlps import resources as t

RuleKey = tuple[str, str, str, str, str, int | None, int | None, str, str]


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def rule_key(
    tenant: str,
    group: str,
    direction: Any,
    ethertype: Any,
    protocol: Any,
    low: Any,
    high: Any,
    prefix: Any,
    remote: str,
) -> RuleKey:
    return (
        tenant,
        group,
        str(direction or ""),
        str(ethertype or "IPv4"),
        str(protocol or "").lower(),
        _int(low),
        _int(high),
        str(prefix or ""),
        remote,
    )


@dataclass
class Declared:
    instances: set[str] = field(default_factory=set)
    ports: set[str] = field(default_factory=set)
    rules: set[RuleKey] = field(default_factory=set)
    attachments: set[tuple[str, str]] = field(default_factory=set)  # (instance name, volume name)

    def instance(self, name: str) -> bool:
        return name in self.instances

    def port(self, name: str) -> bool:
        return name in self.ports

    def attachment(self, instance: str, volume: str) -> bool:
        return (instance, volume) in self.attachments

    def rule(self, tenant: str, group_names: Mapping[str, str], raw: Mapping[str, Any]) -> bool:
        """A live rule (openstacksdk names) matches a planned one of the same tenant and group."""
        remote = group_names.get(str(raw.get("remote_group_id")), "") if raw.get("remote_group_id") else ""
        key = rule_key(
            tenant,
            group_names.get(str(raw.get("security_group_id")), ""),
            raw.get("direction"),
            raw.get("ether_type"),
            raw.get("protocol"),
            raw.get("port_range_min"),
            raw.get("port_range_max"),
            raw.get("remote_ip_prefix"),
            remote,
        )
        return key in self.rules


def from_plan(plan: Mapping[str, Any]) -> Declared:
    resources = [r for r in plan.get("resources", []) if isinstance(r, dict)]
    by_urn = {r.get("urn"): r for r in resources}

    def name_of(urn: str | None) -> str:
        return str(((by_urn.get(urn) or {}).get("inputs") or {}).get("name") or "")

    def ref(res: Mapping[str, Any], key: str) -> str | None:
        urns = (res.get("propertyDependencies") or {}).get(key) or []
        return urns[0] if urns else None

    out = Declared()
    for r in resources:
        inputs = r.get("inputs") or {}
        if r.get("type") == t.INSTANCE:
            out.instances.add(str(inputs.get("name") or r.get("name")))
        elif r.get("type") == t.PORT:
            out.ports.add(str(inputs.get("name") or r.get("name")))
        elif r.get("type") == t.SEC_GROUP_RULE:
            out.rules.add(
                rule_key(
                    str(r.get("tenant") or ""),
                    name_of(ref(r, "securityGroupId")),
                    inputs.get("direction"),
                    inputs.get("ethertype"),
                    inputs.get("protocol"),
                    inputs.get("portRangeMin"),
                    inputs.get("portRangeMax"),
                    inputs.get("remoteIpPrefix"),
                    name_of(ref(r, "remoteGroupId")) if ref(r, "remoteGroupId") else "",
                )
            )
        elif r.get("type") == t.VOLUME_ATTACH:
            out.attachments.add((name_of(ref(r, "instanceId")), name_of(ref(r, "volumeId"))))
    return out

"""Security groups: default deny, opened exactly by the rules the topology derives from flows."""

from __future__ import annotations

from collections import Counter

from stack_plan import PROJECT, SEC_GROUP, SEC_GROUP_RULE, PlanIndex, Resource, tag_values

from govcloud.catalog.loader import Catalog
from govcloud.catalog.topology import ANYWHERE, INTERNET, parse_port, resolve_endpoint

RuleKey = tuple[str, str, int | None, int | None, str]


def group_key(group: Resource) -> tuple[str, str]:
    (name,) = tag_values(group, "group")
    return group["tenant"], name


def rule_key(rule: Resource) -> RuleKey:
    i = rule["inputs"]
    return (i["direction"], i["protocol"], i.get("portRangeMin"), i.get("portRangeMax"), i["remoteIpPrefix"])


def rules_by_group(index: PlanIndex) -> dict[tuple[str, str], Counter[RuleKey]]:
    out: dict[tuple[str, str], Counter[RuleKey]] = {}
    for rule in index.of_type(SEC_GROUP_RULE):
        group = index.ref(rule, rule["inputs"]["securityGroupId"], SEC_GROUP)
        out.setdefault(group_key(group), Counter())[rule_key(rule)] += 1
    return out


def test_every_security_group_deletes_the_default_rules(index: PlanIndex) -> None:
    groups = index.of_type(SEC_GROUP)
    assert groups
    for group in groups:
        assert group["inputs"].get("deleteDefaultRules") is True, f"{group['name']} keeps allow-all egress"
        assert index.ref(group, group["inputs"]["tenantId"], PROJECT) is index.project(group["tenant"])


def test_one_security_group_per_host_group(index: PlanIndex, catalog: Catalog) -> None:
    found = Counter(group_key(g) for g in index.of_type(SEC_GROUP))
    assert found == Counter(catalog.topology.rules.keys())


def test_rules_are_exactly_what_the_topology_derives(index: PlanIndex, catalog: Catalog) -> None:
    planned = rules_by_group(index)
    for key, rules in catalog.topology.rules.items():
        expected = Counter((r.direction, r.protocol, r.port_min, r.port_max, r.remote_cidr) for r in rules)
        got = planned.pop(key, Counter())
        assert got == expected, (
            f"{key}: missing {sorted(expected - got, key=str)}, extra {sorted(got - expected, key=str)}"
        )
    assert not planned, f"rules on groups the topology does not know: {sorted(planned)}"


def test_rules_are_plain_ipv4_cidr_rules_in_the_group_project(index: PlanIndex) -> None:
    for rule in index.of_type(SEC_GROUP_RULE):
        inputs = rule["inputs"]
        group = index.ref(rule, inputs["securityGroupId"], SEC_GROUP)
        assert inputs["ethertype"] == "IPv4"
        assert "remoteGroupId" not in inputs, f"{rule['name']}: rules open addresses, not groups"
        assert inputs["tenantId"] == group["inputs"]["tenantId"]
        assert inputs["description"].startswith("flow "), rule["name"]


def internet_ingress(catalog: Catalog) -> set[tuple[str, str, str, str, int | None, int | None]]:
    """(tenant, group, direction, protocol, low, high) opened by flows from the internet."""
    out = set()
    for slug, tenant in catalog.tenants.items():
        for flow in tenant.flows:
            if flow.source != INTERNET:
                continue
            for host in resolve_endpoint(catalog.topology, flow.destination, slug) or []:
                for port in flow.ports:
                    out.add((host.tenant, host.spec.group, "ingress", *parse_port(port)))
    return out


def test_anywhere_only_on_ingress_from_internet_flows(index: PlanIndex, catalog: Catalog) -> None:
    allowed = internet_ingress(catalog)
    assert allowed, "the sample catalog publishes the portal and open-data web groups"
    seen = set()
    for rule in index.of_type(SEC_GROUP_RULE):
        inputs = rule["inputs"]
        if inputs["remoteIpPrefix"] != ANYWHERE:
            continue
        group = index.ref(rule, inputs["securityGroupId"], SEC_GROUP)
        direction, protocol, low, high, _ = rule_key(rule)
        key = (*group_key(group), direction, protocol, low, high)
        assert key in allowed, f"{rule['name']} opens {direction} {protocol} {low}-{high} to 0.0.0.0/0"
        seen.add(key)
    assert seen == allowed

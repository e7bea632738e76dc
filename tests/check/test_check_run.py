"""run_check without the CLI: findings keep their tenant, stack findings their scope, and waivers
match by name, URN or glob until their last day."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pulumi_policy import EnforcementLevel, Severity

from govcloud.check import sarif
from govcloud.check.run import STACK_SCOPE, PlanInfo, run_check
from govcloud.check.waivers import Waiver, WaiverSpec
from policies.mlps.fixtures import FACTS, base_stack
from policies.mlps.resources import SEC_GROUP, Resource
from policies.mlps.rule import Rule

from .conftest import CATALOG
from .sarif_shape import sarif_problems

INFO = PlanInfo("plan.json", "fixture", "2026-01-01T00:00:00+00:00", "catalog", "", True)
DAY = date(2026, 6, 1)


def _rule(rule_id: str, *, stack: bool = False, level: EnforcementLevel = EnforcementLevel.MANDATORY) -> Rule:
    def every_sec_group(resource: Resource, facts: object) -> list[str]:
        return [f"{resource.name} is a security group"]

    return Rule(
        id=rule_id,
        title_zh="测试规则",
        title_en="A test rule",
        severity=Severity.MEDIUM,
        enforcement=level,
        controls=("L3-ABD-02",),
        rationale="why",
        remediation="how",
        violate=lambda s: s,
        resource_types=() if stack else (SEC_GROUP,),
        check=None if stack else every_sec_group,
        stack_check=(lambda resources, facts: [("the stack as a whole", None)]) if stack else None,
    )


RULES = [_rule("GC-TST-01"), _rule("GC-TST-02", stack=True, level=EnforcementLevel.ADVISORY)]


def _waiver(policy: str, resource: str, expires: date, line: int = 1) -> Waiver:
    spec = WaiverSpec(policy=policy, resource=resource, reason="r", approver="a", expires=expires)
    return Waiver(spec, "waivers.yaml", line)


def _run(*waivers: Waiver) -> list[tuple[str, str, str, bool]]:
    result = run_check({"resources": base_stack()}, RULES, FACTS, {}, list(waivers), DAY, INFO)
    return sorted((f.policy, f.tenant, f.name, f.blocking) for f in result.findings)


def test_findings_name_their_tenant_and_stack_findings_their_scope() -> None:
    assert _run() == [
        ("GC-TST-01", "fin", "fin-app-sg", True),
        ("GC-TST-01", "mgmt", "mgmt-app-sg", True),
        ("GC-TST-01", "web", "web-app-sg", True),
        ("GC-TST-02", STACK_SCOPE, STACK_SCOPE, False),  # advisory
    ]


def test_waivers_match_names_urns_and_globs_until_their_last_day() -> None:
    by_name = _waiver("GC-TST-01", "fin-app-sg", DAY)
    by_urn = _waiver("GC-TST-01", "urn:pulumi:fixture::govcloud::*::web-*", DAY)
    other_policy = _waiver("GC-TST-02", "mgmt-app-sg", DAY)
    expired = _waiver("GC-TST-01", "mgmt-*", date(2026, 5, 31))
    blocking = {name for _, _, name, block in _run(by_name, by_urn, other_policy, expired) if block}
    assert blocking == {"mgmt-app-sg"}
    result = run_check({"resources": base_stack()}, RULES, FACTS, {}, [expired, other_policy], DAY, INFO)
    uses = {u.waiver.spec.resource: (u.status, [f.name for f in u.covers]) for u in result.waivers}
    assert uses == {"mgmt-*": ("expired", ["mgmt-app-sg"]), "mgmt-app-sg": ("active", [])}
    [mgmt] = [f for f in result.findings if f.name == "mgmt-app-sg"]
    assert mgmt.expired_waiver is expired and mgmt.waived_by is None


def test_a_stack_finding_is_waived_by_a_star_and_lands_in_sarif_on_the_platform_file() -> None:
    star = _waiver("GC-TST-02", "*", DAY)
    result = run_check({"resources": base_stack()}, RULES, FACTS, {}, [star], DAY, INFO)
    [stack] = [f for f in result.findings if f.policy == "GC-TST-02"]
    assert stack.waived_by is star
    log = sarif.to_sarif(result, sarif.catalog_locations(CATALOG, ["fin"]))
    assert sarif_problems(log) == []
    [entry] = [r for r in log["runs"][0]["results"] if r["ruleId"] == "GC-TST-02"]
    assert entry["level"] == "warning" and entry["suppressions"][0]["status"] == "accepted"
    location = entry["locations"][0]
    assert "fullyQualifiedName" not in location["logicalLocations"][0]
    assert Path(location["physicalLocation"]["artifactLocation"]["uri"]).name == "platform.yaml"

"""Evaluate the pack over a plan and apply the waivers: the result every report format renders."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from govcloud.check.waivers import Waiver, waiver_for
from policies.mlps.evaluate import Violation, evaluate
from policies.mlps.facts import Facts
from policies.mlps.rule import Rule, enforcement_override

MANDATORY, ADVISORY, DISABLED = "mandatory", "advisory", "disabled"
STACK_SCOPE = "(stack)"  # a stack policy's finding that names no single resource


@dataclass(frozen=True)
class Finding:
    violation: Violation
    rule: Rule
    tenant: str
    name: str
    waived_by: Waiver | None = None
    expired_waiver: Waiver | None = None  # an expired waiver that would have covered it

    @property
    def policy(self) -> str:
        return self.violation.policy

    @property
    def enforcement(self) -> str:
        return self.violation.enforcement

    @property
    def blocking(self) -> bool:
        """An unwaived mandatory violation: the check fails."""
        return self.enforcement == MANDATORY and self.waived_by is None


@dataclass(frozen=True)
class WaiverUse:
    waiver: Waiver
    status: str  # active | expired
    covers: tuple[Finding, ...]  # the findings it matches: waived (active) or no longer (expired)


@dataclass
class PlanInfo:
    path: str
    stack: str
    generated_at: str
    catalog_path: str
    catalog_sha256: str
    catalog_matches: bool  # the catalog checked against is the one the plan was made from


@dataclass
class CheckResult:
    plan: PlanInfo
    rules: list[Rule]
    levels: dict[str, str]  # policy id -> enforcement level applied
    resources: int
    findings: list[Finding]
    waivers: list[WaiverUse]
    today: date
    config_path: str | None = None
    waivers_path: str | None = None
    facts_stale: bool = False  # policies/facts.json (what the real preview reads) differs from the catalog

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    @property
    def passed(self) -> bool:
        return not self.blocking

    def summary(self) -> dict[str, Any]:
        mandatory = [f for f in self.findings if f.enforcement == MANDATORY]
        return {
            "resources": self.resources,
            "policies": sum(1 for level in self.levels.values() if level != DISABLED),
            "violations": len(self.findings),
            "mandatory": len(mandatory),
            "advisory": sum(1 for f in self.findings if f.enforcement == ADVISORY),
            "waived": sum(1 for f in self.findings if f.waived_by is not None),
            "blocking": len(self.blocking),
            "waivers_active": sum(1 for w in self.waivers if w.status == "active"),
            "waivers_expired": sum(1 for w in self.waivers if w.status == "expired"),
            "passed": self.passed,
        }


def run_check(
    plan: Mapping[str, Any],
    rules: Sequence[Rule],
    facts: Facts,
    config: Mapping[str, Any],
    waivers: Sequence[Waiver],
    today: date,
    info: PlanInfo,
) -> CheckResult:
    resources = plan["resources"]
    by_urn = {r["urn"]: r for r in resources}
    by_id = {rule.id: rule for rule in rules}
    findings: list[Finding] = []
    for violation in evaluate(rules, resources, facts, config):
        res = by_urn.get(violation.urn)
        active, expired = waiver_for(
            waivers, violation.policy, violation.urn, res["name"] if res else STACK_SCOPE, today
        )
        findings.append(
            Finding(
                violation,
                by_id[violation.policy],
                str(res.get("tenant", "")) if res else STACK_SCOPE,
                res["name"] if res else STACK_SCOPE,
                active,
                expired,
            )
        )
    uses = [
        WaiverUse(
            waiver,
            waiver.status(today),
            tuple(f for f in findings if waiver.covers(f.policy, f.violation.urn, f.name)),
        )
        for waiver in waivers
    ]
    return CheckResult(
        plan=info,
        rules=list(rules),
        levels={rule.id: enforcement_override(config, rule).value for rule in rules},
        resources=sum(1 for r in resources if r.get("custom", True)),
        findings=findings,
        waivers=uses,
        today=today,
    )

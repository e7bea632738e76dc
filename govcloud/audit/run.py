"""One audit: normalize the live cloud, run the rules over it, attach what each finding is."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from govcloud.audit.declared import Declared
from govcloud.audit.live import LiveCloud
from govcloud.audit.normalize import Shapes, normalize
from govcloud.check.run import CheckResult, Finding, PlanInfo, run_check
from govcloud.check.waivers import Waiver
from policies.mlps.facts import Facts
from policies.mlps.rule import Rule


@dataclass
class AuditResult:
    cloud: str
    observed_at: str  # UTC, when the cloud was read
    result: CheckResult  # the same result type `govcloud check` renders
    origin: dict[str, dict[str, str]]  # urn -> the live object: type, id, name, project
    live_resources: int  # objects read from the cloud
    plan_path: str | None  # the plan that says what is declared (None: undeclared checks idle)
    timings: dict[str, float] = field(default_factory=dict)

    def resource(self, finding: Finding) -> dict[str, str]:
        return self.origin.get(finding.violation.urn) or {"type": "", "id": "", "name": finding.name, "project": ""}


def run_audit(
    live: LiveCloud,
    rules: Sequence[Rule],
    facts: Facts,
    *,
    declared: Declared | None,
    plan_path: str | None,
    catalog_path: str,
    config: Mapping[str, Any] | None = None,
    waivers: Sequence[Waiver] = (),
    operators: Sequence[str] = ("admin",),
) -> AuditResult:
    shapes: Shapes = normalize(live, declared, exit_router=facts.exit_router, operators=operators)
    info = PlanInfo(
        path=f"cloud {live.cloud}",
        stack=live.cloud,
        generated_at=live.observed_at,
        catalog_path=catalog_path,
        catalog_sha256="",
        catalog_matches=True,
    )
    result = run_check({"resources": shapes.resources}, rules, facts, config or {}, waivers, date.today(), info)
    return AuditResult(live.cloud, live.observed_at, result, shapes.origin, live.count(), plan_path, dict(live.timings))

"""Drift reports as text (people) and JSON (automation: format govcloud.drift/v1)."""

from __future__ import annotations

import json
from typing import Any

from govcloud.drift.compare import CHANGED, MISSING, UNEXPECTED, DriftReport

DRIFT_FORMAT = "govcloud.drift/v1"


def _value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def to_text(report: DriftReport, cloud: str, seconds: float) -> str:
    lines = []
    marks = {MISSING: "-", UNEXPECTED: "+", CHANGED: "~"}
    for drift in report.drifts:
        lines.append(f"{marks[drift.status]} {drift.status:<10} {drift.identity}")
        for change in drift.changes:
            lines.append(f"      {change.field}: plan {_value(change.planned)} != live {_value(change.live)}")
    counts = {s: sum(d.status == s for d in report.drifts) for s in (MISSING, UNEXPECTED, CHANGED)}
    verdict = "no drift" if report.clean else "DRIFT"
    lines.append(
        f"drift {cloud}: {verdict}: {counts[MISSING]} missing, {counts[UNEXPECTED]} unexpected, "
        f"{counts[CHANGED]} changed; {report.matched}/{report.planned} planned resources matched "
        f"in {len(report.projects)} projects ({seconds:.1f} s)"
    )
    return "\n".join(lines)


def to_json(report: DriftReport, cloud: str, plan: str, observed_at: str, seconds: float) -> str:
    document = {
        "format": DRIFT_FORMAT,
        "cloud": cloud,
        "plan": plan,
        "observed_at": observed_at,
        "seconds": round(seconds, 2),
        "clean": report.clean,
        "summary": {
            "planned": report.planned,
            "matched": report.matched,
            "live_in_scope": report.live_in_scope,
            "missing": sum(d.status == MISSING for d in report.drifts),
            "unexpected": sum(d.status == UNEXPECTED for d in report.drifts),
            "changed": sum(d.status == CHANGED for d in report.drifts),
        },
        "projects": report.projects,
        "drift": [
            {
                "status": d.status,
                "kind": d.kind,
                "key": list(d.key),
                "identity": d.identity,
                "plan_urn": d.plan_urn or None,
                "live_id": d.live_id or None,
                "changes": [{"field": c.field, "plan": c.planned, "live": c.live} for c in d.changes],
                "live_fields": d.live_fields or None,
            }
            for d in report.drifts
        ],
    }
    return json.dumps(document, indent=1, ensure_ascii=False)

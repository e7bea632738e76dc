"""`govcloud check --format json` (documented in docs/check-format.md)."""

from __future__ import annotations

import json
from typing import Any

from govcloud.check.run import CheckResult, Finding, WaiverUse
from govcloud.check.waivers import Waiver

CHECK_FORMAT = "govcloud.check/v1"


def waiver_json(waiver: Waiver | None) -> dict[str, Any] | None:
    if waiver is None:
        return None
    spec = waiver.spec
    return {
        "file": waiver.file,
        "line": waiver.line,
        "policy": spec.policy,
        "resource": spec.resource,
        "reason": spec.reason,
        "approver": spec.approver,
        "expires": spec.expires.isoformat(),
    }


def finding_json(finding: Finding) -> dict[str, Any]:
    rule = finding.rule
    return {
        "policy": finding.policy,
        "title_en": rule.title_en,
        "title_zh": rule.title_zh,
        "severity": rule.severity.value,
        "enforcement": finding.enforcement,
        "controls": list(rule.controls),
        "urn": finding.violation.urn or None,
        "name": finding.name,
        "tenant": finding.tenant,
        "message": finding.violation.message,
        "blocking": finding.blocking,
        "waived_by": waiver_json(finding.waived_by),
        "expired_waiver": waiver_json(finding.expired_waiver),
    }


def use_json(use: WaiverUse) -> dict[str, Any]:
    return {
        **(waiver_json(use.waiver) or {}),
        "status": use.status,
        "covers": [
            {"urn": f.violation.urn or None, "name": f.name, "message": f.violation.message} for f in use.covers
        ],
    }


def to_json(result: CheckResult) -> dict[str, Any]:
    plan = result.plan
    return {
        "format": CHECK_FORMAT,
        "date": result.today.isoformat(),
        "plan": {
            "path": plan.path,
            "stack": plan.stack,
            "generated_at": plan.generated_at,
            "catalog": {"path": plan.catalog_path, "sha256": plan.catalog_sha256, "matches": plan.catalog_matches},
        },
        "config": {"path": result.config_path, "levels": dict(sorted(result.levels.items()))},
        "waivers_file": result.waivers_path,
        "facts_file_stale": result.facts_stale,
        "summary": result.summary(),
        "violations": [finding_json(f) for f in result.findings],
        "waivers": [use_json(u) for u in result.waivers],
    }


def dumps(result: CheckResult) -> str:
    return json.dumps(to_json(result), indent=1, ensure_ascii=False) + "\n"

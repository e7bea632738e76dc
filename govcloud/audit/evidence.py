"""The audit as evidence for the auditor report: a govcloud.host-evidence/v1 file, which
`govcloud report --host-evidence FILE` already reads (a record per check and resource, with
the controls it evidences and when the cloud was observed).

Each check that found nothing gives one `passed` record for the cloud; each finding one
`failed` record naming the live resource (advisory findings too: the message says so).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from govcloud.audit.run import AuditResult
from govcloud.check.run import Finding

HOST_EVIDENCE_FORMAT = "govcloud.host-evidence/v1"  # govcloud/report/hostfile.py


def _record(audit: AuditResult, rule_id: str, doc: str, controls: tuple[str, ...]) -> dict[str, Any]:
    return {
        "check": f"govcloud audit --cloud {audit.cloud}::{rule_id}",
        "doc": doc,
        "controls": list(controls),
        "host": f"cloud {audit.cloud}",
        "outcome": "passed",
        "message": "",
        "policy": rule_id,
        "observed_at": audit.observed_at,
    }


def _failed(audit: AuditResult, finding: Finding, base: dict[str, Any]) -> dict[str, Any]:
    where = audit.resource(finding)
    level = "waived" if finding.waived_by else finding.enforcement
    return {
        **base,
        "host": f"cloud {audit.cloud}: {where['project'] or '(platform)'}/{where['name']}",
        "outcome": "failed",
        "message": f"[{level}] {finding.violation.message}",
        "resource": where,
        "enforcement": finding.enforcement,
    }


def to_evidence(audit: AuditResult) -> dict[str, Any]:
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in audit.result.findings:
        by_rule[finding.policy].append(finding)
    records: list[dict[str, Any]] = []
    for rule in audit.result.rules:
        if audit.result.levels.get(rule.id) == "disabled":
            continue
        base = _record(audit, rule.id, f"{rule.title_en} ({rule.title_zh})", rule.controls)
        found = by_rule.get(rule.id, [])
        records.extend([_failed(audit, f, base) for f in found] if found else [base])
    return {
        "format": HOST_EVIDENCE_FORMAT,
        "observed_at": audit.observed_at,
        "source": f"govcloud audit --cloud {audit.cloud}",
        "records": records,
    }


def dumps(audit: AuditResult) -> str:
    return json.dumps(to_evidence(audit), indent=1, ensure_ascii=False) + "\n"

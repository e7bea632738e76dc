"""The audit's findings as text, JSON and SARIF: `govcloud check`'s renderers, plus what only
an audit has (the live object behind each finding and when the cloud was observed)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from govcloud.audit.run import AuditResult
from govcloud.check import json_report, sarif
from govcloud.check.run import ADVISORY
from govcloud.check.text import policies_legend, summary_line, warnings_list

AUDIT_FORMAT = "govcloud.audit/v1"


def _short(type_: str) -> str:
    """openstack:networking/secGroupRule:SecGroupRule -> secGroupRule"""
    return type_.rsplit(":", 1)[0].rsplit("/", 1)[-1] if "/" in type_ else type_


def findings_table(audit: AuditResult) -> Table:
    result = audit.result
    listed = [f for f in result.findings if not (f.enforcement == ADVISORY and f.waived_by is None)]
    table = Table(title=f"{len(listed)} failing or waived finding(s), observed {audit.observed_at}")
    for column in ("status", "policy", "project", "resource", "id", "message"):
        table.add_column(column, overflow="fold")
    for f in sorted(listed, key=lambda f: (not f.blocking, f.policy, f.tenant, f.name)):
        where = audit.resource(f)
        status = Text("waived", style="cyan") if f.waived_by else Text("FAIL", style="bold red")
        table.add_row(
            status,
            f.policy,
            where["project"] or "-",
            f"{_short(where['type'])} {where['name']}",
            where["id"],
            f.violation.message,
        )
    return table


def render_text(audit: AuditResult) -> RenderableType:
    result = audit.result
    parts: list[RenderableType] = [
        Text(
            f"govcloud audit: cloud {audit.cloud}, observed {audit.observed_at} (UTC), "
            f"{audit.live_resources} objects read, {result.resources} judged, {len(result.rules)} checks"
        )
    ]
    if audit.plan_path is None:
        parts.append(
            Text("note: no plan, so GC-LIVE-01/02/03/08 (undeclared resources) had nothing to compare", style="yellow")
        )
    if any(not (f.enforcement == ADVISORY and f.waived_by is None) for f in result.findings):
        parts.append(findings_table(audit))
    warnings = [f for f in result.findings if f.enforcement == ADVISORY and f.waived_by is None]
    if warnings:
        parts.append(warnings_list(warnings))
    parts.append(policies_legend(result) if result.findings else Text("no policy is violated", style="green"))
    parts.append(summary_line(result))
    return Group(*parts)


def write_text(audit: AuditResult, console: Console) -> None:
    console.print(render_text(audit))


def to_json(audit: AuditResult) -> dict[str, Any]:
    doc = json_report.to_json(audit.result)
    violations = []
    for finding, entry in zip(audit.result.findings, doc["violations"], strict=True):
        violations.append({**entry, "resource": audit.resource(finding), "observed_at": audit.observed_at})
    del doc["plan"], doc["facts_file_stale"]
    return {
        **doc,
        "format": AUDIT_FORMAT,
        "cloud": audit.cloud,
        "observed_at": audit.observed_at,
        "declared_by": audit.plan_path,
        "checks": [rule.id for rule in audit.result.rules],
        "read": {"objects": audit.live_resources, "seconds": audit.timings},
        "violations": violations,
    }


def dumps_json(audit: AuditResult) -> str:
    return json.dumps(to_json(audit), indent=1, ensure_ascii=False) + "\n"


def to_sarif(audit: AuditResult, locations: Mapping[str, sarif.Location]) -> dict[str, Any]:
    doc = sarif.to_sarif(audit.result, locations)
    run = doc["runs"][0]
    run["tool"]["driver"]["fullName"] = "govcloud audit (MLPS 2.0 level-3 policy pack over the live cloud)"
    run["invocations"][0]["endTimeUtc"] = audit.observed_at
    for finding, entry in zip(audit.result.findings, run["results"], strict=True):
        where = audit.resource(finding)
        entry["properties"].update({"resource": where, "observedAt": audit.observed_at})
    run["properties"].update({"cloud": audit.cloud, "observedAt": audit.observed_at})
    run["properties"].pop("plan", None)
    return doc


def dumps_sarif(audit: AuditResult, locations: Mapping[str, sarif.Location]) -> str:
    return json.dumps(to_sarif(audit, locations), indent=1, ensure_ascii=False) + "\n"

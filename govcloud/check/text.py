"""`govcloud check --format text`: failures, warnings, the violated policies and every waiver."""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from govcloud.check.run import ADVISORY, CheckResult, Finding, WaiverUse

STYLE = {"mandatory": "red", "advisory": "yellow"}
MAX_NAMES = 8  # resources named per policy in the warnings list


def _status(finding: Finding) -> Text:
    if finding.waived_by is not None:
        return Text(f"waived (line {finding.waived_by.line})", style="cyan")
    if finding.enforcement == ADVISORY:
        return Text("warning", style="yellow")
    if finding.expired_waiver is not None:
        return Text(f"FAIL (waiver line {finding.expired_waiver.line} expired)", style="bold red")
    return Text("FAIL", style="bold red")


def findings_table(findings: list[Finding]) -> Table:
    """Failures and waived violations, one row each."""
    table = Table(title=f"{len(findings)} failing or waived violation(s)")
    for column in ("status", "policy", "tenant", "resource", "message"):
        table.add_column(column, overflow="fold")
    for f in sorted(findings, key=lambda f: (not f.blocking, f.policy, f.tenant, f.name)):
        table.add_row(_status(f), f.policy, f.tenant, f.name, f.violation.message)
    return table


def warnings_list(findings: list[Finding]) -> Group:
    """Unwaived advisory violations, grouped by policy (the JSON report has each in full)."""
    lines = [Text(f"{len(findings)} warning(s) (advisory policies, not failing the check):", style="yellow")]
    for policy in sorted({f.policy for f in findings}):
        same = [f for f in findings if f.policy == policy]
        names = sorted({f.name for f in same})
        shown = ", ".join(names[:MAX_NAMES]) + (f", … (+{len(names) - MAX_NAMES})" if len(names) > MAX_NAMES else "")
        lines.append(Text(f"  {policy} ×{len(same)}: ", style="yellow") + Text(shown))
        lines.append(Text(f"    e.g. {same[0].violation.message}", style="dim"))
    return Group(*lines)


def policies_legend(result: CheckResult) -> Group:
    """Each violated policy once: titles, severity, level and what to do."""
    lines = [Text("violated policies:", style="bold")]
    for policy in sorted({f.policy for f in result.findings}):
        rule = next(f.rule for f in result.findings if f.policy == policy)
        level = result.levels[policy]
        lines.append(
            Text(f"  {policy} ", style=STYLE.get(level, ""))
            + Text(f"{rule.title_en} ({rule.title_zh}); {rule.severity.value}, {level}; ")
            + Text(f"controls {', '.join(rule.controls)}. Fix: {rule.remediation}", style="dim")
        )
    return Group(*lines)


def _covers(use: WaiverUse) -> str:
    if not use.covers:
        return "covers nothing (no current violation matches)"
    verb = "waives" if use.status == "active" else "no longer waives"
    names = ", ".join(sorted({f.name for f in use.covers}))
    return f"{verb} {len(use.covers)}: {names}"


def waivers_list(result: CheckResult) -> Group:
    lines = [Text(f"waivers ({result.waivers_path}), as of {result.today.isoformat()}:", style="bold")]
    for use in result.waivers:
        spec = use.waiver.spec
        active = use.status == "active"
        lines.append(
            Text(f"  {use.waiver.where} {spec.policy} {spec.resource} ")
            + Text(
                f"{'active until' if active else 'EXPIRED on'} {spec.expires.isoformat()}",
                style="green" if active else "bold red",
            )
        )
        lines.append(Text(f"    approved by {spec.approver}: {spec.reason}", style="dim"))
        lines.append(Text(f"    {_covers(use)}"))
    return Group(*lines)


def summary_line(result: CheckResult) -> Text:
    s = result.summary()
    head = Text("PASSED" if result.passed else "FAILED", style="bold green" if result.passed else "bold red")
    return head + Text(
        f": {s['violations']} violation(s) over {s['resources']} resources and {s['policies']} policies; "
        f"{s['blocking']} blocking (mandatory, not waived), {s['waived']} waived, {s['advisory']} advisory; "
        f"waivers {s['waivers_active']} active, {s['waivers_expired']} expired"
    )


def render(result: CheckResult) -> RenderableType:
    plan = result.plan
    parts: list[RenderableType] = [
        Text(f"govcloud check: {plan.path} (stack {plan.stack}, planned {plan.generated_at})")
    ]
    if not plan.catalog_matches:
        parts.append(
            Text(
                f"warning: the plan was made from another catalog than {plan.catalog_path} "
                "(re-run govcloud plan for facts and plan to agree)",
                style="yellow",
            )
        )
    warnings = [f for f in result.findings if f.enforcement == ADVISORY and f.waived_by is None]
    listed = [f for f in result.findings if f not in warnings]
    if listed:
        parts.append(findings_table(listed))
    if warnings:
        parts.append(warnings_list(warnings))
    if result.facts_stale:
        parts.append(
            Text(
                "warning: policies/facts.json differs from the catalog's facts, so `pulumi preview "
                "--policy-pack policies` would judge differently: run govcloud facts",
                style="yellow",
            )
        )
    if result.findings:
        parts.append(policies_legend(result))
    else:
        parts.append(Text("no policy is violated", style="green"))
    if result.waivers:
        parts.append(waivers_list(result))
    else:
        parts.append(Text(f"waivers: none ({result.waivers_path or 'no waivers file'})"))
    parts.append(summary_line(result))
    return Group(*parts)


def write_text(result: CheckResult, console: Console) -> None:
    console.print(render(result))

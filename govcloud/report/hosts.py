"""Host evidence in the report's data: the evidence files merged into one result per check and
host, then per control (its `host_evidence` and `host_verdict`), the findings (every failing
check on a host) and the summary.

A check's parametrized cases on one host make one result: failed if any case failed, else
passed if any passed, else skipped. When several files hold the same check on the same host,
the most recent observation wins (on a tie, the file given last).

The verdict stands beside the computed coverage status and never changes it: the status says how
a control is implemented, the verdict what the hosts showed when observed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from govcloud.report.hostfile import HostEvidenceFile, HostRecord

HOSTS_PASS, HOSTS_FAIL, NO_HOST_EVIDENCE = "hosts pass", "hosts fail", "no host evidence"
VERDICTS = (HOSTS_PASS, HOSTS_FAIL, NO_HOST_EVIDENCE)
PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass(frozen=True)
class HostResult:
    """One check on one host, from one file."""

    check: str
    doc: str
    host: str
    outcome: str
    message: str
    controls: tuple[str, ...]
    observed_at: str
    observed: datetime  # observed_at parsed, for comparing across zones
    source: str

    def row(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "doc": self.doc,
            "host": self.host,
            "outcome": self.outcome,
            "message": self.message,
            "observed_at": self.observed_at,
            "source": self.source,
        }


def _combine(records: Sequence[HostRecord], file: HostEvidenceFile) -> HostResult:
    outcomes = {r.outcome for r in records}
    outcome = FAILED if FAILED in outcomes else PASSED if PASSED in outcomes else SKIPPED
    messages = dict.fromkeys(r.message for r in records if r.outcome == FAILED and r.message)
    return HostResult(
        check=records[0].check,
        doc=next((r.doc for r in records if r.doc), ""),
        host=records[0].host,
        outcome=outcome,
        message="; ".join(messages),
        controls=tuple(dict.fromkeys(c for r in records for c in r.controls)),
        observed_at=file.observed_at,
        observed=file.observed,
        source=file.source,
    )


def merge(files: Sequence[HostEvidenceFile]) -> list[HostResult]:
    """One result per (check, host), sorted by check then host."""
    chosen: dict[tuple[str, str], tuple[datetime, int, HostResult]] = {}
    for order, file in enumerate(files):
        grouped: dict[tuple[str, str], list[HostRecord]] = {}
        for record in file.records:
            grouped.setdefault((record.check, record.host), []).append(record)
        for key, records in grouped.items():
            rank = (file.observed, order)
            held = chosen.get(key)
            if held is None or rank >= held[:2]:
                chosen[key] = (file.observed, order, _combine(records, file))
    return [chosen[key][2] for key in sorted(chosen)]


def control_evidence(results: Sequence[HostResult], control: str) -> dict[str, Any] | None:
    """The control's `host_evidence`: counts and the checks speaking to it, or None when none do."""
    mine = [r for r in results if control in r.controls]
    if not mine:
        return None
    return {
        "observed_at": min(mine, key=lambda r: r.observed).observed_at,  # the oldest observation
        "hosts": len({r.host for r in mine}),
        "passed": sum(1 for r in mine if r.outcome == PASSED),
        "failed": sum(1 for r in mine if r.outcome == FAILED),
        "skipped": sum(1 for r in mine if r.outcome == SKIPPED),
        "checks": [r.row() for r in mine],
    }


def verdict(evidence: Mapping[str, Any] | None) -> str:
    """hosts fail (any check failed on any host), hosts pass (some passed, none failed), else none."""
    if evidence is None:
        return NO_HOST_EVIDENCE
    if evidence["failed"]:
        return HOSTS_FAIL
    if evidence["passed"]:
        return HOSTS_PASS
    return NO_HOST_EVIDENCE  # only skipped checks: nothing was observed


def findings(results: Sequence[HostResult]) -> list[dict[str, Any]]:
    """Every failing check on a host, with the controls it evidences."""
    return [{**r.row(), "controls": list(r.controls)} for r in results if r.outcome == FAILED]


def summary(
    files: Sequence[HostEvidenceFile], results: Sequence[HostResult], verdicts: Sequence[str]
) -> dict[str, Any] | None:
    """The top-level `host_evidence`: where it came from and what it found; None without files."""
    if not files:
        return None
    return {
        "sources": [{"path": f.source, "observed_at": f.observed_at, "records": len(f.records)} for f in files],
        "hosts": len({r.host for r in results}),
        "checks": len({r.check for r in results}),
        "results": len(results),
        "passed": sum(1 for r in results if r.outcome == PASSED),
        "failed": sum(1 for r in results if r.outcome == FAILED),
        "skipped": sum(1 for r in results if r.outcome == SKIPPED),
        "failing_hosts": sorted({r.host for r in results if r.outcome == FAILED}),
        "verdicts": {v: sum(1 for x in verdicts if x == v) for v in VERDICTS},
    }

"""Matching plan records to live records by identity, then comparing them field by field.

Pure functions over records (govcloud/live/model.py): no cloud needed, unit-tested alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from govcloud.live.model import KINDS, PROJECT_SCOPED, Record

MISSING, UNEXPECTED, CHANGED = "missing", "unexpected", "changed"
# Mappings where the cloud may hold more keys than the plan sets (the platform's own
# volume backend spec): only the planned keys are compared.
SUBSET_FIELDS = {("volume_type", "extra_specs")}


@dataclass(frozen=True)
class FieldChange:
    field: str
    planned: Any
    live: Any


@dataclass(frozen=True)
class Drift:
    status: str  # missing | unexpected | changed
    kind: str
    key: tuple[str, ...]
    changes: tuple[FieldChange, ...] = ()
    plan_urn: str = ""
    live_id: str = ""
    # an unexpected resource's live fields: what was added (a volume's type, a rule's description)
    live_fields: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def identity(self) -> str:
        return f"{self.kind} {'/'.join(self.key)}"


@dataclass
class DriftReport:
    drifts: list[Drift] = field(default_factory=list)
    matched: int = 0
    planned: int = 0
    live_in_scope: int = 0
    projects: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.drifts


def compare_fields(kind: str, planned: dict[str, Any], live: dict[str, Any]) -> list[FieldChange]:
    """The fields the plan sets whose live value differs (fields the plan is silent on are not compared)."""
    changes = []
    for name, want in planned.items():
        have = live.get(name)
        if (kind, name) in SUBSET_FIELDS and isinstance(want, dict) and isinstance(have, dict):
            have = {k: have.get(k) for k in want}
        if want != have:
            changes.append(FieldChange(name, want, have))
    return changes


def in_scope(record: Record, projects: set[str]) -> bool:
    """A live record the plan should account for: anything inside one of the plan's projects."""
    return record.kind in PROJECT_SCOPED and record.key[0] in projects


def compare(planned: list[Record], live: list[Record]) -> DriftReport:
    """Missing: planned, not live. Changed: both, fields differ. Unexpected: live inside a
    planned project (or a govcloud-tagged project the plan does not know), not planned."""
    projects = {r.key[0] for r in planned if r.kind == "project"}
    live_by_key = {(r.kind, r.key): r for r in live}
    planned_keys = {(r.kind, r.key) for r in planned}
    report = DriftReport(planned=len(planned), projects=sorted(projects))
    order = {kind: i for i, kind in enumerate(KINDS)}
    for record in sorted(planned, key=lambda r: (order.get(r.kind, 99), r.key)):
        found = live_by_key.get((record.kind, record.key))
        if found is None:
            report.drifts.append(Drift(MISSING, record.kind, record.key, plan_urn=record.source))
            continue
        report.matched += 1
        changes = compare_fields(record.kind, record.fields, found.fields)
        if changes:
            report.drifts.append(
                Drift(CHANGED, record.kind, record.key, tuple(changes), plan_urn=record.source, live_id=found.source)
            )
    unexpected = [
        r
        for r in live
        if (r.kind, r.key) not in planned_keys
        and (in_scope(r, projects) or (r.kind == "project" and "govcloud" in r.fields.get("tags", [])))
    ]
    report.live_in_scope = report.matched + len(unexpected)
    for record in sorted(unexpected, key=lambda r: (order.get(r.kind, 99), r.key)):
        report.drifts.append(
            Drift(UNEXPECTED, record.kind, record.key, live_id=record.source, live_fields=dict(record.fields))
        )
    return report

"""Reading a host evidence file (`pytest tests/hosts ... --evidence FILE`, format
govcloud.host-evidence/v1, written by tests/evidence.py for tests/hosts and tests/trust) and checking its shape.

Every problem is a SourceError naming the file and the field, e.g.
`out/evidence/hosts.json: records[3].outcome: must be passed, failed or skipped (got 'ok')`;
a control id that policies/controls.yaml does not know is one too.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from govcloud.catalog.errors import relative
from govcloud.report.sources import SourceError, read_json

HOST_EVIDENCE_FORMAT = "govcloud.host-evidence/v1"
OUTCOMES = ("passed", "failed", "skipped")
EVIDENCE_HINT = (
    "pytest tests/hosts --hosts 'ansible://all' --ansible-inventory inventories/lab/hosts.yml "
    "--sudo --evidence out/evidence/hosts.json"
)
TEXT_FIELDS = ("check", "doc", "host", "message")


@dataclass(frozen=True)
class HostRecord:
    """One host check's outcome on one host (one parametrized case of it)."""

    check: str  # pytest node id without parameters: tests/hosts/test_ssh.py::test_password_login_is_off
    doc: str  # the test's first docstring line
    controls: tuple[str, ...]  # control ids of policies/controls.yaml it evidences
    host: str  # inventory host name; empty when the host could not be reached to name itself
    outcome: str  # passed | failed | skipped
    message: str  # a failure's last line, else empty


@dataclass(frozen=True)
class HostEvidenceFile:
    source: str  # the file as given, relative to the working directory
    observed_at: str  # as written (ISO 8601 with its zone)
    observed: datetime  # the same, parsed: the most recent file wins for a check on a host
    records: tuple[HostRecord, ...]


def _observed(value: Any, name: str) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None:
                return parsed
    raise SourceError(
        f"{name}: observed_at: must be an ISO 8601 time with its zone, e.g. 2026-11-30T08:00:00Z (got {value!r})"
    )


def _record(raw: Any, where: str, known_controls: Collection[str]) -> HostRecord:
    if not isinstance(raw, Mapping):
        raise SourceError(f"{where}: must be a mapping of check, doc, controls, host, outcome, message")
    for key in TEXT_FIELDS:
        if key not in raw:
            raise SourceError(f"{where}.{key}: missing")
        if not isinstance(raw[key], str):
            raise SourceError(f"{where}.{key}: must be text (got {raw[key]!r})")
    if not raw["check"].strip():
        raise SourceError(f"{where}.check: must name the check (pytest node id)")
    if "outcome" not in raw:
        raise SourceError(f"{where}.outcome: missing")
    if raw["outcome"] not in OUTCOMES:
        raise SourceError(f"{where}.outcome: must be passed, failed or skipped (got {raw['outcome']!r})")
    if "controls" not in raw:
        raise SourceError(f"{where}.controls: missing")
    controls = raw["controls"]
    if not isinstance(controls, list) or not controls:
        raise SourceError(f"{where}.controls: must be a non-empty list of control ids (got {controls!r})")
    for index, cid in enumerate(controls):
        if not isinstance(cid, str):
            raise SourceError(f"{where}.controls[{index}]: must be a control id (got {cid!r})")
        if cid not in known_controls:
            raise SourceError(f"{where}.controls[{index}]: unknown control {cid!r} (not in policies/controls.yaml)")
    return HostRecord(
        check=raw["check"],
        doc=raw["doc"],
        controls=tuple(dict.fromkeys(controls)),
        host=raw["host"],
        outcome=raw["outcome"],
        message=raw["message"],
    )


def host_evidence_document(doc: Any, name: str, known_controls: Collection[str]) -> HostEvidenceFile:
    """A parsed host evidence document, shape-checked record by record."""
    if not isinstance(doc, Mapping) or doc.get("format") != HOST_EVIDENCE_FORMAT:
        got = doc.get("format") if isinstance(doc, Mapping) else type(doc).__name__
        raise SourceError(
            f"{name}: format: not a host evidence file (format {got!r}, expected {HOST_EVIDENCE_FORMAT!r}; "
            f"{EVIDENCE_HINT})"
        )
    if "observed_at" not in doc:
        raise SourceError(f"{name}: observed_at: missing")
    observed = _observed(doc["observed_at"], name)
    records = doc.get("records")
    if not isinstance(records, list):
        raise SourceError(f"{name}: records: must be a list (got {type(records).__name__})")
    return HostEvidenceFile(
        source=name,
        observed_at=str(doc["observed_at"]),
        observed=observed,
        records=tuple(_record(raw, f"{name}: records[{i}]", known_controls) for i, raw in enumerate(records)),
    )


def load_host_evidence(path: Path, known_controls: Collection[str]) -> HostEvidenceFile:
    name = relative(path)
    return host_evidence_document(read_json(path, "host evidence", EVIDENCE_HINT), name, known_controls)

"""Waivers (catalog/waivers.yaml): an approved, dated exception to one policy for some resources.

A waiver names a policy, the resources it covers (a URN or a logical name, `*` and `?` globs
allowed), why, who approved it and the last day it holds. After that day it stops waiving and
is reported as expired, beside what it would still cover. Every report lists every waiver.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatchcase
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from govcloud.catalog.errors import CatalogError, CatalogInvalid
from govcloud.catalog.loader import load_model
from govcloud.catalog.source import SourceFile
from policies.mlps.rule import Rule

POLICY_PATTERN = r"^GC-[A-Z]+-\d{2}$"
ACTIVE, EXPIRED = "active", "expired"


class WaiverSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    policy: str = Field(pattern=POLICY_PATTERN, description="The waived policy's id, e.g. GC-SG-01.")
    resource: str = Field(
        min_length=1,
        description="URN or logical name of the waived resource; '*' and '?' globs match either.",
    )
    reason: str = Field(min_length=1, description="Why the exception is acceptable, and until what.")
    approver: str = Field(min_length=1, description="Who approved it (name, role, document reference).")
    expires: date = Field(description="The last day the waiver holds (YYYY-MM-DD).")


class WaiversFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    waivers: list[WaiverSpec] = Field(default_factory=list)


@dataclass(frozen=True)
class Waiver:
    spec: WaiverSpec
    file: str
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def expired(self, today: date) -> bool:
        return today > self.spec.expires

    def status(self, today: date) -> str:
        return EXPIRED if self.expired(today) else ACTIVE

    def covers(self, policy: str, urn: str, name: str) -> bool:
        pattern = self.spec.resource
        return policy == self.spec.policy and (fnmatchcase(urn, pattern) or fnmatchcase(name, pattern))


def load_waivers(path: Path, rules: Sequence[Rule]) -> list[Waiver]:
    """Parse and check the waivers file; raise CatalogInvalid with FILE:LINE errors."""
    parsed, source = load_model(path, WaiversFile)
    errors = _unknown_policies(source, parsed, {rule.id for rule in rules})
    if errors:
        raise CatalogInvalid(errors)
    return [Waiver(spec, source.name, source.line_of(("waivers", index))) for index, spec in enumerate(parsed.waivers)]


def _unknown_policies(source: SourceFile, parsed: WaiversFile, known: set[str]) -> list[CatalogError]:
    return [
        source.error(("waivers", index, "policy"), f"{spec.policy!r} is not a policy of the pack")
        for index, spec in enumerate(parsed.waivers)
        if spec.policy not in known
    ]


def waiver_for(
    waivers: Sequence[Waiver], policy: str, urn: str, name: str, today: date
) -> tuple[Waiver | None, Waiver | None]:
    """(the first active waiver covering the violation, else the first expired one that would)."""
    covering = [w for w in waivers if w.covers(policy, urn, name)]
    active = next((w for w in covering if not w.expired(today)), None)
    expired = None if active else next((w for w in covering if w.expired(today)), None)
    return active, expired

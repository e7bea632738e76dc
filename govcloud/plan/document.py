"""The offline plan as a JSON document (format documented in docs/plan-format.md)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from govcloud.plan.engine import Recording, Registration

PLAN_FORMAT = "govcloud.plan/v1"
TENANT_TYPE = "govcloud:tenant:Tenant"
PLATFORM = "(platform)"


@dataclass(frozen=True)
class DuplicateUrn:
    urn: str
    count: int

    def __str__(self) -> str:
        return (
            f"{self.urn} is registered {self.count} times; the real engine refuses duplicate URNs "
            "(two catalog names produce the same resource name: rename one)"
        )


def duplicate_urns(registrations: list[Registration]) -> list[DuplicateUrn]:
    counts = Counter(r.urn for r in registrations)
    return [DuplicateUrn(urn, n) for urn, n in sorted(counts.items()) if n > 1]


def tenant_of(registration: Registration, by_urn: dict[str, Registration]) -> str:
    """The tenant a resource belongs to: its nearest Tenant ancestor, else the platform."""
    current: Registration | None = registration
    while current is not None:
        if current.type == TENANT_TYPE:
            return current.name
        current = by_urn.get(current.parent) if current.parent else None
    return PLATFORM


def build_plan(
    recording: Recording,
    *,
    project: str,
    stack: str,
    catalog_path: str,
    catalog_digest: str,
    generated_at: datetime | None = None,
) -> dict[str, Any]:
    by_urn = {r.urn: r for r in recording.registrations}
    resources = [
        {
            "urn": r.urn,
            "type": r.type,
            "name": r.name,
            "custom": r.custom,
            "parent": r.parent,
            "provider": r.provider,
            "tenant": tenant_of(r, by_urn),
            "inputs": r.inputs,
            "dependencies": r.dependencies,
            "propertyDependencies": r.property_dependencies,
        }
        for r in sorted(recording.registrations, key=lambda r: r.urn)
    ]
    lookups = sorted({json.dumps(x, sort_keys=True, ensure_ascii=False) for x in recording.lookups})
    return {
        "format": PLAN_FORMAT,
        # The only field that changes between two runs on the same catalog.
        "generated_at": (generated_at or datetime.now(UTC)).replace(microsecond=0).isoformat(),
        "project": project,
        "stack": stack,
        "catalog": {"path": catalog_path, "sha256": catalog_digest},
        "summary": summarize(resources),
        "resources": resources,
        "lookups": [json.loads(x) for x in lookups],
        "outputs": recording.outputs,
    }


def summarize(resources: list[dict[str, Any]]) -> dict[str, Any]:
    """Per tenant: how many resources of each type (components excluded)."""
    per_tenant: dict[str, Counter[str]] = {}
    for res in resources:
        if res["custom"]:
            per_tenant.setdefault(res["tenant"], Counter())[res["type"]] += 1
    return {
        "resources": sum(1 for r in resources if r["custom"]),
        "components": sum(1 for r in resources if not r["custom"]),
        "tenants": {t: dict(sorted(c.items())) for t, c in sorted(per_tenant.items())},
    }


def dumps(plan: dict[str, Any]) -> str:
    return json.dumps(plan, indent=1, ensure_ascii=False, sort_keys=False) + "\n"

"""Reading an offline plan back (check, isolation and report all start from one)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from govcloud.catalog.errors import relative
from govcloud.plan.document import PLAN_FORMAT


class PlanFileError(Exception):
    """A plan (or other JSON input) that cannot be used: the message names file and place."""


def read_json(path: Path, what: str, hint: str | None = None) -> Any:
    """Parse a JSON file; `hint` is the command that makes it, named when the file is absent."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        first = f": run {hint} first" if hint else ""
        raise PlanFileError(f"{relative(path)}: {what} not found{first}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PlanFileError(f"{relative(path)}: cannot read the {what} ({exc})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFileError(f"{relative(path)}:{exc.lineno}: not valid JSON ({exc.msg})") from None


def read_plan(path: Path) -> dict[str, Any]:
    """The offline plan (docs/plan-format.md), its shape checked down to each resource."""
    name = relative(path)
    plan = read_json(path, "plan file", f"govcloud plan --out {name}")
    if not isinstance(plan, dict) or plan.get("format") != PLAN_FORMAT:
        got = plan.get("format") if isinstance(plan, dict) else type(plan).__name__
        raise PlanFileError(f"{name}: not an offline plan (format {got!r}, expected {PLAN_FORMAT!r})")
    resources = plan.get("resources")
    if not isinstance(resources, list):
        raise PlanFileError(f"{name}: resources: must be a list")
    for index, res in enumerate(resources):
        if not (isinstance(res, dict) and all(isinstance(res.get(k), str) for k in ("urn", "type", "name"))):
            raise PlanFileError(f"{name}: resources[{index}]: needs urn, type and name (text)")
        if not isinstance(res.get("inputs", {}), dict):
            raise PlanFileError(f"{name}: resources[{index}].inputs: must be a mapping")
        deps = res.get("propertyDependencies", {})
        if not isinstance(deps, dict) or not all(isinstance(v, list) for v in deps.values()):
            raise PlanFileError(f"{name}: resources[{index}].propertyDependencies: must map inputs to lists of URNs")
    if not isinstance(plan.get("lookups", []), list):
        raise PlanFileError(f"{name}: lookups: must be a list")
    if not isinstance(plan.get("catalog", {}), dict):
        raise PlanFileError(f"{name}: catalog: must be a mapping with path and sha256")
    return plan

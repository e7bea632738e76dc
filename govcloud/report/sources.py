"""The report's inputs: the offline plan, the check's JSON report and the isolation proof.

The check and the isolation proof are taken from files (`govcloud check --format json --out
FILE`, the isolation command's JSON) or, when no file is given, computed here in-process from
the plan and the catalog, if their packages are importable. Every problem is a SourceError
whose message names the file and, where it helps, the command to run first.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from govcloud.catalog.errors import CatalogInvalid, relative
from govcloud.catalog.loader import Catalog
from govcloud.plan import reader
from govcloud.plan.reader import PlanFileError

CHECK_FORMAT = "govcloud.check/v1"
ISOLATION_PREFIX = "govcloud.isolation/"
DEFAULT_PLAN = Path("out/plan.json")
DEFAULT_CONFIG = Path("policies/config.json")
WAIVERS_FILE = "waivers.yaml"
CHECK_HINT = "govcloud check --format json --out out/check.json"
ISOLATION_HINT = "govcloud isolation --format json --out out/isolation.json"


class SourceError(Exception):
    """A missing or malformed input; the message says which and what to do."""


def read_json(path: Path, what: str, hint: str | None = None) -> Any:
    try:
        return reader.read_json(path, what, hint)
    except PlanFileError as exc:
        raise SourceError(str(exc)) from None


def read_plan(path: Path) -> dict[str, Any]:
    """The offline plan (docs/plan-format.md), its shape checked."""
    try:
        return reader.read_plan(path)
    except PlanFileError as exc:
        raise SourceError(str(exc)) from None


def check_document(doc: Any, name: str) -> dict[str, Any]:
    """A `govcloud check --format json` report (docs/check-format.md), shape-checked."""
    if not isinstance(doc, dict) or doc.get("format") != CHECK_FORMAT:
        got = doc.get("format") if isinstance(doc, dict) else type(doc).__name__
        raise SourceError(f"{name}: not a check report (format {got!r}, expected {CHECK_FORMAT!r}; {CHECK_HINT})")
    for key, kind in (("violations", list), ("waivers", list), ("summary", dict), ("config", dict), ("plan", dict)):
        if not isinstance(doc.get(key), kind):
            raise SourceError(f"{name}: {key}: must be a {'list' if kind is list else 'mapping'}")
    if not isinstance(doc["config"].get("levels"), dict):
        raise SourceError(f"{name}: config.levels: must be a mapping of policy ids to levels")
    for index, violation in enumerate(doc["violations"]):
        if not (isinstance(violation, dict) and isinstance(violation.get("policy"), str)):
            raise SourceError(f"{name}: violations[{index}]: needs a policy id")
    return doc


def isolation_document(doc: Any, name: str) -> dict[str, Any]:
    """The zone isolation proof's JSON: nodes, matrix, claims and stats (docs/isolation-format.md)."""
    if not isinstance(doc, dict):
        raise SourceError(f"{name}: not an isolation proof (a JSON object of nodes, matrix, claims; {ISOLATION_HINT})")
    fmt = doc.get("format")
    if fmt is not None and not str(fmt).startswith(ISOLATION_PREFIX):
        raise SourceError(f"{name}: not an isolation proof (format {fmt!r}, expected {ISOLATION_PREFIX}v1)")
    if not isinstance(doc.get("matrix"), dict):
        raise SourceError(f"{name}: matrix: must be a mapping from -> to -> {{reachable, ports, flows}}")
    if not isinstance(doc.get("claims"), list):
        raise SourceError(f"{name}: claims: must be a list")
    for index, claim in enumerate(doc["claims"]):
        if not (isinstance(claim, dict) and isinstance(claim.get("id"), str) and "holds" in claim):
            raise SourceError(f"{name}: claims[{index}]: needs an id and holds")
    for src, row in doc["matrix"].items():
        if not isinstance(row, dict) or not all(isinstance(cell, dict) for cell in row.values()):
            raise SourceError(f"{name}: matrix.{src}: must map each destination to {{reachable, ports, flows}}")
    return doc


def load_check(path: Path) -> dict[str, Any]:
    return check_document(read_json(path, "check report", CHECK_HINT), relative(path))


def load_isolation(path: Path) -> dict[str, Any]:
    return isolation_document(read_json(path, "isolation proof", ISOLATION_HINT), relative(path))


# --- computed in-process -------------------------------------------------------------------


def compute_check(plan: dict[str, Any], plan_path: Path, catalog: Catalog, today: date) -> dict[str, Any]:
    """What `govcloud check --format json` would write for this plan, with the default pack config
    (policies/config.json if present) and the catalog's waivers.yaml."""
    try:
        from govcloud.check import json_report
        from govcloud.check.facts import facts_from_catalog
        from govcloud.check.inputs import InputError, read_config
        from govcloud.check.run import PlanInfo, run_check
        from govcloud.check.waivers import load_waivers
        from policies.mlps.registry import all_rules
    except ImportError as exc:
        raise SourceError(f"the offline check is not available ({exc}): run {CHECK_HINT} first, then --check") from None
    rules = all_rules()
    try:
        config = read_config(DEFAULT_CONFIG, rules) if DEFAULT_CONFIG.is_file() else {}
        waivers_path = catalog.root / WAIVERS_FILE
        waivers = load_waivers(waivers_path, rules) if waivers_path.is_file() else []
    except InputError as exc:
        raise SourceError(str(exc)) from None
    except CatalogInvalid as exc:
        raise SourceError("\n".join(str(e) for e in exc.errors)) from None
    recorded = plan.get("catalog") or {}
    info = PlanInfo(
        path=relative(plan_path),
        stack=str(plan.get("stack", "")),
        generated_at=str(plan.get("generated_at", "")),
        catalog_path=relative(catalog.root),
        catalog_sha256=str(recorded.get("sha256", "")),
        catalog_matches=recorded.get("sha256") == catalog.digest,
    )
    result = run_check(plan, rules, facts_from_catalog(catalog), config, waivers, today, info)
    result.config_path = relative(DEFAULT_CONFIG) if config else None
    result.waivers_path = relative(waivers_path) if waivers else None
    return check_document(json_report.to_json(result), "the computed check")


def compute_isolation(plan: dict[str, Any], plan_path: Path, catalog: Catalog) -> dict[str, Any]:
    """What `govcloud isolation --format json` would write for this plan (no core hub assumed)."""
    try:
        from govcloud.isolation import build_intent, prove
        from govcloud.isolation.intent import read_stack_config
    except ImportError as exc:
        raise SourceError(
            f"the zone isolation proof is not available in-process ({exc}): run {ISOLATION_HINT} first, "
            "then pass --isolation out/isolation.json"
        ) from None
    intent = build_intent(catalog, read_stack_config(Path("."), str(plan.get("stack") or "")))
    recorded = plan.get("catalog") or {}
    info = {
        "path": relative(plan_path),
        "stack": plan.get("stack"),
        "generated_at": plan.get("generated_at"),
        "catalog_path": relative(catalog.root),
        "catalog_sha256": recorded.get("sha256"),
        "catalog_matches": recorded.get("sha256") == catalog.digest,
    }
    return isolation_document(prove(plan, intent, plan_info=info).doc, "the computed isolation proof")

"""One check from paths to result: what `govcloud check` does, reusable by reports.

Resolves the default pack config and waivers file, reads them, and runs the pack over a plan
with facts derived from the catalog. Raises InputError (bad config or missing file) or
CatalogInvalid (a waivers file with FILE:LINE errors); prints nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from govcloud.catalog.errors import relative
from govcloud.catalog.loader import Catalog
from govcloud.check.facts import facts_from_catalog
from govcloud.check.inputs import InputError, read_config
from govcloud.check.run import CheckResult, PlanInfo, run_check
from govcloud.check.waivers import Waiver, load_waivers
from policies.mlps.rule import Rule

DEFAULT_CONFIG = Path("policies/config.json")  # relative to the working directory, like the CLI's
FACTS_FILE = Path("policies/facts.json")  # what `pulumi preview --policy-pack policies` reads
WAIVERS_FILE = "waivers.yaml"  # in the catalog directory


def resolve_config(path: Path | None, rules: Sequence[Rule]) -> tuple[dict[str, Any], str | None]:
    """The pack config from `path`, else policies/config.json if present, else none."""
    chosen = path or (DEFAULT_CONFIG if DEFAULT_CONFIG.is_file() else None)
    if chosen is None:
        return {}, None
    return read_config(chosen, rules), relative(chosen)


def resolve_waivers(path: Path | None, catalog_root: Path, rules: Sequence[Rule]) -> tuple[list[Waiver], str | None]:
    """The waivers from `path`, else <catalog>/waivers.yaml if present, else none."""
    default = catalog_root / WAIVERS_FILE
    chosen = path or (default if default.is_file() else None)
    if chosen is None:
        return [], None
    if not chosen.is_file():
        raise InputError(f"{relative(chosen)}: waivers file not found")
    return load_waivers(chosen, rules), relative(chosen)


def plan_info(plan: dict[str, Any], path: Path, catalog: Catalog) -> PlanInfo:
    recorded = plan.get("catalog")
    made_from: dict[str, Any] = recorded if isinstance(recorded, dict) else {}
    return PlanInfo(
        path=relative(path),
        stack=str(plan.get("stack", "")),
        generated_at=str(plan.get("generated_at", "")),
        catalog_path=relative(catalog.root),
        catalog_sha256=str(made_from.get("sha256", "")),
        catalog_matches=made_from.get("sha256") == catalog.digest,
    )


def check_plan(
    plan: dict[str, Any],
    plan_path: Path,
    catalog: Catalog,
    rules: Sequence[Rule],
    *,
    config: Path | None = None,
    waivers: Path | None = None,
    today: date | None = None,
) -> CheckResult:
    """The pack over `plan` (read from `plan_path`), as `govcloud check` runs it."""
    pack_config, config_path = resolve_config(config, rules)
    waiver_list, waivers_path = resolve_waivers(waivers, catalog.root, rules)
    facts = facts_from_catalog(catalog)
    info = plan_info(plan, plan_path, catalog)
    result = run_check(plan, rules, facts, pack_config, waiver_list, today or date.today(), info)
    result.config_path, result.waivers_path = config_path, waivers_path
    result.facts_stale = FACTS_FILE.is_file() and FACTS_FILE.read_text(encoding="utf-8") != facts.to_json()
    return result

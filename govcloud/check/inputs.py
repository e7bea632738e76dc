"""The check's inputs besides the catalog: the offline plan and the policy-pack config."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from govcloud.catalog.errors import relative
from govcloud.plan.document import PLAN_FORMAT
from policies.mlps.rule import Rule

DEFAULT_PLAN = Path("out/plan.json")
# Levels an offline check can apply; `remediate` needs remediation functions the rules lack.
LEVELS = ("advisory", "mandatory", "disabled")
ALL = "all"


class InputError(Exception):
    """A bad input file: the message says which file, where and what is wrong."""


def _read_json(path: Path, what: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{relative(path)}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{relative(path)}: cannot read the {what} ({exc})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{relative(path)}:{exc.lineno}: not valid JSON ({exc.msg})") from None


def read_plan(path: Path, *, default: bool = False) -> dict[str, Any]:
    """The offline plan written by `govcloud plan --out`; InputError if absent or malformed."""
    if default and not path.exists():
        raise InputError(f"{relative(path)}: no plan yet: run govcloud plan --out {relative(path)} first")
    plan = _read_json(path, "plan file")
    if not isinstance(plan, dict) or plan.get("format") != PLAN_FORMAT:
        got = plan.get("format") if isinstance(plan, dict) else type(plan).__name__
        raise InputError(f"{relative(path)}: not an offline plan (format {got!r}, expected {PLAN_FORMAT!r})")
    resources = plan.get("resources")
    if not isinstance(resources, list):
        raise InputError(f"{relative(path)}: resources: must be a list")
    for index, res in enumerate(resources):
        if not (isinstance(res, dict) and all(isinstance(res.get(k), str) for k in ("urn", "type", "name"))):
            raise InputError(f"{relative(path)}: resources[{index}]: needs urn, type and name (text)")
        if not isinstance(res.get("inputs", {}), dict):
            raise InputError(f"{relative(path)}: resources[{index}].inputs: must be a mapping")
    return plan


def _level(value: Any, where: str) -> None:
    if value not in LEVELS:
        raise InputError(f"{where}: {value!r} is not an enforcement level (allowed: {', '.join(LEVELS)})")


def read_config(path: Path, rules: Sequence[Rule]) -> dict[str, Any]:
    """A Pulumi policy-pack config file: {"all": LEVEL, "<policy>": LEVEL | {"enforcementLevel": LEVEL}}."""
    config = _read_json(path, "policy-pack config")
    name = relative(path)
    if not isinstance(config, dict):
        raise InputError(f"{name}: must be a JSON object of policy names to enforcement levels")
    known = {rule.id for rule in rules}
    for key, value in config.items():
        where = f"{name}: {key}"
        if key != ALL and key not in known:
            raise InputError(f"{where}: not a policy of the pack (allowed: 'all' or a policy id such as GC-SG-01)")
        if isinstance(value, dict):
            extra = sorted(set(value) - {"enforcementLevel"})
            if extra:
                raise InputError(f"{where}: {', '.join(extra)}: unknown property (allowed: enforcementLevel)")
            _level(value.get("enforcementLevel"), f"{where}.enforcementLevel")
        else:
            _level(value, where)
    return config

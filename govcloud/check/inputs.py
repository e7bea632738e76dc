"""The check's inputs besides the catalog: the offline plan and the policy-pack config."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from govcloud.catalog.errors import relative
from govcloud.plan import reader
from govcloud.plan.reader import PlanFileError, read_json
from policies.mlps.rule import Rule

DEFAULT_PLAN = Path("out/plan.json")
# Levels an offline check can apply; `remediate` needs remediation functions the rules lack.
LEVELS = ("advisory", "mandatory", "disabled")
ALL = "all"


class InputError(Exception):
    """A bad input file: the message says which file, where and what is wrong."""


def _read_json(path: Path, what: str) -> Any:
    try:
        return read_json(path, what)
    except PlanFileError as exc:
        raise InputError(str(exc)) from None


def read_plan(path: Path, *, default: bool = False) -> dict[str, Any]:
    """The offline plan written by `govcloud plan --out`; InputError if absent or malformed."""
    try:
        return reader.read_plan(path)
    except PlanFileError as exc:
        raise InputError(str(exc)) from None


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

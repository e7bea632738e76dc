"""The controls catalog (policies/controls.yaml) and the coverage the pack's rules give it.

A control is one MLPS 2.0 level-3 requirement (or a GOV-* requirement of the e-government
plan). Which policies implement it is never written in the catalog: `coverage` computes it from
the rules' `controls` tuples, so the catalog and the pack cannot drift apart.

Stands alone like the rest of the pack: PyYAML (a dependency of the pulumi SDK), no govcloud.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from pulumi_policy import EnforcementLevel

from .rule import Rule, enforcement_override

CONTROLS_FILE = Path(__file__).resolve().parent.parent / "controls.yaml"
FORMAT = "govcloud.controls/v1"
CATEGORIES = ("安全通信网络", "安全区域边界", "安全计算环境", "安全管理中心", "云计算安全扩展要求", "政务要求")
ID_PATTERN = re.compile(r"^(L3-(CNS|ABD|CEN|SMC|CLD)|GOV)-\d{2}$")
CLAUSE_PATTERN = re.compile(r"^8\.[12]\.\d+\.\d+ [a-z]\)$")
REQUIRED = ("id", "category", "clause", "text_zh", "text_en", "plan_clause", "host_checks", "tests")
OPTIONAL = ("note", "see_also")

ENFORCED, PARTLY, NOT_AUTOMATED = "enforced", "partly", "not automated"


class ControlsError(Exception):
    """The catalog is malformed; carries every problem found."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Control:
    id: str
    category: str
    clause: str | None  # GB/T 22239-2019 clause with item letter, or None when unconfirmed
    text_zh: str
    text_en: str
    plan_clause: str
    host_checks: tuple[str, ...] = ()
    tests: tuple[str, ...] = ()
    see_also: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Coverage:
    """How one control is implemented: computed, never written by hand."""

    control: Control
    mandatory: tuple[str, ...] = ()  # policy ids enforcing it at mandatory level
    advisory: tuple[str, ...] = ()  # policy ids reporting it at advisory level
    host_checks: tuple[str, ...] = field(default=())
    tests: tuple[str, ...] = field(default=())

    @property
    def policies(self) -> tuple[str, ...]:
        return tuple(sorted((*self.mandatory, *self.advisory)))

    @property
    def status(self) -> str:
        """enforced: a mandatory policy; partly: only advisory policies or host checks; else none."""
        if self.mandatory:
            return ENFORCED
        if self.advisory or self.host_checks:
            return PARTLY
        return NOT_AUTOMATED


class _UniqueKeyLoader(yaml.SafeLoader):  # type: ignore[misc]
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last silently)."""


def _mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"key {key!r} is given twice", key_node.start_mark)
        seen.add(key)
    return dict(loader.construct_mapping(node, deep=True))


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def _check(entry: Any, where: str) -> list[str]:
    if not isinstance(entry, dict):
        return [f"{where}: a control is a mapping of fields"]
    problems = [f"{where}: {name}: required field is missing" for name in REQUIRED if name not in entry]
    problems += [f"{where}: {name}: unknown field" for name in entry if name not in (*REQUIRED, *OPTIONAL)]
    if "id" in entry and not (isinstance(entry["id"], str) and ID_PATTERN.match(entry["id"])):
        problems.append(f"{where}: id: {entry['id']!r} is not allowed (L3-<CNS|ABD|CEN|SMC|CLD>-NN or GOV-NN)")
    if "category" in entry and entry["category"] not in CATEGORIES:
        problems.append(f"{where}: category: {entry['category']!r} is not allowed ({', '.join(CATEGORIES)})")
    clause = entry.get("clause")
    if clause is not None and not (isinstance(clause, str) and CLAUSE_PATTERN.match(clause)):
        problems.append(f"{where}: clause: {clause!r} is not a clause such as '8.1.3.2 a)'")
    if "clause" in entry and clause is None and not entry.get("note"):
        problems.append(f"{where}: note: required when clause is null (say why it is unconfirmed)")
    for name in ("text_zh", "text_en", "plan_clause"):
        if name in entry and not (isinstance(entry[name], str) and entry[name].strip()):
            problems.append(f"{where}: {name}: must be non-empty text")
    for name in ("host_checks", "tests", "see_also"):
        if name in entry and entry[name] != [] and not _strings(entry[name]):
            problems.append(f"{where}: {name}: must be a list of ids")
    if "note" in entry and not isinstance(entry["note"], str):
        problems.append(f"{where}: note: must be text")
    return problems


def parse_controls(data: Any, source: str = "controls.yaml") -> dict[str, Control]:
    """Validate the catalog's data; raise ControlsError listing every problem."""
    if not isinstance(data, dict) or not isinstance(data.get("controls"), list):
        raise ControlsError([f"{source}: must be a mapping with a 'controls' list"])
    problems = [] if data.get("format") == FORMAT else [f"{source}: format: must be {FORMAT!r}"]
    controls: dict[str, Control] = {}
    for index, entry in enumerate(data["controls"]):
        named = f" ({entry['id']})" if isinstance(entry, dict) and "id" in entry else ""
        where = f"{source}: controls[{index}]{named}"
        found = _check(entry, where)
        problems += found
        if found:
            continue
        if entry["id"] in controls:
            problems.append(f"{where}: id: {entry['id']} is given twice")
            continue
        controls[entry["id"]] = Control(
            id=entry["id"],
            category=entry["category"],
            clause=entry["clause"],
            text_zh=" ".join(entry["text_zh"].split()),
            text_en=" ".join(entry["text_en"].split()),
            plan_clause=entry["plan_clause"],
            host_checks=tuple(entry["host_checks"]),
            tests=tuple(entry["tests"]),
            see_also=tuple(entry.get("see_also") or ()),
            note=" ".join(str(entry.get("note") or "").split()),
        )
    if problems:
        raise ControlsError(problems)
    return controls


def load_controls(path: Path = CONTROLS_FILE) -> dict[str, Control]:
    """The controls by id, in the catalog's order; raise ControlsError on any problem."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
    except (OSError, yaml.YAMLError) as exc:
        raise ControlsError([f"{path.name}: {' '.join(str(exc).split())}"]) from None
    return parse_controls(data, path.name)


def unknown_controls(rules: Iterable[Rule], controls: Mapping[str, Control]) -> dict[str, list[str]]:
    """Control ids that rules name but the catalog lacks: id -> the rules naming it."""
    out: dict[str, list[str]] = {}
    for rule in rules:
        for control in rule.controls:
            if control not in controls:
                out.setdefault(control, []).append(rule.id)
    return dict(sorted(out.items()))


def coverage(
    rules: Sequence[Rule],
    controls: Mapping[str, Control] | None = None,
    config: Mapping[str, Any] | None = None,
) -> list[Coverage]:
    """Per control, in catalog order: the policies implementing it (at their configured level)."""
    controls = load_controls() if controls is None else controls
    mandatory: dict[str, list[str]] = {}
    advisory: dict[str, list[str]] = {}
    for rule in rules:
        level = enforcement_override(config or {}, rule)
        if level is EnforcementLevel.DISABLED:
            continue
        target = advisory if level is EnforcementLevel.ADVISORY else mandatory
        for control in rule.controls:
            target.setdefault(control, []).append(rule.id)
    return [
        Coverage(
            control,
            tuple(sorted(mandatory.get(cid, []))),
            tuple(sorted(advisory.get(cid, []))),
            control.host_checks,
            control.tests,
        )
        for cid, control in controls.items()
    ]

"""The sample catalog planned once per session (~5 s), and helpers to seed violations into it.

Many tests run `govcloud check` over the same plan with the same pack config and differ only in
waivers or output format; the pack's evaluation of a (plan, config) pair is memoized for the
session so each distinct pair is evaluated once (evaluation is deterministic; the pack's own
fixture tests cover it). Everything else the command does runs every time.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import govcloud.commands  # noqa: F401  (registers check and facts on the app)
from govcloud.check import run as check_run
from govcloud.cli import app
from govcloud.plan.document import dumps
from policies.mlps.evaluate import evaluate as _evaluate

ROOT = Path(__file__).resolve().parents[2]  # the Pulumi project (Pulumi.yaml, Pulumi.lab.yaml)
CATALOG = ROOT / "catalog"
SEC_GROUP = "openstack:networking/secGroup:SecGroup"

Plan = dict[str, Any]


@pytest.fixture(scope="session")
def plan_file(sample_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plan") / "plan.json"
    path.write_text(dumps(sample_plan), encoding="utf-8")
    return path


@pytest.fixture
def seeded(sample_plan: Plan, tmp_path: Path) -> Callable[[Callable[[Plan], None]], Path]:
    """seeded(mutate): the sample plan with `mutate` applied, written to a file."""

    def write(mutate: Callable[[Plan], None]) -> Path:
        plan = copy.deepcopy(sample_plan)
        mutate(plan)
        path = tmp_path / "seeded-plan.json"
        path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
        return path

    return write


def finance_sec_group(plan: Plan) -> dict[str, Any]:
    return next(r for r in plan["resources"] if r["type"] == SEC_GROUP and r["tenant"] == "finance")


def keep_default_egress(plan: Plan) -> None:
    """The seeded violation: a finance security group keeps Neutron's allow-all egress (GC-SG-01)."""
    finance_sec_group(plan)["inputs"]["deleteDefaultRules"] = False


def check(*args: str) -> Result:
    """`govcloud check --catalog <sample> ARGS` (run from the project root: the pack config is found)."""
    return CliRunner().invoke(app, ["check", "--catalog", str(CATALOG), *args])


@pytest.fixture(autouse=True)
def _project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


_EVALUATED: dict[str, list[Any]] = {}


def _memoized_evaluate(rules: Any, resources: Any, facts: Any, config: Any = None) -> list[Any]:
    key = json.dumps([[r.id for r in rules], resources, repr(facts), config], sort_keys=True, default=str)
    digest = hashlib.sha256(key.encode()).hexdigest()
    if digest not in _EVALUATED:
        _EVALUATED[digest] = _evaluate(rules, resources, facts, config)
    return list(_EVALUATED[digest])


@pytest.fixture(autouse=True)
def _evaluate_each_plan_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check_run, "evaluate", _memoized_evaluate)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """pulumi_openstack warns about its own deprecated modules when the mocks import them all."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.filterwarnings("ignore::DeprecationWarning:pulumi_openstack"))

"""The sample catalog planned once per session (~5 s); its plan and stack output as files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from govcloud.plan.document import dumps
from inventory.helpers import load_yaml, run_inventory

Plan = dict[str, Any]


@pytest.fixture(scope="session")
def plan_file(sample_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plan") / "plan.json"
    path.write_text(dumps(sample_plan), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def stack_output_file(sample_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `pulumi stack output --json` prints for the deployed sample: the program's outputs."""
    path = tmp_path_factory.mktemp("stack") / "stack-output.json"
    path.write_text(json.dumps(sample_plan["outputs"], indent=2), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def lab_text(plan_file: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("lab") / "inventories" / "lab" / "hosts.yml"
    result = run_inventory("--plan", str(plan_file), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("wrote ")
    return out.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def lab_doc(lab_text: str) -> Any:
    return load_yaml(lab_text)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """pulumi_openstack warns about its own deprecated modules when the mocks import them all."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.filterwarnings("ignore::DeprecationWarning:pulumi_openstack"))

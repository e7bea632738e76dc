"""`govcloud isolation`: exit codes, formats, --out, bad input."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

import govcloud.isolation_cmd  # noqa: F401  (registers the command on the app)
from govcloud.cli import app
from govcloud.plan.document import dumps
from isolation.seeds import CATALOG, ROOT, add_rule

Plan = dict[str, Any]


@pytest.fixture(scope="module")
def plan_file(sample_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plan") / "plan.json"
    path.write_text(dumps(sample_plan), encoding="utf-8")
    return path


@pytest.fixture(autouse=True)
def _project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def isolation(*args: str) -> Result:
    return CliRunner().invoke(app, ["isolation", "--catalog", str(CATALOG), *args])


def test_text_report_on_the_sample(plan_file: Path) -> None:
    result = isolation("--plan", str(plan_file))
    assert result.exit_code == 0, result.output
    for text in ("ISO-1 holds", "ISO-4 holds", "internet", "management", "bastion", "4/4 claims hold",
                 "data-exchange-xg-1", "catalog matches"):
        assert text in result.output


def test_json_report(plan_file: Path, tmp_path: Path) -> None:
    result = isolation("--plan", str(plan_file), "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["format"] == "govcloud.isolation/v1"
    assert {"nodes", "matrix", "claims", "stats"} <= set(doc)
    assert all(set(c) >= {"id", "text_en", "text_zh", "holds", "witnesses"} for c in doc["claims"])
    assert doc["plan"]["catalog_matches"] is True
    out = tmp_path / "sub" / "isolation.json"
    written = isolation("--plan", str(plan_file), "--format", "json", "--out", str(out))
    assert written.exit_code == 0 and "4/4 claims hold" in written.output
    again = json.loads(out.read_text(encoding="utf-8"))
    again["stats"]["seconds"] = doc["stats"]["seconds"]
    assert again == doc


def test_text_to_a_file(plan_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "isolation.txt"
    result = isolation("--plan", str(plan_file), "--out", str(out))
    assert result.exit_code == 0
    assert "ISO-2 holds" in out.read_text(encoding="utf-8")


def test_a_failed_claim_exits_1_with_its_witness(sample_plan: Plan, tmp_path: Path) -> None:
    plan = copy.deepcopy(sample_plan)
    add_rule("mgmt-kms", "ingress", 22, "10.30.2.11/32")(plan)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    result = isolation("--plan", str(path))
    assert result.exit_code == 1
    assert "ISO-4 FAILS" in result.output and "mgmt-kms-seeded-ingress-22-10.30.2.11_32" in result.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not valid JSON"),
        ('{"format": "other"}', "not an offline plan"),
        ('{"format": "govcloud.plan/v1", "resources": {}}', "resources: must be a list"),
        ('{"format": "govcloud.plan/v1", "resources": [{"urn": 1}]}', "resources[0]: needs urn"),
    ],
)
def test_bad_plans_exit_2(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(content, encoding="utf-8")
    result = isolation("--plan", str(path))
    assert result.exit_code == 2 and message in result.output


def test_missing_inputs_exit_2(plan_file: Path, tmp_path: Path) -> None:
    assert isolation("--plan", str(tmp_path / "absent.json")).exit_code == 2
    bad_catalog = CliRunner().invoke(app, ["isolation", "--plan", str(plan_file), "--catalog", str(tmp_path)])
    assert bad_catalog.exit_code == 2
    hub = isolation("--plan", str(plan_file), "--core-hub", "dmz")
    assert hub.exit_code == 2 and "not a zone" in hub.output

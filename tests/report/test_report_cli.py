"""`govcloud report` on the command line: inputs from files or computed, exit 0, and exit 2 with a
message naming the file and the command to run first on bad input."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import govcloud.commands  # noqa: F401  (registers report on the app)
from govcloud.cli import EXIT_OK, EXIT_USAGE, app
from govcloud.report.assemble import CLAIM_CONTROLS, NETWORK_CONTROLS

from .conftest import CATALOG, ROOT


@pytest.fixture(autouse=True)
def _project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def report(*args: str) -> Result:
    return CliRunner().invoke(app, ["report", "--catalog", str(CATALOG), *args])


def test_report_from_files(plan_file: Path, isolation_file: Path, tmp_path: Path) -> None:
    check_file = tmp_path / "check.json"
    args = ["check", "--catalog", str(CATALOG), "--plan", str(plan_file), "--format", "json", "--out", str(check_file)]
    checked = CliRunner().invoke(app, args)
    assert checked.exit_code == EXIT_OK, checked.output
    out = tmp_path / "report"
    result = report(
        "--plan", str(plan_file), "--check", str(check_file), "--isolation", str(isolation_file), "--out", str(out)
    )
    assert result.exit_code == EXIT_OK, result.output
    assert (out / "index.html").is_file() and (out / "report.json").is_file()
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["check"]["source"].endswith("check.json")
    assert data["isolation"]["source"].endswith("isolation.json")
    assert data["lang"] == "en"
    assert "controls:" in result.output and "enforced" in result.output


def test_report_lang_zh(plan_file: Path, isolation_file: Path, tmp_path: Path) -> None:
    result = report("--plan", str(plan_file), "--isolation", str(isolation_file), "--out", str(tmp_path), "-l", "zh")
    assert result.exit_code == EXIT_OK, result.output
    assert '<html lang="zh-CN">' in (tmp_path / "index.html").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["check"]["source"] == "computed"


def test_unknown_language_is_a_usage_error(plan_file: Path, tmp_path: Path) -> None:
    result = report("--plan", str(plan_file), "--out", str(tmp_path), "--lang", "fr")
    assert result.exit_code == EXIT_USAGE


def test_no_plan_says_to_plan_first(tmp_path: Path) -> None:
    result = report("--plan", str(tmp_path / "missing.json"), "--out", str(tmp_path / "r"))
    assert result.exit_code == EXIT_USAGE
    assert "plan file not found: run govcloud plan --out" in result.output
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "not valid JSON"),
        ('{"format": "govcloud.plan/v1", "resources": [], "catalog": {}}', "not a check report"),
        ('{"format": "govcloud.check/v1", "violations": {}}', "violations: must be a list"),
    ],
)
def test_a_bad_check_file(plan_file: Path, isolation_file: Path, tmp_path: Path, content: str, expected: str) -> None:
    bad = tmp_path / "check.json"
    bad.write_text(content, encoding="utf-8")
    inputs = ("--plan", str(plan_file), "--check", str(bad), "--isolation", str(isolation_file))
    result = report(*inputs, "--out", str(tmp_path))
    assert result.exit_code == EXIT_USAGE
    assert expected in result.output and "check.json" in result.output


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[]", "not an isolation proof"),
        ('{"format": "govcloud.check/v1", "matrix": {}, "claims": []}', "not an isolation proof"),
        ('{"matrix": {}, "claims": [{"text_en": "x"}]}', "claims[0]: needs an id and holds"),
        ('{"matrix": {"a": {"b": true}}, "claims": []}', "matrix.a"),
    ],
)
def test_a_bad_isolation_file(plan_file: Path, tmp_path: Path, content: str, expected: str) -> None:
    bad = tmp_path / "isolation.json"
    bad.write_text(content, encoding="utf-8")
    result = report("--plan", str(plan_file), "--isolation", str(bad), "--out", str(tmp_path))
    assert result.exit_code == EXIT_USAGE
    assert expected in result.output


def test_a_missing_check_file_names_the_command(plan_file: Path, isolation_file: Path, tmp_path: Path) -> None:
    result = report(
        "--plan", str(plan_file), "--check", str(tmp_path / "nope.json"), "--isolation", str(isolation_file)
    )
    assert result.exit_code == EXIT_USAGE
    assert "check report not found: run govcloud check --format json" in result.output


def test_check_and_isolation_computed_in_process(plan_file: Path, tmp_path: Path) -> None:
    result = report("--plan", str(plan_file), "--out", str(tmp_path))
    assert result.exit_code == EXIT_OK, result.output
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert data["check"]["source"] == data["isolation"]["source"] == "computed"
    assert data["isolation"]["format"] == "govcloud.isolation/v1"
    assert [c["id"] for c in data["claims"]] == list(CLAIM_CONTROLS)
    assert all(c["holds"] for c in data["claims"]), "the sample zone is isolated"
    nodes = {n["id"] for n in data["matrix"]["nodes"]}
    assert {"internet", "intranet", "extranet", "management", "tenant:finance"} <= nodes
    assert data["matrix"]["cells"]["intranet"]["internet"]["reachable"] is False
    # Every network control gets the claims that speak to it, and only network controls get any.
    for row in data["controls"]:
        expected = [cid for cid, controls in CLAIM_CONTROLS.items() if row["id"] in controls]
        assert row["isolation_claims"] == expected, row["id"]
        assert bool(expected) == (row["id"] in NETWORK_CONTROLS), row["id"]


@pytest.mark.parametrize(
    ("module", "command"),
    [
        ("govcloud.isolation", "run govcloud isolation --format json"),
        ("govcloud.check", "run govcloud check --format json"),
    ],
)
def test_unavailable_in_process_is_exit_2(
    plan_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, module: str, command: str
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # importing it now raises ImportError
    result = report("--plan", str(plan_file), "--out", str(tmp_path))
    assert result.exit_code == EXIT_USAGE
    assert command in result.output and "first" in result.output
    assert not (tmp_path / "index.html").exists()


def test_no_graphviz_still_writes_the_report(
    plan_file: Path, isolation_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("govcloud.report.topology.shutil.which", lambda name: None)
    result = report("--plan", str(plan_file), "--isolation", str(isolation_file), "--out", str(tmp_path))
    assert result.exit_code == EXIT_OK, result.output
    assert "topology not drawn" in result.output and "apt-get install graphviz" in result.output
    text = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "<svg" not in text and "Topology not drawn" in text
    assert (tmp_path / "topology.dot").is_file() and not (tmp_path / "topology.svg").exists()

"""`govcloud audit` end to end over the fake cloud: formats, exit codes, evidence, bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import govcloud.commands  # noqa: F401  (registers the commands on the app)
from govcloud.audit import connect as connect_module
from govcloud.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, app
from govcloud.report.hostfile import load_host_evidence
from policies.mlps.controls import load_controls

from .fakes import FakeConnection, cloud

ROOT = Path(__file__).resolve().parents[2]
REAL_CONNECT = connect_module.connect  # before the fixture swaps in the fake


@pytest.fixture(autouse=True)
def _fake_cloud(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)

    def fake_connect(name: str) -> Any:
        if name != "fake":
            raise connect_module.CloudNotFound(f"--cloud {name}: no such cloud in x; clouds there: fake")
        return FakeConnection(cloud())

    monkeypatch.setattr(connect_module, "connect", fake_connect)


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["audit", "--cloud", "fake", "--plan", "out/none.json", *args])


def test_json_names_resource_and_observation_time(tmp_path: Path) -> None:
    out = tmp_path / "audit.json"
    result = CliRunner().invoke(app, ["audit", "--cloud", "fake", "--format", "json", "--out", str(out)])
    assert result.exit_code == EXIT_FAILED, result.output  # the sample catalog's facts: mgmt is missing
    doc = json.loads(out.read_text())
    assert doc["format"] == "govcloud.audit/v1" and doc["cloud"] == "fake"
    assert doc["observed_at"].endswith("Z") and len(doc["checks"]) >= 40
    finding = doc["violations"][0]
    assert {"policy", "severity", "enforcement", "resource", "message", "observed_at"} <= set(finding)
    assert set(finding["resource"]) == {"type", "id", "name", "project"}


def test_advisory_config_passes_and_sarif_is_written(tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text('{"all": "advisory"}')
    out = tmp_path / "audit.sarif"
    result = CliRunner().invoke(
        app, ["audit", "--cloud", "fake", "--config", str(config), "--format", "sarif", "--out", str(out)]
    )
    assert result.exit_code == EXIT_OK, result.output
    sarif = json.loads(out.read_text())
    run_ = sarif["runs"][0]
    assert run_["properties"]["cloud"] == "fake" and run_["results"]
    assert all("observedAt" in r["properties"] and "resource" in r["properties"] for r in run_["results"])


def test_text_and_evidence_the_report_reads(tmp_path: Path) -> None:
    evidence = tmp_path / "live.json"
    result = CliRunner().invoke(app, ["audit", "--cloud", "fake", "--evidence", str(evidence)])
    assert result.exit_code == EXIT_FAILED
    assert "govcloud audit: cloud fake, observed" in result.output
    parsed = load_host_evidence(evidence, load_controls())
    assert parsed.observed_at.endswith("Z")
    assert {r.outcome for r in parsed.records} == {"passed", "failed"}


def test_unknown_cloud_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["audit", "--cloud", "nope"])
    assert result.exit_code == EXIT_USAGE
    assert "clouds there: fake" in result.output


def test_unknown_cloud_names_the_clouds_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clouds = tmp_path / "clouds.yaml"
    clouds.write_text("clouds:\n  alpha:\n    auth: {auth_url: 'http://127.0.0.1:1/v3'}\n")
    monkeypatch.setenv("GOVCLOUD_CLOUDS_YAML", str(clouds))
    with pytest.raises(connect_module.CloudNotFound, match=r"clouds\.yaml; clouds there: .*alpha"):
        REAL_CONNECT("nope")


def test_missing_plan_is_a_usage_error() -> None:
    result = run()
    assert result.exit_code == EXIT_USAGE
    assert "out/none.json" in result.output

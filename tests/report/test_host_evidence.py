"""Host evidence (`pytest tests/hosts ... --evidence FILE`) in the report: under the controls the
checks name, in report.json and on the page in both languages; a failing check fails the control's
host verdict (never its status) and is listed among the host findings; several files merge; a
malformed file is exit 2 naming the file and the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape
from typer.testing import CliRunner, Result

import govcloud.commands  # noqa: F401  (registers report on the app)
from govcloud.cli import EXIT_OK, EXIT_USAGE, app
from govcloud.report.build import Written
from govcloud.report.hostfile import HOST_EVIDENCE_FORMAT
from govcloud.report.i18n import EN, ZH

from .conftest import CATALOG, ROOT, Build

SSH = "tests/hosts/test_ssh.py::test_password_login_is_off"
AUDIT = "tests/hosts/test_auditd.py::test_auditd_runs"
CHRONY = "tests/hosts/test_time.py::test_chrony_follows_the_management_ntp"
FAIL_MESSAGE = "AssertionError: assert 'yes' == 'no'"


def record(check: str, controls: list[str], host: str, outcome: str = "passed", message: str = "") -> dict[str, Any]:
    doc = {SSH: "Password login over SSH is off.", AUDIT: "auditd runs and starts at boot."}.get(check, "")
    return {"check": check, "doc": doc, "controls": controls, "host": host, "outcome": outcome, "message": message}


def evidence(*records: dict[str, Any], observed_at: str = "2026-11-29T20:00:00Z") -> dict[str, Any]:
    """A host evidence document as tests/hosts/conftest.py writes it."""
    return {"format": HOST_EVIDENCE_FORMAT, "observed_at": observed_at, "records": list(records)}


def passing() -> dict[str, Any]:
    return evidence(
        record(SSH, ["L3-CEN-12", "L3-CEN-15"], "finance-budget-app-1"),
        record(SSH, ["L3-CEN-12", "L3-CEN-15"], "mgmt-bastion-1"),
        record(AUDIT, ["L3-CEN-05"], "finance-budget-app-1"),
        record(AUDIT, ["L3-CEN-05"], "mgmt-bastion-1", "skipped"),
    )


def failing() -> dict[str, Any]:
    """The VM's file: SSH fails on one parametrized case of the check on one host."""
    return evidence(
        record(SSH, ["L3-CEN-12", "L3-CEN-15"], "lab-vm-1", "passed"),
        record(SSH, ["L3-CEN-12", "L3-CEN-15"], "lab-vm-1", "failed", FAIL_MESSAGE),
        record(CHRONY, ["L3-SMC-04"], "lab-vm-1"),
        observed_at="2026-11-30T02:00:00+08:00",
    )


def write(path: Path, doc: Any) -> Path:
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def page(written: Written) -> str:
    return (written.files[0].parent / "index.html").read_text(encoding="utf-8")


def data(written: Written) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((written.files[0].parent / "report.json").read_text(encoding="utf-8"))
    return loaded


def control(report: dict[str, Any], cid: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in report["controls"] if c["id"] == cid)
    return found


def article(text: str, cid: str) -> str:
    start = text.index(f'<article class="control" id="{cid}">')
    return text[start : text.index("</article>", start)]


@pytest.fixture(scope="module")
def evidence_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("evidence")
    return write(folder / "lab.json", passing()), write(folder / "vm.json", failing())


@pytest.fixture(scope="module")
def passing_report(
    build: Build, evidence_files: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> Written:
    return build(tmp_path_factory.mktemp("hosts-en"), "en", host_evidence_paths=[evidence_files[0]])


@pytest.fixture(scope="module", params=["en", "zh"])
def merged_report(
    request: pytest.FixtureRequest,
    build: Build,
    evidence_files: tuple[Path, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Written:
    return build(
        tmp_path_factory.mktemp(f"hosts-merged-{request.param}"), request.param, host_evidence_paths=evidence_files
    )


# --- report.json ---------------------------------------------------------------------------------


def test_evidence_lands_under_the_controls_it_names(passing_report: Written, report_en: Written) -> None:
    report = data(passing_report)
    cen12 = control(report, "L3-CEN-12")
    assert cen12["host_verdict"] == "hosts pass"
    assert cen12["host_evidence"] == {
        "observed_at": "2026-11-29T20:00:00Z",
        "hosts": 2,
        "passed": 2,
        "failed": 0,
        "skipped": 0,
        "checks": [
            {
                "check": SSH,
                "doc": "Password login over SSH is off.",
                "host": host,
                "outcome": "passed",
                "message": "",
                "observed_at": "2026-11-29T20:00:00Z",
                "source": cen12["host_evidence"]["checks"][0]["source"],
            }
            for host in ("finance-budget-app-1", "mgmt-bastion-1")
        ],
    }
    assert cen12["host_evidence"]["checks"][0]["source"].endswith("lab.json")
    assert control(report, "L3-CEN-15")["host_evidence"] == cen12["host_evidence"]
    cen05 = control(report, "L3-CEN-05")["host_evidence"]
    assert (cen05["passed"], cen05["skipped"], cen05["hosts"]) == (1, 1, 2)
    # Controls no check names stay without evidence; statuses are the coverage's, as without evidence.
    assert control(report, "L3-CNS-01")["host_evidence"] is None
    assert control(report, "L3-CNS-01")["host_verdict"] == "no host evidence"
    plain = data(report_en)
    assert [c["status"] for c in report["controls"]] == [c["status"] for c in plain["controls"]]
    summary = report["host_evidence"]
    assert summary["hosts"] == 2 and summary["checks"] == 2
    assert (summary["passed"], summary["failed"], summary["skipped"]) == (3, 0, 1)
    assert [s["records"] for s in summary["sources"]] == [4]
    assert summary["verdicts"] == {"hosts pass": 3, "hosts fail": 0, "no host evidence": len(report["controls"]) - 3}
    assert report["host_findings"] == []


def test_checks_are_sorted_by_check_then_host(merged_report: Written) -> None:
    report = data(merged_report)
    for row in report["controls"]:
        if row["host_evidence"]:
            keys = [(c["check"], c["host"]) for c in row["host_evidence"]["checks"]]
            assert keys == sorted(keys), row["id"]


def test_a_failing_check_fails_the_verdict_and_is_a_finding(merged_report: Written, report_en: Written) -> None:
    report = data(merged_report)
    cen12 = control(report, "L3-CEN-12")
    assert cen12["host_verdict"] == "hosts fail"
    assert cen12["status"] == control(data(report_en), "L3-CEN-12")["status"]  # the status stays computed
    he = cen12["host_evidence"]
    assert (he["hosts"], he["passed"], he["failed"]) == (3, 2, 1)
    assert he["observed_at"] == "2026-11-30T02:00:00+08:00"  # the oldest: 2026-11-29T18:00Z, before 20:00Z
    vm = next(c for c in he["checks"] if c["host"] == "lab-vm-1")
    assert vm["outcome"] == "failed" and vm["message"] == FAIL_MESSAGE  # one failing case fails the check
    assert control(report, "L3-SMC-04")["host_verdict"] == "hosts pass"
    assert control(report, "L3-CEN-05")["host_verdict"] == "hosts pass"
    assert report["host_findings"] == [
        {
            "check": SSH,
            "doc": "Password login over SSH is off.",
            "host": "lab-vm-1",
            "outcome": "failed",
            "message": FAIL_MESSAGE,
            "observed_at": "2026-11-30T02:00:00+08:00",
            "source": report["host_findings"][0]["source"],
            "controls": ["L3-CEN-12", "L3-CEN-15"],
        }
    ]
    summary = report["host_evidence"]
    assert [Path(s["path"]).name for s in summary["sources"]] == ["lab.json", "vm.json"]
    assert summary["hosts"] == 3 and summary["failing_hosts"] == ["lab-vm-1"]
    assert (summary["passed"], summary["failed"]) == (4, 1)
    assert summary["verdicts"]["hosts fail"] == 2


def test_the_most_recent_observation_of_a_check_on_a_host_wins(build: Build, tmp_path: Path) -> None:
    old = write(tmp_path / "old.json", evidence(record(SSH, ["L3-CEN-12"], "h1", "failed", "boom")))
    new = write(tmp_path / "new.json", evidence(record(SSH, ["L3-CEN-12"], "h1"), observed_at="2026-11-30T09:00:00Z"))
    for order in ([old, new], [new, old]):
        report = data(build(tmp_path / "out", "en", host_evidence_paths=order))
        assert control(report, "L3-CEN-12")["host_verdict"] == "hosts pass", order
        assert report["host_findings"] == []


# --- the page ------------------------------------------------------------------------------------


def test_the_page_shows_each_controls_host_table(merged_report: Written) -> None:
    report = data(merged_report)
    words = EN if report["lang"] == "en" else ZH
    text = page(merged_report)
    cen12 = article(text, "L3-CEN-12")
    assert words["host_verdict_hosts fail"] in cen12
    assert '<table class="hostev">' in cen12
    for shown in ("finance-budget-app-1", "mgmt-bastion-1", "lab-vm-1", SSH, "2026-11-29T20:00:00Z"):
        assert shown in cen12, shown
    assert str(escape(FAIL_MESSAGE)) in cen12
    assert cen12.count(f">{words['outcome_passed']}<") == 2 and cen12.count(f">{words['outcome_failed']}<") == 1
    smc04 = article(text, "L3-SMC-04")
    assert words["host_verdict_hosts pass"] in smc04 and CHRONY in smc04
    cns01 = article(text, "L3-CNS-01")
    assert '<table class="hostev">' not in cns01 and words["host_none_for_control"] in cns01


def test_a_failing_check_cannot_be_missed_on_the_page(merged_report: Written) -> None:
    words = EN if data(merged_report)["lang"] == "en" else ZH
    text = page(merged_report)
    head = text[: text.index('<section id="summary">')]
    # the header line and an alert before the summary
    assert words["host_summary_line"].format(hosts=3, checks=3, passed=4, failed=1) in head
    assert 'id="host-alert"' in head and "lab-vm-1" in head
    # the overview row, and the findings table in the violations section
    overview = text[
        text.index('<table class="overview">') : text.index("</table>", text.index('<table class="overview">'))
    ]
    assert overview.count('class="badge hv-fail"') == 2
    findings = text[text.index('id="host-findings"') : text.index('<section id="waivers">')]
    assert "lab-vm-1" in findings and str(escape(FAIL_MESSAGE)) in findings and 'href="#L3-CEN-15"' in findings


def test_a_passing_page_has_no_alert_and_says_nothing_fails(passing_report: Written) -> None:
    text = page(passing_report)
    assert 'id="host-alert"' not in text and 'class="badge hv-fail"' not in text
    assert EN["host_findings_none"] in text
    assert EN["host_summary_line"].format(hosts=2, checks=2, passed=3, failed=0) in text
    assert "<script" not in text.lower()


def test_without_evidence_the_page_says_none_was_given(report_en: Written, report_zh: Written) -> None:
    for written, words in ((report_en, EN), (report_zh, ZH)):
        text = page(written)
        assert words["host_none_given"] in text
        assert '<table class="hostev">' not in text and 'id="host-alert"' not in text


# --- the command line ----------------------------------------------------------------------------


@pytest.fixture()
def in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def report(plan_file: Path, isolation_file: Path, out: Path, *evidence_files: Path) -> Result:
    args = ["report", "--catalog", str(CATALOG), "--plan", str(plan_file), "--isolation", str(isolation_file)]
    for path in evidence_files:
        args += ["--host-evidence", str(path)]
    return CliRunner().invoke(app, [*args, "--out", str(out)])


def test_the_command_merges_repeated_files(
    plan_file: Path, isolation_file: Path, evidence_files: tuple[Path, Path], tmp_path: Path, in_root: None
) -> None:
    result = report(plan_file, isolation_file, tmp_path, *evidence_files)
    assert result.exit_code == EXIT_OK, result.output
    assert "hosts: 4 passed, 1 FAILED on 1 host(s)" in result.output
    loaded = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert len(loaded["host_evidence"]["sources"]) == 2 and loaded["host_findings"]


def test_the_command_without_evidence_says_so(
    plan_file: Path, isolation_file: Path, tmp_path: Path, in_root: None
) -> None:
    result = report(plan_file, isolation_file, tmp_path)
    assert result.exit_code == EXIT_OK, result.output
    assert "no host evidence" in result.output


def _with(change: str) -> Any:
    doc = passing()
    if change == "format":
        doc["format"] = "govcloud.check/v1"
    elif change == "observed_at":
        doc["observed_at"] = "yesterday"
    elif change == "records":
        doc["records"] = {}
    elif change == "missing":
        del doc["records"][1]["host"]
    elif change == "outcome":
        doc["records"][3]["outcome"] = "ok"
    elif change == "control":
        doc["records"][2]["controls"] = ["L3-CEN-05", "L3-XYZ-99"]
    elif change == "no controls":
        doc["records"][0]["controls"] = []
    elif change == "record":
        doc["records"][0] = "passed"
    return doc


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "hosts.json:1: not valid JSON"),
        ("[]", "hosts.json: format: not a host evidence file (format 'list', expected 'govcloud.host-evidence/v1'"),
        (_with("format"), "hosts.json: format: not a host evidence file (format 'govcloud.check/v1'"),
        (_with("observed_at"), "hosts.json: observed_at: must be an ISO 8601 time with its zone"),
        (_with("records"), "hosts.json: records: must be a list"),
        (_with("missing"), "hosts.json: records[1].host: missing"),
        (_with("outcome"), "hosts.json: records[3].outcome: must be passed, failed or skipped (got 'ok')"),
        (
            _with("control"),
            "hosts.json: records[2].controls[1]: unknown control 'L3-XYZ-99' (not in policies/controls.yaml)",
        ),
        (_with("no controls"), "hosts.json: records[0].controls: must be a non-empty list of control ids"),
        (_with("record"), "hosts.json: records[0]: must be a mapping"),
    ],
    ids=[
        "not-json",
        "not-an-object",
        "format",
        "observed_at",
        "records",
        "missing-field",
        "outcome",
        "unknown-control",
        "no-controls",
        "record",
    ],
)
def test_a_malformed_evidence_file_is_exit_2(
    plan_file: Path, isolation_file: Path, tmp_path: Path, in_root: None, content: Any, expected: str
) -> None:
    bad = write(tmp_path / "hosts.json", content)
    result = report(plan_file, isolation_file, tmp_path / "out", bad)
    assert result.exit_code == EXIT_USAGE, result.output
    assert expected in " ".join(result.output.split()), result.output
    assert not (tmp_path / "out").exists()  # a bad file fails before anything is written


def test_a_missing_evidence_file_names_the_command(
    plan_file: Path, isolation_file: Path, tmp_path: Path, in_root: None
) -> None:
    result = report(plan_file, isolation_file, tmp_path / "out", tmp_path / "hosts.json")
    assert result.exit_code == EXIT_USAGE
    assert "host evidence not found: run pytest tests/hosts" in " ".join(result.output.split())


def test_the_page_with_host_evidence_loads_cleanly_in_chromium(merged_report: Written, tmp_path: Path) -> None:
    from .test_report_browser import WINDOW, png_size, screenshot

    folder = merged_report.files[0].parent
    png = folder / "screenshot-hosts.png"
    shot = screenshot(folder / "index.html", png, tmp_path / "profile")
    assert shot.console == [], "\n".join(shot.console)
    assert png_size(png) == WINDOW

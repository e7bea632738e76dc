"""`govcloud check` over the sample plan: clean as planned; a seeded violation fails it; the pack
config, waivers (active and expired) and every output format behave as docs/check-format.md says."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from govcloud.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE

from .conftest import Plan, check, finance_sec_group, keep_default_egress
from .sarif_shape import sarif_problems

Seed = Callable[[Callable[[Plan], None]], Path]


def waivers_file(tmp_path: Path, *entries: dict[str, str]) -> Path:
    lines = ["waivers:"]
    for entry in entries:
        lines.append(f"  - policy: {entry['policy']}")
        lines += [f"    {key}: {value}" for key, value in entry.items() if key != "policy"]
    path = tmp_path / "waivers.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def waiver(resource: str, expires: str, policy: str = "GC-SG-01") -> dict[str, str]:
    return {
        "policy": policy,
        "resource": f'"{resource}"',
        "reason": "legacy gateway during migration wave 2",
        "approver": "科技信息中心 (科信发〔2026〕7号)",
        "expires": expires,
    }


def as_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = check(*args, "--format", "json")
    assert result.exit_code in (EXIT_OK, EXIT_FAILED), result.output
    return result.exit_code, json.loads(result.stdout)


def text_report(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    """(exit code, the text report written with --out, what was printed)."""
    out = tmp_path / "report.txt"
    result = check(*args, "--out", str(out))
    return result.exit_code, out.read_text(encoding="utf-8"), result.output


# --- the sample zone -----------------------------------------------------------------------


def test_the_sample_zone_checks_clean(plan_file: Path, tmp_path: Path) -> None:
    code, report = as_json("--plan", str(plan_file))
    blocking = [v for v in report["violations"] if v["blocking"]]
    assert code == EXIT_OK and not blocking, json.dumps(blocking, indent=1, ensure_ascii=False)
    assert report["summary"]["passed"] and report["summary"]["resources"] > 1000
    assert report["plan"]["catalog"]["matches"]
    assert report["config"]["path"] == "policies/config.json"
    # the sample waiver (an advisory policy for the management tenant's Debian hosts) is listed
    assert report["waivers_file"] == "catalog/waivers.yaml"
    [sample] = report["waivers"]
    assert sample["status"] == "active" and sample["resource"] == "mgmt-*"
    assert all(c["name"].startswith("mgmt-") for c in sample["covers"])
    waived = [v for v in report["violations"] if v["waived_by"]]
    assert all(v["waived_by"]["line"] == sample["line"] for v in waived)
    code, text, printed = text_report(tmp_path, "--plan", str(plan_file))
    assert code == EXIT_OK and "PASSED" in printed
    assert f"catalog/waivers.yaml:{sample['line']} {sample['policy']} mgmt-* active until" in text


# --- a seeded violation, the pack config and waivers ----------------------------------------


def test_a_seeded_violation_fails_naming_its_policy(seeded: Seed, tmp_path: Path) -> None:
    plan = seeded(keep_default_egress)
    code, report = as_json("--plan", str(plan))
    assert code == EXIT_FAILED
    blocking = [v for v in report["violations"] if v["blocking"]]
    assert {v["policy"] for v in blocking} == {"GC-SG-01"}, blocking
    [violation] = blocking
    assert violation["tenant"] == "finance" and violation["enforcement"] == "mandatory"
    assert violation["name"].startswith("finance-") and violation["urn"].endswith("::" + violation["name"])
    assert violation["title_zh"] and violation["title_en"] and "L3-ABD-02" in violation["controls"]
    assert violation["waived_by"] is None and violation["expired_waiver"] is None
    code, text, printed = text_report(tmp_path, "--plan", str(plan))
    assert code == EXIT_FAILED and "FAILED" in printed
    assert "FAIL" in text and "GC-SG-01" in text and violation["name"] in text


def test_an_advisory_level_turns_the_violation_into_a_warning(seeded: Seed, tmp_path: Path) -> None:
    plan = seeded(keep_default_egress)
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"GC-SG-01": {"enforcementLevel": "advisory"}}), encoding="utf-8")
    code, report = as_json("--plan", str(plan), "--config", str(config))
    assert code == EXIT_OK
    assert [(v["enforcement"], v["blocking"]) for v in report["violations"] if v["policy"] == "GC-SG-01"] == [
        ("advisory", False)
    ]
    assert report["summary"]["blocking"] == 0
    assert report["config"]["levels"]["GC-SG-01"] == "advisory"
    code, text, _ = text_report(tmp_path, "--plan", str(plan), "--config", str(config))
    assert code == EXIT_OK and "warning" in text and "GC-SG-01" in text
    # `all` applies to every policy without its own entry; `disabled` does not evaluate it
    config.write_text(json.dumps({"all": "disabled"}), encoding="utf-8")
    code, report = as_json("--plan", str(plan), "--config", str(config))
    assert code == EXIT_OK and report["violations"] == [] and report["summary"]["policies"] == 0


def test_an_active_waiver_waives_and_shows(seeded: Seed, sample_plan: Plan, tmp_path: Path) -> None:
    plan = seeded(keep_default_egress)
    name = finance_sec_group(sample_plan)["name"]
    waivers = waivers_file(tmp_path, waiver(name, "2999-12-31"))
    code, report = as_json("--plan", str(plan), "--waivers", str(waivers))
    assert code == EXIT_OK
    [violation] = [v for v in report["violations"] if v["policy"] == "GC-SG-01"]
    assert violation["blocking"] is False
    assert violation["waived_by"]["line"] == 2 and violation["waived_by"]["expires"] == "2999-12-31"
    [listed] = report["waivers"]
    assert listed["status"] == "active" and [c["name"] for c in listed["covers"]] == [name]
    code, text, _ = text_report(tmp_path, "--plan", str(plan), "--waivers", str(waivers))
    assert code == EXIT_OK and "waived (line 2)" in text and "waives 1:" in text


def test_a_waiver_matches_a_urn_glob_and_holds_through_its_last_day(seeded: Seed, tmp_path: Path) -> None:
    plan = seeded(keep_default_egress)
    waivers = waivers_file(tmp_path, waiver("urn:pulumi:lab::govcloud::*SecGroup::finance-*", "2030-06-30"))
    assert check("--plan", str(plan), "--waivers", str(waivers), "--today", "2030-06-30").exit_code == EXIT_OK
    assert check("--plan", str(plan), "--waivers", str(waivers), "--today", "2030-07-01").exit_code == EXIT_FAILED


def test_an_expired_waiver_does_not_waive(seeded: Seed, sample_plan: Plan, tmp_path: Path) -> None:
    plan = seeded(keep_default_egress)
    name = finance_sec_group(sample_plan)["name"]
    waivers = waivers_file(tmp_path, waiver("no-such-sg", "2025-12-31"), waiver(name, "2026-01-31"))
    code, report = as_json("--plan", str(plan), "--waivers", str(waivers), "--today", "2026-02-01")
    assert code == EXIT_FAILED
    [violation] = [v for v in report["violations"] if v["policy"] == "GC-SG-01"]
    assert violation["blocking"] and violation["waived_by"] is None
    assert violation["expired_waiver"]["line"] == 7
    assert [(w["policy"], w["status"], len(w["covers"])) for w in report["waivers"]] == [
        ("GC-SG-01", "expired", 0),
        ("GC-SG-01", "expired", 1),
    ]
    code, text, _ = text_report(tmp_path, "--plan", str(plan), "--waivers", str(waivers), "--today", "2026-02-01")
    assert code == EXIT_FAILED
    assert "waiver line 7 expired" in text and "EXPIRED on 2026-01-31" in text and "no longer waives 1" in text


# --- output formats ------------------------------------------------------------------------


def test_sarif_carries_rules_results_and_suppressions(seeded: Seed, sample_plan: Plan, tmp_path: Path) -> None:
    def two_violations(plan: Plan) -> None:
        keep_default_egress(plan)
        other = next(
            r
            for r in plan["resources"]
            if r["type"] == "openstack:networking/secGroup:SecGroup" and r["tenant"] == "portal"
        )
        other["inputs"]["deleteDefaultRules"] = False

    plan = seeded(two_violations)
    name = finance_sec_group(sample_plan)["name"]
    waivers = waivers_file(tmp_path, waiver(name, "2999-12-31"))
    out = tmp_path / "check.sarif"
    result = check("--plan", str(plan), "--waivers", str(waivers), "--format", "sarif", "--out", str(out))
    assert result.exit_code == EXIT_FAILED, result.output  # portal's is not waived
    log = json.loads(out.read_text(encoding="utf-8"))
    assert sarif_problems(log) == []
    run = log["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    sg = rules["GC-SG-01"]
    assert sg["defaultConfiguration"]["level"] == "error"
    assert sg["help"]["text"] and sg["shortDescription"]["text"] and sg["fullDescription"]["text"]
    assert sg["properties"]["severity"] and "L3-ABD-02" in sg["properties"]["controls"]
    results = [r for r in run["results"] if r["ruleId"] == "GC-SG-01"]
    by_tenant = {r["properties"]["tenant"]: r for r in results}
    assert set(by_tenant) == {"finance", "portal"}
    waived, failing = by_tenant["finance"], by_tenant["portal"]
    assert waived["level"] == "error" and waived["suppressions"][0]["kind"] == "external"
    assert "suppressions" not in failing
    location = failing["locations"][0]
    assert location["logicalLocations"][0]["fullyQualifiedName"].startswith("urn:pulumi:lab::govcloud::")
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "catalog/tenants/portal.yaml"
    assert [w["status"] for w in run["properties"]["waivers"]] == ["active"]
    # advisory results are warnings
    config = tmp_path / "config.json"
    config.write_text('{"GC-SG-01": "advisory"}', encoding="utf-8")
    printed = check("--plan", str(plan), "--config", str(config), "--format", "sarif")
    assert printed.exit_code == EXIT_OK
    advisory = json.loads(printed.stdout)
    assert sarif_problems(advisory) == []
    assert {r["level"] for r in advisory["runs"][0]["results"] if r["ruleId"] == "GC-SG-01"} == {"warning"}


def test_json_is_the_documented_shape(seeded: Seed) -> None:
    _, report = as_json("--plan", str(seeded(keep_default_egress)))
    assert report["format"] == "govcloud.check/v1"
    assert set(report) == {
        "format", "date", "plan", "config", "waivers_file", "facts_file_stale", "summary", "violations", "waivers",
    }  # fmt: skip
    assert report["facts_file_stale"] is False, "policies/facts.json is the sample catalog's"
    assert set(report["violations"][0]) == {
        "policy", "title_en", "title_zh", "severity", "enforcement", "controls", "urn", "name", "tenant",
        "message", "blocking", "waived_by", "expired_waiver",
    }  # fmt: skip
    summary = report["summary"]
    assert summary["violations"] == len(report["violations"]) and summary["blocking"] >= 1
    assert not summary["passed"]


# --- bad input: exit 2 with a clear message -------------------------------------------------


def test_no_plan_yet_says_how_to_make_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = check()
    assert result.exit_code == EXIT_USAGE
    assert "run govcloud plan --out out/plan.json first" in result.output


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "plan file not found"),
        ("{not json", "not valid JSON"),
        ('{"format": "something/v9", "resources": []}', "not an offline plan"),
        ('{"format": "govcloud.plan/v1", "resources": [{"urn": 1}]}', "resources[0]: needs urn, type and name"),
    ],
)
def test_a_bad_plan_is_refused(tmp_path: Path, content: str | None, words: str) -> None:
    path = tmp_path / "plan.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = check("--plan", str(path))
    assert result.exit_code == EXIT_USAGE and words in result.output, result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("config", "words"),
    [
        ({"GC-NOPE-01": "advisory"}, "GC-NOPE-01: not a policy of the pack"),
        ({"GC-SG-01": "sometimes"}, "'sometimes' is not an enforcement level"),
        ({"GC-SG-01": "remediate"}, "'remediate' is not an enforcement level"),
        ({"GC-SG-01": {"enforcementLevel": "advisory", "ports": [22]}}, "ports: unknown property"),
        (["GC-SG-01"], "must be a JSON object"),
    ],
)
def test_a_bad_pack_config_is_refused(plan_file: Path, tmp_path: Path, config: Any, words: str) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    result = check("--plan", str(plan_file), "--config", str(path))
    assert result.exit_code == EXIT_USAGE and words in result.output, result.output


GOOD = {
    "policy": "GC-SG-01",
    "resource": "x",
    "reason": "r",
    "approver": "a",
    "expires": "2027-01-01",
}


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({k: v for k, v in GOOD.items() if k != "approver"}, "waivers.yaml:2: waivers[0].approver: required field"),
        ({**GOOD, "policy": "GC-NOPE-01"}, "waivers.yaml:2: waivers[0].policy: 'GC-NOPE-01' is not a policy"),
        ({**GOOD, "policy": "sg-01"}, "waivers.yaml:2: waivers[0].policy: 'sg-01' is not allowed"),
        ({**GOOD, "expires": "2027-02-30"}, "waivers.yaml:6: YAML syntax: '2027-02-30' is not a valid timestamp"),
        ({**GOOD, "expires": "next year"}, "waivers.yaml:6: waivers[0].expires:"),
        ({**GOOD, "ticket": "T-1"}, "waivers.yaml:7: waivers[0].ticket: unknown field (allowed: policy, resource"),
        ({**GOOD, "reason": '""'}, "waivers.yaml:4: waivers[0].reason: '' is too short"),
    ],
)
def test_a_bad_waivers_file_is_refused_with_file_and_line(
    plan_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: dict[str, str], expected: str
) -> None:
    monkeypatch.chdir(tmp_path)  # errors name the file relative to the working directory
    path = waivers_file(tmp_path, entry)
    result = check("--plan", str(plan_file), "--waivers", path.name)
    assert result.exit_code == EXIT_USAGE, result.output
    assert expected in result.output, result.output
    assert "Traceback" not in result.output


def test_a_waivers_file_must_exist_and_hold_a_list(plan_file: Path, tmp_path: Path) -> None:
    missing = check("--plan", str(plan_file), "--waivers", str(tmp_path / "none.yaml"))
    assert missing.exit_code == EXIT_USAGE and "waivers file not found" in missing.output
    path = tmp_path / "w.yaml"
    path.write_text("waivers: GC-SG-01\n", encoding="utf-8")
    bad = check("--plan", str(plan_file), "--waivers", str(path))
    assert bad.exit_code == EXIT_USAGE and "w.yaml:1: waivers:" in bad.output and "a list" in bad.output


def test_a_bad_date_for_today_is_refused(plan_file: Path) -> None:
    result = check("--plan", str(plan_file), "--today", "31.12.2026")
    assert result.exit_code == EXIT_USAGE and "is not a date" in result.output

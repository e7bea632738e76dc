"""The controls catalog: complete, well formed, and naming every control the rules cite."""

from __future__ import annotations

from pathlib import Path

import pytest
from pulumi_policy import EnforcementLevel, Severity

from policies.mlps.controls import (
    CATEGORIES,
    ENFORCED,
    NOT_AUTOMATED,
    PARTLY,
    ControlsError,
    coverage,
    load_controls,
    parse_controls,
    unknown_controls,
)
from policies.mlps.registry import all_rules
from policies.mlps.rule import Rule

CONTROLS = load_controls()
TESTS = Path(__file__).resolve().parents[1]

# The ids the rules may cite (issue 3): each must stay in the catalog.
REQUIRED_IDS = [
    *(f"L3-CNS-{n:02d}" for n in range(1, 6)),
    *(f"L3-ABD-{n:02d}" for n in range(1, 8)),
    *(f"L3-CEN-{n:02d}" for n in range(1, 11)),
    *(f"L3-SMC-{n:02d}" for n in range(1, 6)),
    *(f"L3-CLD-{n:02d}" for n in range(1, 4)),
    "GOV-01",
]
CLOUD_EXTENSION = ["L3-CNS-04", "L3-CNS-05", "L3-ABD-06", "L3-ABD-07", "L3-CLD-01", "L3-CLD-02", "L3-CLD-03"]


def test_every_control_a_rule_names_is_in_the_catalog() -> None:
    assert unknown_controls(all_rules(), CONTROLS) == {}


def test_the_catalog_holds_the_required_ids() -> None:
    assert set(REQUIRED_IDS) <= set(CONTROLS), sorted(set(REQUIRED_IDS) - set(CONTROLS))


@pytest.mark.parametrize("control_id", list(CONTROLS))
def test_each_control_has_its_fields(control_id: str) -> None:
    control = CONTROLS[control_id]
    assert control.category in CATEGORIES
    assert control.text_zh.strip() and control.text_en.strip()
    assert control.plan_clause.startswith(("四(", "三", "五(")), control.plan_clause
    if control.clause is None:
        assert control.note, "an unconfirmed clause is explained in a note"
    else:
        expected = "8.2." if control.category == "云计算安全扩展要求" else "8.1."
        assert control.clause.startswith(expected), control.clause
    # host_checks and tests mirror the markers of tests/hosts and tests/trust:
    # tests/check/test_host_checks_declared.py. Each test named is one that exists.
    for test in control.tests:
        file, _, name = test.partition("::")
        assert file.startswith("trust/test_") and f"def {name}(" in (TESTS / file).read_text(), test


def test_categories_follow_the_ids() -> None:
    for control in CONTROLS.values():
        if control.id in CLOUD_EXTENSION:
            assert control.category == "云计算安全扩展要求", control.id
        elif control.id.startswith("GOV-"):
            assert control.category == "政务要求"
        else:
            area = control.id.split("-")[1]
            assert (
                control.category
                == {
                    "CNS": "安全通信网络",
                    "ABD": "安全区域边界",
                    "CEN": "安全计算环境",
                    "SMC": "安全管理中心",
                }[area]
            ), control.id


def _rule(rule_id: str, level: EnforcementLevel, *controls: str) -> Rule:
    return Rule(
        id=rule_id,
        title_zh="测试",
        title_en="test",
        severity=Severity.LOW,
        enforcement=level,
        controls=controls,
        rationale="",
        remediation="",
        violate=lambda stack: stack,
        stack_check=lambda resources, facts: [],
    )


def test_coverage_is_computed_from_the_rules() -> None:
    rules = [
        _rule("GC-T-01", EnforcementLevel.MANDATORY, "L3-ABD-02"),
        _rule("GC-T-02", EnforcementLevel.ADVISORY, "L3-ABD-02", "L3-CLD-02"),
        _rule("GC-T-03", EnforcementLevel.DISABLED, "L3-CEN-08"),
    ]
    by_id = {c.control.id: c for c in coverage(rules, CONTROLS)}
    assert list(by_id) == list(CONTROLS), "catalog order"
    assert by_id["L3-ABD-02"].status == ENFORCED
    assert by_id["L3-ABD-02"].policies == ("GC-T-01", "GC-T-02")
    assert by_id["L3-CLD-02"].status == PARTLY and by_id["L3-CLD-02"].advisory == ("GC-T-02",)
    assert by_id["L3-CEN-08"].status == NOT_AUTOMATED, "a disabled policy implements nothing"
    # the pack config moves a rule between levels, and the status with it
    demoted = {c.control.id: c for c in coverage(rules, CONTROLS, {"GC-T-01": "advisory"})}
    assert demoted["L3-ABD-02"].status == PARTLY


def test_host_checks_alone_make_a_control_partly_automated() -> None:
    data = {
        "format": "govcloud.controls/v1",
        "controls": [
            {
                "id": "L3-CEN-11",
                "category": "安全计算环境",
                "clause": "8.1.4.1 b)",
                "text_zh": "登录失败处理",
                "text_en": "Failed logins are handled.",
                "plan_clause": "四(一)1",
                "host_checks": ["HC-PAM-01"],
                "tests": [],
            }
        ],
    }
    [cov] = coverage([], parse_controls(data))
    assert cov.status == PARTLY and cov.host_checks == ("HC-PAM-01",)


def test_a_malformed_catalog_reports_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "controls.yaml"
    path.write_text(
        "format: govcloud.controls/v1\n"
        "controls:\n"
        "  - id: L3-XYZ-01\n"
        "    category: 安全通信网络\n"
        "    clause: clause 5\n"
        "    text_zh: 甲\n"
        "    text_en: a\n"
        "    plan_clause: 四(一)1\n"
        "    host_checks: []\n"
        "  - id: GOV-02\n"
        "    category: 其他\n"
        "    clause: null\n"
        "    text_zh: 乙\n"
        "    text_en: b\n"
        "    plan_clause: 四(三)13\n"
        "    host_checks: []\n"
        "    tests: []\n"
        "    implementers: [GC-SG-01]\n",
        encoding="utf-8",
    )
    with pytest.raises(ControlsError) as caught:
        load_controls(path)
    text = "\n".join(caught.value.problems)
    for needle in (
        "controls[0] (L3-XYZ-01): tests: required field is missing",
        "controls[0] (L3-XYZ-01): id:",
        "controls[0] (L3-XYZ-01): clause: 'clause 5'",
        "controls[1] (GOV-02): category: '其他'",
        "controls[1] (GOV-02): note: required when clause is null",
        "controls[1] (GOV-02): implementers: unknown field",
    ):
        assert needle in text, text


def test_a_key_given_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "controls.yaml"
    path.write_text("format: govcloud.controls/v1\nformat: x\ncontrols: []\n", encoding="utf-8")
    with pytest.raises(ControlsError, match="given twice"):
        load_controls(path)

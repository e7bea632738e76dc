"""Bad input to `govcloud inventory`: exit 2, one clear line naming the file and the place."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from govcloud.inventory import InventoryError, build_inventory, parse_hosts
from govcloud.plan.document import dumps
from inventory.helpers import run_inventory


def write_plan(tmp_path: Path, plan: dict[str, Any]) -> Path:
    path = tmp_path / "plan.json"
    path.write_text(dumps(plan), encoding="utf-8")
    return path


def assert_usage_error(args: list[str], *fragments: str, input: str | None = None) -> None:
    result = run_inventory(*args, input=input)
    assert result.exit_code == 2, result.output
    for fragment in fragments:
        assert fragment in result.output, result.output


def test_missing_plan(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    assert_usage_error(["--plan", str(missing)], "plan file not found: run govcloud plan --out")
    assert not (tmp_path / "inventories").exists()


def test_not_a_plan(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text('{"format": "something/v9"}', encoding="utf-8")
    assert_usage_error(["--plan", str(path)], "not an offline plan")


def test_plan_without_outputs_hosts(tmp_path: Path, sample_plan: dict[str, Any]) -> None:
    plan = copy.deepcopy(sample_plan)
    del plan["outputs"]["hosts"]
    assert_usage_error(["--plan", str(write_plan(tmp_path, plan))], "outputs.hosts: missing", "re-run govcloud plan")
    del plan["outputs"]
    assert_usage_error(["--plan", str(write_plan(tmp_path, plan))], "outputs.hosts: missing")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"mlps_level": 7}, "hosts.finance-budget-app-1.mlps_level: must be an MLPS level 1-4 (got 7)"),
        ({"zones": []}, "hosts.finance-budget-app-1.zones: must be a non-empty list"),
        ({"addresses": {}}, "hosts.finance-budget-app-1.addresses: must map each network"),
        ({"role": ""}, "hosts.finance-budget-app-1.role: must be non-empty text"),
    ],
)
def test_malformed_host(tmp_path: Path, sample_plan: dict[str, Any], entry: dict[str, Any], message: str) -> None:
    plan = copy.deepcopy(sample_plan)
    plan["outputs"]["hosts"]["finance-budget-app-1"].update(entry)
    assert_usage_error(["--plan", str(write_plan(tmp_path, plan))], message)


def test_unknown_tenant(plan_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "hosts.yml"
    assert_usage_error(
        ["--plan", str(plan_file), "--out", str(out), "--tenant", "finance", "--tenant", "treasury"],
        "--tenant: 'treasury' is not a tenant with hosts (allowed: audit, base-data,",
    )
    assert not out.exists()


def test_one_source_only(plan_file: Path, stack_output_file: Path) -> None:
    assert_usage_error(
        ["--plan", str(plan_file), "--stack-output", str(stack_output_file)], "give one source, not both"
    )


def test_bad_stack_output(tmp_path: Path) -> None:
    assert_usage_error(["--stack-output", str(tmp_path / "none.json")], "none.json: stack output", "not found")
    assert_usage_error(["--stack-output", "-"], "<stdin>:1: not valid JSON", input="{")
    assert_usage_error(["--stack-output", "-"], "<stdin>: no `hosts` output", input=json.dumps({"projects": {}}))


def test_two_things_may_not_share_a_group_name() -> None:
    def host(tenant: str, group: str) -> dict[str, Any]:
        return {
            "tenant": tenant,
            "group": group,
            "role": "app",
            "mlps_level": 3,
            "zones": ["intranet"],
            "addresses": {"app": "10.10.0.10"},
        }

    hosts = parse_hosts({"a-b-x": host("a-b", "c"), "a-y": host("a", "b-c")}, "test")
    with pytest.raises(
        InventoryError,
        match="host group a-b/c and host group a/b-c both map to the Ansible group group_a_b_c: rename one",
    ):
        build_inventory(hosts)

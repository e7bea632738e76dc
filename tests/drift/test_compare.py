"""Drift's pure parts: plan records from a tiny plan, matching and field-by-field comparison, rendering.

No cloud needed: the live side is written as records by hand.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from govcloud.drift.compare import CHANGED, MISSING, UNEXPECTED, compare, compare_fields
from govcloud.drift.render import DRIFT_FORMAT, to_json, to_text
from govcloud.live.model import Record, rule_key
from govcloud.live.planned import PlanShapeError, planned_records

STACK = "urn:pulumi:lab::govcloud::"


def res(type_: str, name: str, inputs: dict[str, Any], provider: str | None = None) -> dict[str, Any]:
    return {
        "urn": f"{STACK}{type_}::{name}",
        "type": type_,
        "name": name,
        "custom": True,
        "provider": provider,
        "inputs": inputs,
        "propertyDependencies": {},
    }


PROJECT = res("openstack:identity/project:Project", "fin-project", {"name": "fin", "tags": ["govcloud", "mlps:3"]})
SG = res(
    "openstack:networking/secGroup:SecGroup",
    "fin-app-sg",
    {"name": "fin-app", "description": "default deny", "tenantId": "fin-project-project-id", "tags": ["govcloud"]},
)
RULE = res(
    "openstack:networking/secGroupRule:SecGroupRule",
    "fin-app-ingress-tcp-22",
    {
        "securityGroupId": "fin-app-sg-secgroup-id",
        "tenantId": "fin-project-project-id",
        "direction": "ingress",
        "ethertype": "IPv4",
        "protocol": "tcp",
        "portRangeMin": 22,
        "portRangeMax": 22,
        "remoteIpPrefix": "10.30.2.10/32",
        "description": "flow bastion-ssh",
    },
)
PROVIDER = res("pulumi:providers:openstack", "fin-provider", {"tenantId": "fin-project-project-id"})
VOLUME = res(
    "openstack:blockstorage/volume:Volume",
    "fin-db-data",
    {"name": "fin-db-data", "size": 10, "volumeType": "encrypted", "metadata": {"mlps_level": "3"}},
    provider=PROVIDER["urn"],
)
PORT = res(
    "openstack:networking/port:Port",
    "exit-port",
    {
        "name": "exit-backbone",
        "networkId": "getNetwork-backbone",
        "fixedIps": [{"subnetId": "getSubnet-10.20.255.0/24", "ipAddress": "10.20.255.1"}],
    },
)


def plan(*resources: dict[str, Any]) -> dict[str, Any]:
    deployer = {"token": "openstack:identity/getUser:getUser", "args": {"name": "dep"}}
    return {"resources": list(resources), "lookups": [deployer]}


def records() -> list[Record]:
    return planned_records(plan(PROJECT, SG, RULE, PROVIDER, VOLUME, PORT)).records


def by_kind(kind: str) -> Record:
    return next(r for r in records() if r.kind == kind)


def test_plan_references_become_names_within_the_project() -> None:
    rule = by_kind("security_group_rule")
    assert rule.key == ("fin", "fin-app", "ingress", "IPv4", "tcp", "22-22", "10.30.2.10/32")
    assert rule.source == RULE["urn"]
    # a volume made through the tenant's provider lives in the provider's project
    assert by_kind("volume").key == ("fin", "fin-db-data")
    # no tenantId, no provider: the admin's project; a looked-up subnet is named by its CIDR
    port = by_kind("port")
    assert port.key == ("admin", "exit-backbone")
    assert port.fields["fixed_ips"] == [["10.20.255.0/24", "10.20.255.1"]]
    assert port.fields["network"] == "backbone"


def test_providers_are_skipped_and_deployer_read_from_lookups() -> None:
    result = planned_records(plan(PROJECT, PROVIDER))
    assert result.skipped == {"pulumi:providers:openstack": 1}
    assert result.deployer_user == "dep"


def test_a_dangling_reference_names_resource_and_input() -> None:
    broken = res("openstack:networking/secGroup:SecGroup", "x-sg", {"name": "x", "tenantId": "nope-project-id"})
    with pytest.raises(PlanShapeError, match=r"x-sg: inputs.tenantId: 'nope-project-id'"):
        planned_records(plan(broken))


def test_an_unknown_type_is_refused() -> None:
    with pytest.raises(PlanShapeError, match="not one drift or apply knows"):
        planned_records(plan(res("openstack:dns/zone:Zone", "z", {"name": "z"})))


def live_copy() -> list[Record]:
    return [Record(r.kind, r.key, dict(r.fields), f"id-{i}") for i, r in enumerate(records())]


def test_identical_clouds_have_no_drift() -> None:
    report = compare(records(), live_copy())
    assert report.clean
    assert report.matched == report.planned == len(records())


def test_missing_unexpected_and_changed() -> None:
    live = [r for r in live_copy() if r.kind != "volume"]
    sg = next(r for r in live if r.kind == "security_group")
    sg.fields["description"] = "opened by hand"
    world_ssh = Record(
        "security_group_rule", rule_key("fin", "fin-app", "ingress", "IPv4", "tcp", 22, 22, "0.0.0.0/0"), {}, "r1"
    )
    person = Record("role_assignment", ("fin", "user:alice", "admin"), {}, "a1")
    elsewhere = Record("server", ("other-project", "x"), {}, "s1")  # not a plan project: not ours
    report = compare(records(), [*live, world_ssh, person, elsewhere])
    found = {(d.status, d.identity): d for d in report.drifts}
    assert (MISSING, "volume fin/fin-db-data") in found
    assert found[(CHANGED, "security_group fin/fin-app")].changes[0].field == "description"
    assert (UNEXPECTED, "security_group_rule fin/fin-app/ingress/IPv4/tcp/22-22/0.0.0.0/0") in found
    assert (UNEXPECTED, "role_assignment fin/user:alice/admin") in found
    assert len(report.drifts) == 4


def test_an_unknown_govcloud_project_is_unexpected() -> None:
    stray = Record("project", ("shadow",), {"tags": ["govcloud"]}, "p9")
    untagged = Record("project", ("service",), {"tags": []}, "p1")
    report = compare(records(), [*live_copy(), stray, untagged])
    assert [d.identity for d in report.drifts] == ["project shadow"]


def test_only_planned_fields_and_planned_extra_spec_keys_count() -> None:
    assert compare_fields("volume_type", {"extra_specs": {"a": "1"}}, {"extra_specs": {"a": "1", "b": "2"}}) == []
    assert compare_fields("volume", {"size": 10}, {"size": 10, "status": "in-use"}) == []
    change = compare_fields("volume", {"size": 10}, {"size": 20})[0]
    assert (change.field, change.planned, change.live) == ("size", 10, 20)


def test_renderings() -> None:
    live = [r for r in live_copy() if r.kind != "port"]
    report = compare(records(), live)
    text = to_text(report, "lab", 1.0)
    assert "- missing    port admin/exit-backbone" in text
    assert "DRIFT: 1 missing, 0 unexpected, 0 changed" in text
    document = json.loads(to_json(report, "lab", "out/plan.json", "2026-11-30T00:00:00+00:00", 1.0))
    assert document["format"] == DRIFT_FORMAT
    assert document["clean"] is False
    assert document["drift"][0]["plan_urn"] == PORT["urn"]


def test_cli_bad_input_exits_2(tmp_path: Any) -> None:
    from typer.testing import CliRunner

    from govcloud import commands  # noqa: F401  (registers drift)
    from govcloud.cli import app

    runner = CliRunner()
    absent = runner.invoke(app, ["drift", "--cloud", "x", "--plan", str(tmp_path / "none.json")])
    assert absent.exit_code == 2
    assert "plan file not found" in absent.output
    bad_format = runner.invoke(app, ["drift", "--cloud", "x", "--format", "yaml"])
    assert bad_format.exit_code == 2
    (tmp_path / "p.json").write_text(json.dumps({"format": "govcloud.plan/v1", "resources": [{"urn": "u"}]}))
    shape = runner.invoke(app, ["cloud", "apply", "--plan", str(tmp_path / "p.json")])
    assert shape.exit_code == 2
    assert "resources[0]: needs urn, type and name" in shape.output

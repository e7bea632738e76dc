"""The pack and the live-only rules over the fake cloud: clean as recorded, and each change
made by hand caught by the right policy on the right resource."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from govcloud.audit.declared import Declared, rule_key
from govcloud.audit.live import read_cloud
from govcloud.audit.rules import NOT_LIVE, audit_rules
from govcloud.audit.run import AuditResult, run_audit
from policies.mlps import live
from policies.mlps.evaluate import evaluate
from policies.mlps.fixtures import FACTS as FIXTURE_FACTS
from policies.mlps.fixtures import base_stack
from policies.mlps.registry import all_rules

from .fakes import APPROVAL, RULE, FakeConnection, cloud

# the pack's fixture facts, with the fake cloud's one tenant as the platform's own
FACTS = replace(FIXTURE_FACTS, management_tenant="fin")


def declared() -> Declared:
    return Declared(
        instances={"fin-app-1"},
        ports={"fin-app-1-app"},
        rules={
            rule_key("fin", "fin-app", "ingress", "IPv4", "tcp", 22, 22, "10.30.2.10/32", ""),
            rule_key("fin", "fin-app", "egress", "IPv4", "udp", 53, 53, "10.30.1.10/32", ""),
        },
        attachments={("fin-app-1", "fin-app-1-data")},
    )


def audit(data: dict[str, Any]) -> AuditResult:
    return run_audit(
        read_cloud(FakeConnection(data), "test"),
        audit_rules(),
        FACTS,
        declared=declared(),
        plan_path="p",
        catalog_path="catalog",
    )


def found(result: AuditResult) -> set[tuple[str, str]]:
    return {(f.policy, result.resource(f)["id"]) for f in result.result.findings}


def test_at_least_40_checks_and_every_exclusion_is_a_pack_rule() -> None:
    ids = {r.id for r in audit_rules()}
    assert len(ids) >= 40
    assert set(NOT_LIVE) <= {r.id for r in all_rules()}
    assert {r.id for r in live.RULES} <= ids


def test_recorded_cloud_is_clean() -> None:
    result = audit(cloud())
    assert [(f.policy, f.name, f.violation.message) for f in result.result.findings] == []
    assert result.result.passed


def test_ssh_to_the_world_is_caught() -> None:
    data = cloud()
    data["security_group_rules"].append(
        {
            **RULE,
            "id": "rl-world",
            "direction": "ingress",
            "protocol": "tcp",
            "port_range_min": 22,
            "port_range_max": 22,
            "remote_ip_prefix": "0.0.0.0/0",
            "description": None,
        }
    )
    got = found(audit(data))
    assert {("GC-SG-12", "rl-world"), ("GC-LIVE-03", "rl-world")} <= got


def test_unencrypted_volume_on_level3_server_is_caught() -> None:
    data = cloud()
    data["volumes"].append(
        {
            "id": "vol-plain",
            "name": "scratch",
            "project_id": "p-fin",
            "size": 1,
            "volume_type": "standard",
            "is_encrypted": False,
            "metadata": {},
            "attachments": [{"server_id": "srv-fin-app-1"}],
        }
    )
    result = audit(data)
    got = found(result)
    assert {("GC-LIVE-06", "vol-plain"), ("GC-STO-01", "vol-plain"), ("GC-LIVE-08", "vol-plain:srv-fin-app-1")} <= got
    assert not result.result.passed


def test_unknown_server_and_its_port_are_caught() -> None:
    data = cloud()
    rogue = {**data["servers"][0], "id": "srv-rogue", "name": "rogue"}
    data["servers"].append(rogue)
    host_port = next(p for p in data["ports"] if p["id"] == "pt-fin-app-1")
    data["ports"].append(
        {
            **host_port,
            "id": "pt-rogue",
            "name": "",
            "device_id": "srv-rogue",
            "fixed_ips": [{"subnet_id": "sn-fin-app", "ip_address": "10.10.16.20"}],
        }
    )
    got = found(audit(data))
    assert {("GC-LIVE-01", "srv-rogue"), ("GC-LIVE-02", "pt-rogue")} <= got


def test_admin_role_to_a_person_is_caught_not_to_services() -> None:
    data = cloud()
    data["users"].append({"id": "u-alice", "name": "alice"})
    data["role_assignments"].append(
        {
            "role": {"id": "r-admin", "name": "admin"},
            "scope": {"project": {"id": "p-fin", "name": "fin"}},
            "user": {"id": "u-alice", "name": "alice"},
            "group": None,
        }
    )
    result = audit(data)
    live05 = [result.resource(f) for f in result.result.findings if f.policy == "GC-LIVE-05"]
    assert [r["id"] for r in live05] == ["u-alice:r-admin:p-fin"]  # not nova, not the bootstrap admin
    assert ("GC-IAM-03", "u-alice:r-admin:p-fin") in found(result)


def test_floating_ip_on_an_intranet_port_is_caught() -> None:
    data = cloud()
    data["floating_ips"].append(
        {
            "id": "fip-1",
            "project_id": "p-fin",
            "floating_ip_address": "203.0.113.9",
            "port_id": "pt-fin-app-1",
            "fixed_ip_address": "10.10.16.10",
            "floating_network_id": "net-internet",
        }
    )
    got = found(audit(data))
    assert {("GC-LIVE-04", "fip-1"), ("GC-NET-12", "fip-1")} <= got


def test_unapproved_and_lookalike_images_are_caught() -> None:
    data = cloud()
    data["images"].append(
        {"id": "img-own", "name": "kylin-server-v10-sp3", "visibility": "private", "status": "active", "owner": "p-fin"}
    )
    data["images"].append({"id": "img-ubuntu", "name": "ubuntu", "visibility": "public", "status": "active"})
    data["servers"][0]["image"] = {"id": "img-own"}
    got = found(audit(data))
    assert {("GC-LIVE-07", "srv-fin-app-1"), ("GC-LIVE-09", "img-ubuntu")} <= got


def test_project_outside_the_catalog_is_caught() -> None:
    data = cloud()
    data["projects"].append({"id": "p-scratch", "name": "scratch", "tags": []})
    assert ("GC-LIVE-10", "p-scratch") in found(audit(data))


@pytest.mark.parametrize("rule", live.RULES, ids=lambda r: r.id)
def test_live_rule_fixtures(rule: Any) -> None:
    """Each live-only rule finds nothing in the pack's base stack and something in its violation."""
    assert evaluate([rule], base_stack(), FIXTURE_FACTS) == []
    assert evaluate([rule], rule.violate(base_stack()), FIXTURE_FACTS)
    if rule.comply is not None:
        assert evaluate([rule], rule.comply(base_stack()), FIXTURE_FACTS) == []


def test_without_a_plan_the_undeclared_checks_stay_quiet() -> None:
    data = cloud()
    data["servers"].append({**data["servers"][0], "id": "srv-rogue", "name": "rogue"})
    result = run_audit(
        read_cloud(FakeConnection(data), "t"),
        audit_rules(),
        FACTS,
        declared=None,
        plan_path=None,
        catalog_path="catalog",
    )
    assert not any(f.policy == "GC-LIVE-01" for f in result.result.findings)


APPROVAL_USED = APPROVAL  # the fakes' approval reference, kept importable for other tests

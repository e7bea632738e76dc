"""The small readings the network and boundary rules share: where a remote lies, what a rule opens."""

from __future__ import annotations

from typing import Any

import pytest

from policies.mlps import resources as t
from policies.mlps.fixtures import FACTS
from policies.mlps.resources import Resource
from policies.mlps.topology import admin_ports, approved, classify, flows, is_any, on_baseline_ports


def rule(**inputs: Any) -> Resource:
    return Resource(t.SEC_GROUP_RULE, "r", {"direction": "ingress", "ethertype": "IPv4", **inputs})


@pytest.mark.parametrize(
    ("prefix", "kind", "zone"),
    [
        ("10.10.16.10/32", "zone", "intranet"),
        ("10.30.0.0/16", "zone", "management"),
        ("0.0.0.0/0", "internet", None),
        ("203.0.113.7/32", "internet", None),
        ("192.168.1.0/24", "internet", None),  # outside every zone: not the platform's
        ("10.0.0.0/8", "straddle", None),
        ("::/0", "invalid", None),
    ],
)
def test_a_remote_prefix_lies_in_one_zone_on_the_internet_or_across_zones(
    prefix: str, kind: str, zone: str | None
) -> None:
    remote = classify(rule(remoteIpPrefix=prefix), FACTS)
    assert (remote.kind, remote.zone) == (kind, zone)


def test_a_rule_without_prefix_names_a_group_or_nothing() -> None:
    assert classify(rule(), FACTS).kind == "none"
    assert classify(rule(remoteGroupId="sg-id"), FACTS).kind == "group"


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        ({}, True),
        ({"protocol": "tcp"}, True),
        ({"protocol": "udp", "portRangeMin": 1, "portRangeMax": 65535}, True),
        ({"protocol": "tcp", "portRangeMin": 0, "portRangeMax": 0}, True),
        ({"protocol": "tcp", "portRangeMin": 443, "portRangeMax": 443}, False),
        ({"protocol": "icmp"}, False),
    ],
)
def test_any_any(inputs: dict[str, Any], expected: bool) -> None:
    assert is_any(rule(**inputs)) is expected


def test_admin_ports_are_found_inside_ranges_but_not_in_any_any_rules() -> None:
    assert admin_ports(rule(protocol="tcp", portRangeMin=20, portRangeMax=30)) == ["ssh", "telnet"]
    assert admin_ports(rule(protocol="tcp", portRangeMin=5901, portRangeMax=5901)) == ["vnc"]
    assert admin_ports(rule(protocol="tcp", portRangeMin=2377, portRangeMax=2380)) == []
    assert admin_ports(rule(protocol="tcp")) == []  # all ports: GC-SG-02's finding, not GC-SG-12's


def test_baseline_ports_match_protocol_and_port() -> None:
    assert on_baseline_ports(rule(protocol="udp", portRangeMin=53, portRangeMax=53), FACTS)
    assert on_baseline_ports(rule(protocol="tcp", portRangeMin=636, portRangeMax=636), FACTS)
    assert not on_baseline_ports(rule(protocol="udp", portRangeMin=636, portRangeMax=636), FACTS)
    assert not on_baseline_ports(rule(protocol="tcp", portRangeMin=53, portRangeMax=54), FACTS)


def test_descriptions_name_flows_and_approvals() -> None:
    description = "flow admin-to-trust,bastion-ssh; approval 科信发〔2024〕1号"
    assert flows(description) == {"admin-to-trust", "bastion-ssh"}
    assert approved(description)
    assert flows("db access") == set()
    assert not approved("flow app-to-db")

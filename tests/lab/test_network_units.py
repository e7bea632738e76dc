"""The lab network model and its nftables, from the sample plan (no root, no containers)."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from typing import Any

import pytest

from govcloud.catalog.loader import Catalog
from govcloud.inventory import hosts_from_plan
from govcloud.isolation import services as sv
from govcloud.isolation.intent import build_intent
from govcloud.lab.hosts import select_hosts
from govcloud.lab.network import names
from govcloud.lab.network.model import INTERNET_HOST, LabNetwork, build_lab_network
from govcloud.lab.network.nft import fabric_ruleset, port_rules, router_ruleset, service_matches
from govcloud.lab.network.realize import _host_lines, _router_lines


@pytest.fixture(scope="module")
def default_lab(sample_plan: dict[str, Any], catalog: Catalog) -> LabNetwork:
    hosts = select_hosts(hosts_from_plan(sample_plan, "plan.json"))
    return build_lab_network(sample_plan, build_intent(catalog), {h.name: f"govcloud-{h.name}" for h in hosts})


def _port(lab: LabNetwork, host: str) -> Any:
    return next(p for p in lab.ports if p.host == host)


def test_default_lab_has_the_expected_namespaces_and_networks(default_lab: LabNetwork) -> None:
    assert default_lab.namespaces == [
        "gcl-fabric", "gcl-r-audit-intranet-router", "gcl-r-internet-exit", "gcl-r-mgmt-management-router",
        "gcl-core", "gcl-inet",
    ]  # fmt: skip
    assert sorted(s.name for s in default_lab.segments.values()) == [
        "audit-app", "audit-data", "gov-extranet-backbone", "gov-intranet-backbone", "gov-mgmt-backbone",
        "internet", "mgmt-ops", "mgmt-trust",
    ]  # fmt: skip
    assert len(default_lab.ports) == 15
    assert default_lab.notes == []


def test_ports_get_the_plans_fixed_ip_and_their_subnets_gateway(default_lab: LabNetwork) -> None:
    bastion = _port(default_lab, "mgmt-bastion")
    assert str(bastion.address) == "10.30.2.10/24"
    assert bastion.gateway == IPv4Address("10.30.2.1")
    assert bastion.inner == "eth0"
    app = _port(default_lab, "audit-audit-app-1")
    assert (str(app.address), app.gateway) == ("10.10.48.10/24", IPv4Address("10.10.48.1"))
    assert len({p.mark for p in default_lab.ports}) == len(default_lab.ports)


def test_routers_sit_where_the_plan_puts_them(default_lab: LabNetwork) -> None:
    by_name = {r.name: r for r in default_lab.routers}
    exit_ = by_name["internet-exit"]
    assert exit_.kind == "exit"
    assert {str(a) for leg in exit_.legs for a in leg.addresses} == {"10.20.255.1/24", "203.0.113.1/24"}
    audit = by_name["audit-intranet-router"]
    legs = {default_lab.segments[leg.segment].name: [str(a) for a in leg.addresses] for leg in audit.legs}
    assert legs["audit-app"] == ["10.10.48.1/24"]
    assert legs["audit-data"] == ["10.10.49.1/24"]
    assert legs["gov-intranet-backbone"][0].startswith("10.10.255.")
    # nothing joins zones but the core (which forwards nothing by default) and the exit
    for router in default_lab.routers:
        zones = {default_lab.segments[leg.segment].zone for leg in router.legs} - {None}
        assert len(zones) <= 1 or router.kind == "core", router.name
    internet = default_lab.internet
    assert internet is not None and internet.routes == [(IPv4Network("0.0.0.0/0"), IPv4Address("203.0.113.1"))]
    assert str(INTERNET_HOST.ip) == "203.0.113.100"


def test_routes_follow_the_shortest_chain_of_routers(default_lab: LabNetwork) -> None:
    by_name = {r.name: r for r in default_lab.routers}
    audit_routes = dict(by_name["audit-intranet-router"].routes)
    assert audit_routes[IPv4Network("10.30.1.0/24")] == IPv4Address("10.10.255.254")  # via the core
    exit_routes = dict(by_name["internet-exit"].routes)
    assert exit_routes[IPv4Network("10.10.48.0/24")] == IPv4Address("10.20.255.254")
    lines = _router_lines(by_name["audit-intranet-router"])
    assert any(line.startswith("addr add 10.10.48.1/24 dev gclr") for line in lines)
    assert "route add 10.30.1.0/24 via 10.10.255.254" in lines


def test_interface_names_fit_the_kernel_limit_and_are_unique(default_lab: LabNetwork) -> None:
    links = [s.bridge for s in default_lab.segments.values()]
    links += [n for r in default_lab.routers for leg in r.legs for n in (leg.inner, leg.outer)]
    links += [n for p in default_lab.ports for n in (p.outer, p.temp)]
    assert all(len(n) <= names.IFNAMSIZ for n in links)
    assert len(set(links)) == len(links)
    assert all(names.is_ours(n) and not n.startswith("gclctl") for n in links)
    assert not names.is_ours("gclctl0") and not names.is_ours("eth0")


def test_service_matches() -> None:
    assert service_matches(sv.EVERYTHING) == [""]
    assert service_matches(sv.union(sv.of_spec("443/tcp"), sv.of_spec("8000-8080/tcp"))) == [
        "tcp dport { 443, 8000-8080 }"
    ]
    assert service_matches(sv.of_spec("53/udp")) == ["udp dport 53"]
    assert service_matches(sv.of_rule("tcp", None, None)) == ["meta l4proto tcp"]
    assert service_matches(sv.of_spec("icmp")) == ["meta l4proto icmp"]


def test_a_ports_chains_come_from_its_security_groups(default_lab: LabNetwork) -> None:
    ca = _port(default_lab, "mgmt-ca")
    ingress = port_rules(default_lab.plan_network, ca, "ingress")
    assert any(line.startswith("ip saddr 10.30.2.10 tcp dport 22 accept") for line in ingress)  # the bastion's SSH
    assert ingress[-1] == "drop"
    egress = port_rules(default_lab.plan_network, ca, "egress")
    assert egress[0].startswith("ip saddr != 10.30.1.16 drop")  # anti-spoofing
    assert egress[-1] == "drop"
    assert all(" return" in line for line in egress[1:-1])


def test_fabric_ruleset_marks_and_filters_every_filtered_port(default_lab: LabNetwork) -> None:
    text = fabric_ruleset(default_lab)
    assert text.count("table ") == 2
    assert "ct state established,related accept" in text
    for port in default_lab.ports:
        assert f"chain eg_{port.outer} {{" in text and f"chain in_{port.outer} {{" in text
        assert f'"{port.outer}" : {port.mark << 16:#010x}' in text


def test_core_forwards_nothing_or_only_through_the_hub(default_lab: LabNetwork) -> None:
    core = default_lab.core
    assert core is not None
    closed = router_ruleset(core)
    assert "accept" not in closed and "reject" in closed
    hub = [leg.inner for leg in core.legs if default_lab.segments[leg.segment].zone == "management"]
    opened = router_ruleset(core, hub)
    assert opened.count(" accept") == 2 and f'iifname "{hub[0]}"' in opened


def test_host_lines_give_each_port_its_address_and_default_route(default_lab: LabNetwork) -> None:
    lines = _host_lines(default_lab, "govcloud-mgmt-bastion")
    port = _port(default_lab, "mgmt-bastion")
    assert lines == [
        f"link set {port.temp} name eth0",
        "link set eth0 alias gcl:mgmt-bastion-ops-port",
        "addr add 10.30.2.10/24 dev eth0",
        "link set eth0 up",
        "route add default via 10.30.2.1 dev eth0",
    ]

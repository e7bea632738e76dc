"""Violations seeded into the sample plan: each is found, with a witness naming what causes it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from govcloud.isolation import Proof
from isolation.seeds import (
    ROUTER,
    add_rule,
    address_of,
    extra_nic,
    gateway_on,
    holding,
    hop_names,
    hop_urns,
    keep_default_egress,
    resource,
    seeded_rule_urn,
    witnesses,
)

Seeded = Callable[..., Proof]
Plan = dict[str, Any]


def ok_except(proof: Proof, *failing: str) -> None:
    assert holding(proof) == {c: c not in failing for c in ("ISO-1", "ISO-2", "ISO-3", "ISO-4")}


# (a) an intranet tenant router moved onto the extranet backbone, and an egress rule to anywhere
def test_a_intranet_router_on_the_extranet_backbone_with_egress_anywhere(
    seeded: Seeded, sample_plan: Plan
) -> None:
    proof = seeded(gateway_on("audit-intranet-router", "gov-extranet-backbone"),
                   add_rule("audit-app", "egress", 443, "0.0.0.0/0"))
    assert not proof.claim("ISO-1").holds
    reach = witnesses(proof, "ISO-1", "reachability")
    assert reach, "the intranet host's path to the internet is the witness"
    path = reach[0]
    router = resource(sample_plan, ROUTER, "audit-intranet-router")["urn"]
    rule = seeded_rule_urn(sample_plan, "audit-app", "egress", 443, "0.0.0.0/0")
    assert {router, rule} <= hop_urns(path)
    assert path["hops"][0]["kind"] == "port" and path["hops"][-1]["kind"] == "internet"
    names = hop_names(path)
    assert "gov-extranet-backbone" in names and "internet-exit" in names
    assert "443/tcp" in path["summary"] and "audit" in path["summary"]
    # each layer alone is reported too: the router joining the zones, the rule opening the internet
    assert any(router in hop_urns(w) for w in witnesses(proof, "ISO-1", "routing"))
    assert any(rule in hop_urns(w) for w in witnesses(proof, "ISO-1", "security-group"))
    assert proof.doc["matrix"]["intranet"]["internet"]["ports"] == ["443/tcp"]


def test_a_either_layer_alone_fails_claim_1(seeded: Seeded, sample_plan: Plan) -> None:
    router_only = seeded(gateway_on("audit-intranet-router", "gov-extranet-backbone"))
    ok_except(router_only, "ISO-1", "ISO-2")  # the router joins the intranet to the extranet and the internet
    assert not witnesses(router_only, "ISO-1", "reachability")  # security groups still stop every packet
    router = resource(sample_plan, ROUTER, "audit-intranet-router")["urn"]
    assert all(router in hop_urns(w) for w in witnesses(router_only, "ISO-1", "routing"))
    assert all(router in hop_urns(w) for w in witnesses(router_only, "ISO-2", "routing"))

    rule_only = seeded(add_rule("audit-app", "egress", 443, "0.0.0.0/0"))
    ok_except(rule_only, "ISO-1")
    (witness,) = witnesses(rule_only, "ISO-1")
    assert witness["layer"] == "security-group"
    assert seeded_rule_urn(sample_plan, "audit-app", "egress", 443, "0.0.0.0/0") in hop_urns(witness)


def test_neutron_default_egress_on_an_intranet_group_fails_claim_1(seeded: Seeded, sample_plan: Plan) -> None:
    proof = seeded(keep_default_egress("finance-db"))
    ok_except(proof, "ISO-1")
    (witness,) = witnesses(proof, "ISO-1")
    assert witness["hops"][1]["kind"] == "default-rule"
    assert "deleteDefaultRules" in witness["hops"][1]["name"]


# (b) an intranet group admits an extranet host's address, without an approval
def test_b_intranet_group_admits_an_extranet_host(seeded: Seeded, sample_plan: Plan) -> None:
    portal_app = address_of(sample_plan, "portal-portal-app-1-app-port")
    proof = seeded(add_rule("audit-db", "ingress", 5236, f"{portal_app}/32"))
    ok_except(proof, "ISO-2")
    (witness,) = witnesses(proof, "ISO-2")
    assert witness["layer"] == "security-group"
    assert seeded_rule_urn(sample_plan, "audit-db", "ingress", 5236, f"{portal_app}/32") in hop_urns(witness)
    assert "not an exchange gateway" in witness["summary"]


def test_b_an_unapproved_rule_to_the_gateways_other_side(seeded: Seeded, sample_plan: Plan) -> None:
    gateway_ex = address_of(sample_plan, "data-exchange-xg-1-ex-side-port")
    proof = seeded(add_rule("audit-app", "egress", 443, f"{gateway_ex}/32"))
    ok_except(proof, "ISO-2")
    (witness,) = witnesses(proof, "ISO-2")
    assert "without an approval reference" in witness["summary"]
    approved = seeded(add_rule("audit-app", "egress", 443, f"{gateway_ex}/32", description="flow x; approval 杨1号"))
    ok_except(approved)


def test_b_gateway_delivery_without_approval(seeded: Seeded, sample_plan: Plan) -> None:
    """Both sides of a new gateway -> finance flow, opened without an approval reference."""
    gateway_in = address_of(sample_plan, "data-exchange-xg-1-in-side-port")
    finance_app = address_of(sample_plan, "finance-budget-app-1-app-port")
    proof = seeded(
        add_rule("data-exchange-gateway", "egress", 8080, f"{finance_app}/32"),
        add_rule("finance-app", "ingress", 8080, f"{gateway_in}/32"),
    )
    ok_except(proof, "ISO-2", "ISO-3")
    (witness,) = witnesses(proof, "ISO-2")
    assert witness["layer"] == "reachability" and "8080/tcp" in witness["summary"]
    assert seeded_rule_urn(sample_plan, "finance-app", "ingress", 8080, f"{gateway_in}/32") in hop_urns(witness)


def test_a_dual_homed_host_that_is_no_gateway(seeded: Seeded, sample_plan: Plan) -> None:
    proof = seeded(extra_nic("audit-audit-app-1", "portal-web", "10.20.144.99"))
    assert not proof.claim("ISO-2").holds
    hosts = witnesses(proof, "ISO-2", "host")
    assert hosts and "audit-audit-app-1" in hosts[0]["summary"]
    assert resource(sample_plan, "openstack:compute/instance:Instance", "audit-audit-app-1")["urn"] in hop_urns(
        hosts[0]
    )
    relay = [r for r in proof.doc["relays"] if r["host"] == "audit-audit-app-1"]
    assert relay and not relay[0]["sanctioned"]


# (c) an undeclared cross-tenant flow in one zone (both sides opened: a one-sided rule reaches nothing)
def test_c_undeclared_cross_tenant_rule(seeded: Seeded, sample_plan: Plan) -> None:
    audit_app = address_of(sample_plan, "audit-audit-app-1-app-port")
    finance_db = address_of(sample_plan, "finance-budget-db-1-data-port")
    egress = add_rule("audit-app", "egress", 5432, f"{finance_db}/32")
    ingress = add_rule("finance-db", "ingress", 5432, f"{audit_app}/32")
    assert holding(seeded(ingress))["ISO-3"], "a rule on one side only opens nothing"
    proof = seeded(egress, ingress)
    ok_except(proof, "ISO-3")
    (witness,) = witnesses(proof, "ISO-3")
    assert witness["layer"] == "reachability" and "5432/tcp" in witness["summary"]
    urns = hop_urns(witness)
    assert seeded_rule_urn(sample_plan, "audit-app", "egress", 5432, f"{finance_db}/32") in urns
    assert seeded_rule_urn(sample_plan, "finance-db", "ingress", 5432, f"{audit_app}/32") in urns
    names = hop_names(witness)
    assert {"audit-intranet-router", "gov-intranet-backbone", "finance-intranet-router"} <= set(names)
    assert proof.doc["matrix"]["tenant:audit"]["tenant:finance"]["ports"] == ["5432/tcp"]


def test_c_a_declared_flow_does_not_cover_another_port(seeded: Seeded, sample_plan: Plan) -> None:
    """supervision -> party-office is declared on 443/tcp: opening 8443/tcp as well is undeclared."""
    proof = seeded(add_rule("supervision-app", "egress", 8443, "10.10.0.0/16"),
                   add_rule("party-office-web", "ingress", 8443, "10.10.0.0/16"))
    assert not proof.claim("ISO-3").holds
    assert all("8443/tcp" in w["summary"] and "443/tcp," not in w["summary"] for w in witnesses(proof, "ISO-3"))


# (d) port 22 on a management group from an address other than the bastion's
def test_d_ssh_into_management_not_from_the_bastion(seeded: Seeded, sample_plan: Plan) -> None:
    monitor = address_of(sample_plan, "mgmt-monitor-ops-port")
    proof = seeded(add_rule("mgmt-kms", "ingress", 22, f"{monitor}/32"))
    ok_except(proof, "ISO-4")
    (witness,) = witnesses(proof, "ISO-4")
    assert witness["layer"] == "security-group"
    assert seeded_rule_urn(sample_plan, "mgmt-kms", "ingress", 22, f"{monitor}/32") in hop_urns(witness)
    assert "not the bastion" in witness["summary"]


def test_d_with_both_sides_the_path_is_the_witness(seeded: Seeded, sample_plan: Plan) -> None:
    monitor = address_of(sample_plan, "mgmt-monitor-ops-port")
    kms = address_of(sample_plan, "mgmt-kms-trust-port")
    proof = seeded(add_rule("mgmt-kms", "ingress", 22, f"{monitor}/32"),
                   add_rule("mgmt-monitoring", "egress", 22, f"{kms}/32"))
    ok_except(proof, "ISO-4")
    (path,) = witnesses(proof, "ISO-4", "reachability")
    assert path["summary"].startswith("mgmt/monitoring mgmt-monitor") and "22/tcp" in path["summary"]
    assert "mgmt-management-router" in hop_names(path)


def test_d_management_open_to_a_tenant_zone(seeded: Seeded) -> None:
    """An intranet address on 22 fails even though the plan routes nothing there; 443 from it too."""
    ssh = seeded(add_rule("mgmt-pki", "ingress", 22, "10.10.16.10/32"))
    ok_except(ssh, "ISO-4")
    web = seeded(add_rule("mgmt-pki", "ingress", 443, "10.10.16.0/24"))
    ok_except(web, "ISO-4")
    assert "not a baseline service port" in witnesses(web, "ISO-4")[0]["summary"]
    dns = seeded(add_rule("mgmt-dns", "ingress", 53, "10.10.16.0/24", protocol="udp"))
    ok_except(dns)  # a baseline service port of that group's hosts


def test_witnesses_are_capped_but_counted(seeded: Seeded) -> None:
    mutations = [add_rule("audit-app", "egress", 1000 + i, "0.0.0.0/0") for i in range(40)]
    claim = seeded(*mutations).doc["claims"][0]
    assert claim["witness_count"] == 40 and len(claim["witnesses"]) == 25

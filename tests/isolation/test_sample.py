"""The sample zone: every claim holds, and the matrix says what the catalog means."""

from __future__ import annotations

from collections.abc import Callable

from govcloud.catalog.topology import ADMIN_PORTS
from govcloud.isolation import Proof
from isolation.seeds import holding
from policies.mlps.topology import ADMIN_PORTS as PACK_ADMIN_PORTS

CLAIMS = ["ISO-1", "ISO-2", "ISO-3", "ISO-4"]


def cell(proof: Proof, a: str, b: str) -> list[str]:
    found: list[str] = proof.doc["matrix"][a][b]["ports"]
    assert proof.doc["matrix"][a][b]["reachable"] == bool(found)
    return found


def test_the_sample_holds_every_claim(proof: Proof) -> None:
    assert holding(proof) == dict.fromkeys(CLAIMS, True)
    for claim in proof.doc["claims"]:
        assert claim["witnesses"] == [] and claim["witness_count"] == 0
        assert claim["text_en"] and claim["text_zh"]


def test_zone_matrix(proof: Proof) -> None:
    assert cell(proof, "internet", "extranet") == ["443/tcp"]  # publish-web of portal and open-data only
    assert proof.doc["matrix"]["internet"]["extranet"]["flows"] == ["publish-web"]
    for zone in ("intranet", "management", "bastion"):
        assert cell(proof, "internet", zone) == [] and cell(proof, zone, "internet") == []
    assert cell(proof, "extranet", "internet") == []  # nothing in the sample opens egress to the internet
    assert cell(proof, "intranet", "extranet") == [] and cell(proof, "extranet", "intranet") == []
    # only the plan's routing: nothing joins the management zone to the tenant zones
    for zone in ("intranet", "extranet"):
        assert cell(proof, zone, "management") == [] and cell(proof, "bastion", zone) == []
    assert "22/tcp" in cell(proof, "bastion", "management")
    assert "22/tcp" not in cell(proof, "management", "management")


def test_tenant_matrix(proof: Proof) -> None:
    assert cell(proof, "tenant:audit", "tenant:data-exchange") == ["443/tcp"]
    assert proof.doc["matrix"]["tenant:audit"]["tenant:data-exchange"]["flows"] == ["audit-data-exchange"]
    assert cell(proof, "tenant:audit", "tenant:audit") == ["5236/tcp"]
    assert cell(proof, "tenant:audit", "tenant:finance") == []
    assert cell(proof, "tenant:supervision", "tenant:party-office") == ["443/tcp"]
    assert cell(proof, "tenant:party-office", "tenant:supervision") == []


def test_gateways_are_the_only_relays(proof: Proof) -> None:
    relays = proof.doc["relays"]
    assert [r["host"] for r in relays] == ["data-exchange-xg-1", "data-exchange-xg-2"]
    assert all(r["sanctioned"] and r["zones"] == ["extranet", "intranet"] for r in relays)


def test_baseline_rules_the_plan_cannot_route_are_reported(proof: Proof) -> None:
    unrouted = {(u["from"], u["to"]): u["ports"] for u in proof.doc["unrouted"]}
    assert unrouted[("bastion", "intranet")] == ["22/tcp"]
    assert "53/udp" in unrouted[("intranet", "management")]
    assert ("intranet", "extranet") not in unrouted


def test_with_the_platform_core_hub_every_claim_still_holds(seeded: Callable[..., Proof]) -> None:
    proof = seeded(core_hub="management")
    assert holding(proof) == dict.fromkeys(CLAIMS, True)
    assert proof.doc["model"]["core_hub"] == "management"
    assert cell(proof, "bastion", "intranet") == ["22/tcp"]
    assert proof.doc["matrix"]["bastion"]["intranet"]["flows"] == ["bastion-ssh"]
    assert cell(proof, "intranet", "management") == [
        "53/tcp", "80/tcp", "636/tcp", "4460/tcp", "6514/tcp", "53/udp", "123/udp",
    ]  # fmt: skip
    assert cell(proof, "intranet", "extranet") == []  # the hub does not carry spoke to spoke
    assert cell(proof, "internet", "management") == []
    assert not proof.doc["unrouted"]


def test_document_shape(proof: Proof) -> None:
    doc = proof.doc
    ids = [n["id"] for n in doc["nodes"]]
    assert ids[:5] == ["internet", "intranet", "extranet", "management", "bastion"]
    assert "tenant:finance" in ids and len(ids) == 5 + 13
    assert set(doc["matrix"]) == set(ids) and all(set(row) == set(ids) for row in doc["matrix"].values())
    assert [c["id"] for c in doc["claims"]] == CLAIMS
    stats = doc["stats"]
    assert {"address_classes", "port_classes", "seconds"} <= set(stats)
    # classes, not hosts: fewer endpoint classes than ports, far fewer address classes than atoms
    assert stats["endpoint_classes"] < stats["ports"] and stats["address_classes"] < stats["address_atoms"]
    assert doc["notes"] == []


def test_admin_ports_match_the_policy_pack() -> None:
    assert ADMIN_PORTS == PACK_ADMIN_PORTS

"""Violations seeded into a copy of the sample catalog: the validator refuses each of them now,
and the proof still finds them in a plan made with those validator rules switched off (a plan
from an older govcloud, or edited by hand: the proof does not trust the validator).

All three live in one catalog so it is planned once (~5 s):

- base-data's host group `api` gets a host on the extranet network (a group spanning zones is
  valid): its security group, and the groups of tenants with flows to `api`, then hold rules
  between intranet and extranet addresses that no exchange gateway stands behind (ISO-2);
- mgmt declares monitoring -> pki on 22/tcp: intra-tenant flows need no approval, but it opens
  an administration port of a management host to a host that is not the bastion (ISO-4);
- finance declares app -> mgmt/pki on 8443/tcp with an approval: a zone-crossing flow into the
  management zone is valid when approved, but 8443 is no baseline service port (ISO-4).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from govcloud.catalog.errors import CatalogInvalid
from govcloud.catalog.loader import load_catalog
from govcloud.catalog.rules import flow_rules, tenant_rules
from govcloud.isolation import Proof, build_intent, prove
from govcloud.plan.offline import plan_catalog
from isolation.seeds import CATALOG, ROOT, holding, hop_urns, witnesses

Plan = dict[str, Any]
MIRROR_IP = "10.20.80.99"  # a fixed address on base-data's extranet network ex-share


def edit(root: Path, tenant: str, change: Callable[[Any], None]) -> None:
    yaml = YAML(typ="rt")
    path = root / "tenants" / f"{tenant}.yaml"
    doc = yaml.load(path.read_text(encoding="utf-8"))
    change(doc)
    with path.open("w", encoding="utf-8") as handle:
        yaml.dump(doc, handle)


def seed(root: Path) -> None:
    edit(root, "base-data", lambda d: d["hosts"].append(
        {"name": "bd-mirror", "group": "api", "role": "app", "flavor": "g1.medium",
         "image": "openeuler-22.03-lts-sp3", "nics": [{"network": "ex-share", "ip": MIRROR_IP}]}
    ))
    edit(root, "mgmt", lambda d: d["flows"].append(
        {"name": "monitor-ssh", "from": "monitoring", "to": "pki", "ports": ["22/tcp"]}
    ))
    edit(root, "finance", lambda d: d["flows"].append(
        {"name": "sign-documents", "from": "app", "to": "mgmt/pki", "ports": ["8443/tcp"],
         "approval": "杨管办发〔2024〕99号"}
    ))


@pytest.fixture(scope="module")
def seeded_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("seeded") / "catalog"
    shutil.copytree(CATALOG, root)
    seed(root)
    return root


def test_the_validator_refuses_every_seed(seeded_root: Path) -> None:
    with pytest.raises(CatalogInvalid) as caught:
        load_catalog(seeded_root)
    messages = "\n".join(str(e) for e in caught.value.errors)
    assert "base-data.yaml" in messages and "group api already sits in intranet" in messages
    assert "mgmt.yaml" in messages and "administration ports in the management zone" in messages
    assert "finance.yaml" in messages and "only through the platform's baseline flows" in messages


@pytest.fixture(scope="module")
def seeded_plan(seeded_root: Path) -> tuple[Plan, Any]:
    with pytest.MonkeyPatch.context() as patch:
        # switch off the validator rules that refuse the seeds
        patch.setattr(tenant_rules, "_check_group_zones", lambda tenant, src: iter(()))
        patch.setattr(flow_rules, "_into_management", lambda *args: iter(()))
        catalog = load_catalog(seeded_root)
    return plan_catalog(catalog, stack="lab", project_dir=ROOT), catalog


def proof_of(seeded_plan: tuple[Plan, Any], core_hub: str | None = None) -> Proof:
    plan, catalog = seeded_plan
    return prove(plan, build_intent(catalog), core_hub=core_hub)


def rule_urns(plan: Plan, name: str) -> set[str]:
    return {r["urn"] for r in plan["resources"] if r["name"] == name}


def test_claims_1_and_3_hold_2_and_4_fail(seeded_plan: tuple[Plan, Any]) -> None:
    assert holding(proof_of(seeded_plan)) == {"ISO-1": True, "ISO-2": False, "ISO-3": True, "ISO-4": False}


def test_a_host_group_spanning_intranet_and_extranet(seeded_plan: tuple[Plan, Any]) -> None:
    plan, _ = seeded_plan
    found = witnesses(proof_of(seeded_plan), "ISO-2")
    assert found and all(w["layer"] == "security-group" for w in found)
    named = set().union(*(hop_urns(w) for w in found))
    # db admits the extranet mirror (api-to-db), api's extranet member opens the intranet db,
    # and decision-support's flow to base-data/api opens the mirror's extranet address
    assert rule_urns(plan, f"base-data-db-ingress-tcp-5432-5432-{MIRROR_IP}_32") <= named
    assert rule_urns(plan, "base-data-api-egress-tcp-5432-5432-10.10.81.10_32") <= named
    assert rule_urns(plan, f"decision-support-analytics-egress-tcp-443-443-{MIRROR_IP}_32") <= named


def test_an_intra_management_flow_on_an_admin_port(seeded_plan: tuple[Plan, Any]) -> None:
    plan, _ = seeded_plan
    found = witnesses(proof_of(seeded_plan), "ISO-4")
    (path,) = [w for w in found if w["layer"] == "reachability"]
    assert path["summary"].startswith("mgmt/monitoring mgmt-monitor 10.30.2.11 → mgmt/pki mgmt-ca")
    assert path["summary"].split(": ")[0].endswith("on 22/tcp")
    assert rule_urns(plan, "mgmt-pki-ingress-tcp-22-22-10.30.2.11_32") <= hop_urns(path)
    assert rule_urns(plan, "mgmt-monitoring-egress-tcp-22-22-10.30.1.16_32") <= hop_urns(path)
    assert any(rule_urns(plan, "mgmt-pki-ingress-tcp-22-22-10.30.2.11_32") <= hop_urns(w)
               for w in found if w["layer"] == "security-group")


def test_an_approved_tenant_flow_into_management(seeded_plan: tuple[Plan, Any]) -> None:
    plan, _ = seeded_plan
    found = witnesses(proof_of(seeded_plan), "ISO-4", "security-group")
    assert any(rule_urns(plan, "mgmt-pki-ingress-tcp-8443-8443-10.10.16.10_32") <= hop_urns(w) for w in found)
    # with the platform core routing management to the zones, the flow becomes a path too
    hub = proof_of(seeded_plan, core_hub="management")
    paths = [w for w in witnesses(hub, "ISO-4", "reachability") if "8443/tcp" in w["summary"]]
    assert paths and paths[0]["summary"].startswith("finance/app")
    assert any(h["kind"] == "platform-core" for h in paths[0]["hops"])
    assert holding(hub)["ISO-3"], "the flow is declared: tenants-wise it is fine"

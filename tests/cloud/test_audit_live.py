"""`govcloud audit` against the real local cloud: a compliant tenant audits clean, four changes
made by hand through the API are each caught by the right policy on the right resource, and
undoing them makes it clean again.

The cloud must be up (`govcloud cloud up`; brought up here if it is not, and left up: this
module never runs `down`). The test tenant is `audit-test-<hex>`, built and removed here.
Findings are judged for that tenant only: the rest of the shared cloud belongs to other tests.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openstack
import pytest
from openstack.connection import Connection

from cloud.helpers import ROOT, govcloud
from govcloud.cloud import CloudState
from govcloud.cloud import cloud as local_cloud
from govcloud.cloud.connect import CLOUD_NAME
from govcloud.report.hostfile import load_host_evidence
from policies.mlps.controls import load_controls

from . import audit_tenant as at

pytestmark = pytest.mark.cloud
AUDIT_LIMIT = 60.0  # seconds for one audit of the shared cloud on this busy 2-core machine


@pytest.fixture(scope="module")
def admin() -> Connection:
    down = [s.name for s in local_cloud.status(CloudState.default()) if not s.healthy]
    if down:
        result = govcloud("cloud", "up")
        assert result.returncode == 0, f"cloud was down ({', '.join(down)}) and `cloud up` failed:\n{result.stderr}"
    return openstack.connect(cloud=CLOUD_NAME)


@pytest.fixture(scope="module")
def tenant(admin: Connection) -> Iterator[at.Tenant]:
    tn = at.Tenant(f"audit-test-{uuid.uuid4().hex[:6]}", admin)
    try:
        tn = at.build(admin, tn.slug)
        yield tn
    finally:
        problems = at.destroy(tn)
        assert not problems, "cleanup left things behind:\n" + "\n".join(problems)


@pytest.fixture(scope="module")
def plan_file(tenant: at.Tenant, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample zone's plan (if made) plus the test tenant: what the cloud should hold."""
    sample = ROOT / "out" / "plan.json"
    plan = json.loads(sample.read_text()) if sample.is_file() else {"format": "govcloud.plan/v1", "resources": []}
    plan["resources"] = [*plan["resources"], *at.plan_records(tenant)]
    path = tmp_path_factory.mktemp("audit") / "plan.json"
    path.write_text(json.dumps(plan))
    return path


def audit(plan: Path, out: Path) -> tuple[int, dict[str, Any], float]:
    started = time.monotonic()
    result = govcloud(
        "audit",
        "--cloud",
        CLOUD_NAME,
        "--plan",
        str(plan),
        "--format",
        "json",
        "--out",
        str(out / "audit.json"),
        "--evidence",
        str(out / "live.json"),
    )
    seconds = time.monotonic() - started
    assert result.returncode in (0, 1), f"audit failed to run:\n{result.stdout}\n{result.stderr}"
    return result.returncode, json.loads((out / "audit.json").read_text()), seconds


def mine(doc: dict[str, Any], tn: at.Tenant) -> list[dict[str, Any]]:
    """The findings on the test tenant's resources (and grants on its project)."""
    return [v for v in doc["violations"] if v["resource"]["project"] == tn.slug or tn.slug in v["name"]]


def caught(found: list[dict[str, Any]], policy: str, resource_id: str) -> bool:
    return any(v["policy"] == policy and resource_id in v["resource"]["id"] for v in found)


def test_audit_clean_then_each_change_caught(tenant: at.Tenant, plan_file: Path, tmp_path: Path) -> None:
    admin, tn = tenant.admin, tenant
    code, doc, seconds = audit(plan_file, tmp_path)
    print(f"\naudit (clean): {seconds:.1f} s, {doc['read']['objects']} objects, {len(doc['checks'])} checks")
    blocking = [v for v in mine(doc, tn) if v["blocking"]]
    assert not blocking, "the compliant tenant has findings:\n" + "\n".join(
        f"{v['policy']} {v['name']}: {v['message']}" for v in blocking
    )
    assert seconds < AUDIT_LIMIT
    assert len(doc["checks"]) >= 40
    assert doc["observed_at"].endswith("Z")
    load_host_evidence(tmp_path / "live.json", load_controls())  # the report can read the evidence

    # 1. SSH opened to the world on the app group
    ssh = admin.network.create_security_group_rule(
        security_group_id=tn.ids["secgroup"],
        project_id=tn.project,
        direction="ingress",
        ether_type="IPv4",
        protocol="tcp",
        port_range_min=22,
        port_range_max=22,
        remote_ip_prefix="0.0.0.0/0",
    )
    # 2. an unencrypted volume attached to the level-3 server
    plain = at.volume(tn, tn.name("scratch"), "standard")
    at.attach(tn, tn.ids["server"], plain.id)
    # 3. a server no catalog knows
    rogue = at.boot(tn, tn.name("rogue"))
    # 4. a person given Keystone's admin role
    alice = admin.identity.create_user(name=tn.name("alice"), default_project_id=tn.project)  # type: ignore[union-attr]
    admin_role = admin.identity.find_role("admin")  # type: ignore[union-attr]
    admin.grant_role(admin_role.id, user=alice.id, project=tn.project)
    try:
        code, doc, seconds = audit(plan_file, tmp_path)
        print(f"audit (changed): {seconds:.1f} s")
        found = mine(doc, tn)
        assert code == 1
        expected = [
            ("GC-SG-12", ssh.id),  # administration port open beyond the bastion
            ("GC-LIVE-03", ssh.id),  # a rule no plan declares
            ("GC-LIVE-06", plain.id),  # unencrypted volume on a level-3 server
            ("GC-STO-01", plain.id),  # level-3 data on an unencrypted type
            ("GC-LIVE-08", plain.id),  # an attachment no plan declares
            ("GC-LIVE-01", rogue.id),  # a server no plan declares
            ("GC-LIVE-05", alice.id),  # Keystone admin held by a person
            ("GC-IAM-03", alice.id),  # the admin role granted on a tenant project
        ]
        missing = [pair for pair in expected if not caught(found, *pair)]
        assert not missing, f"not caught: {missing}\nfound:\n" + "\n".join(
            f"{v['policy']} {v['resource']}: {v['message']}" for v in found
        )
        evidence = load_host_evidence(tmp_path / "live.json", load_controls())
        failed = {r.check.rsplit("::", 1)[-1] for r in evidence.records if r.outcome == "failed"}
        assert {"GC-LIVE-01", "GC-LIVE-05", "GC-LIVE-06", "GC-SG-12"} <= failed
    finally:
        admin.identity.delete_user(alice.id)  # type: ignore[union-attr]  # its grant goes with it
        admin.compute.delete_server(rogue.id)
        admin.compute.wait_for_delete(rogue, wait=180)
        at.detach_and_delete(tn, tn.ids["server"], plain.id)
        admin.network.delete_security_group_rule(ssh.id)
    code, doc, seconds = audit(plan_file, tmp_path)
    print(f"audit (undone): {seconds:.1f} s")
    left = [v for v in mine(doc, tn) if v["blocking"]]
    assert not left, "still failing after the undo:\n" + "\n".join(f"{v['policy']} {v['name']}" for v in left)

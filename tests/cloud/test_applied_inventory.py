"""inventories/production/ against the real local cloud: `ansible-inventory` lists the applied
sample zone's servers in the same groups, with the same host variables, as the lab inventory
built from the plan (`govcloud inventory --plan`).

The cloud must be up and hold the applied sample zone: brought up here if it is not (root,
`govcloud cloud up`), and the zone applied if servers of the plan are missing (`govcloud cloud
apply`, which only creates what is missing). Never skipped; this module never runs `down`.
Named to run right after test_apply_drift.py, on the zone it applied, and before
test_cloud_live.py takes the cloud down: the rest of the session then runs without OpenStack's
daemons.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import openstack
import pytest

from cloud.helpers import ROOT, govcloud, make_plan
from govcloud.cloud import CloudState
from govcloud.cloud import cloud as local_cloud
from govcloud.cloud.connect import CLOUD_NAME

pytestmark = pytest.mark.cloud
SCRIPT = ROOT / "inventories" / "production" / "govcloud_inventory.py"
BIN = Path(sys.executable).parent  # the venv's: ansible-inventory, and the python3 the script's shebang finds
LIST_LIMIT = 60.0  # seconds for one `ansible-inventory --list` of the shared cloud on this busy 2-core machine


def ansible_inventory(source: Path, env: dict[str, str] | None = None) -> tuple[dict[str, Any], float]:
    """`ansible-inventory -i SOURCE --list` (the venv's), its JSON and its seconds."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("GOVCLOUD_", "OS_", "ANSIBLE_"))}
    base["PATH"] = f"{BIN}:{base.get('PATH', '/usr/bin:/bin')}"
    started = time.monotonic()
    done = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(source), "--list"],
        cwd=ROOT,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    seconds = time.monotonic() - started
    assert done.returncode == 0, f"ansible-inventory -i {source} --list: exit {done.returncode}\n{done.stderr}"
    # a script that fails makes ansible-inventory warn and list nothing: refuse that loudly
    assert "Unable to parse" not in done.stderr and "Failed to parse" not in done.stderr, done.stderr
    return json.loads(done.stdout), seconds


def members(doc: dict[str, Any], group: str) -> set[str]:
    """The hosts of `group` as Ansible sees them: its own and its children's."""
    entry = doc.get(group, {})
    found = set(entry.get("hosts", []))
    for child in entry.get("children", []):
        found |= members(doc, child)
    return found


def groups_of(doc: dict[str, Any]) -> dict[str, set[str]]:
    """Each host → every group it is in (`all` and `ungrouped` left out)."""
    out: dict[str, set[str]] = {host: set() for host in doc["_meta"]["hostvars"]}
    for group in doc:
        if group in ("_meta", "all", "ungrouped"):
            continue
        for host in members(doc, group):
            out[host].add(group)
    return out


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_plan(tmp_path_factory.mktemp("plan"))


@pytest.fixture(scope="module")
def applied(plan_file: Path) -> list[str]:
    """The plan's servers, every one of them in the running cloud."""
    down = [s.name for s in local_cloud.status(CloudState.default()) if not s.healthy]
    if down:
        if os.geteuid() != 0:
            pytest.fail(f"the local cloud is down ({', '.join(down)}) and bringing it up needs root")
        result = govcloud("cloud", "up")
        assert result.returncode == 0, f"cloud was down ({', '.join(down)}) and `cloud up` failed:\n{result.stderr}"
    plan = json.loads(plan_file.read_text(encoding="utf-8"))
    planned = sorted(plan["outputs"]["hosts"])
    conn = openstack.connect(cloud=CLOUD_NAME)
    live = {s.name for s in conn.compute.servers(all_projects=True)}
    missing = [name for name in planned if name not in live]
    if missing:
        print(f"{len(missing)} of the plan's servers missing (e.g. {missing[0]}): govcloud cloud apply")
        result = govcloud("cloud", "apply", "--plan", str(plan_file), "--cloud", CLOUD_NAME)
        assert result.returncode == 0, f"cloud apply failed:\n{result.stdout}\n{result.stderr}"
    return planned


@pytest.fixture(scope="module")
def lab(plan_file: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What the lab inventory (built from the same plan) lists."""
    path = tmp_path_factory.mktemp("lab") / "hosts.yml"
    result = govcloud("inventory", "--plan", str(plan_file), "--out", str(path))
    assert result.returncode == 0, result.stderr
    doc, _ = ansible_inventory(path)
    return doc


@pytest.fixture(scope="module")
def production(applied: list[str]) -> tuple[dict[str, Any], float]:
    env = {"GOVCLOUD_INVENTORY_SOURCE": "cloud", "OS_CLOUD": CLOUD_NAME}
    doc, seconds = ansible_inventory(SCRIPT, env)
    print(f"ansible-inventory --list of the cloud: {seconds:.1f} s, {len(doc['_meta']['hostvars'])} hosts")
    return doc, seconds


def test_every_applied_server_is_listed(applied: list[str], production: tuple[dict[str, Any], float]) -> None:
    doc, seconds = production
    listed = set(doc["_meta"]["hostvars"])
    assert len(applied) == 68
    assert not set(applied) - listed, f"servers of the plan not in the inventory: {sorted(set(applied) - listed)}"
    # other tests may add servers of their own; a server without govcloud metadata is never listed
    assert all(doc["_meta"]["hostvars"][h]["govcloud_tenant"] for h in listed)
    assert not any(h.startswith("hand-made-") for h in listed)
    assert seconds < LIST_LIMIT, f"ansible-inventory --list took {seconds:.1f} s"


def test_same_groups_as_the_lab(
    applied: list[str], production: tuple[dict[str, Any], float], lab: dict[str, Any]
) -> None:
    doc, _ = production
    live, planned = groups_of(doc), groups_of(lab)
    wrong = {h: (sorted(live.get(h, set())), sorted(planned[h])) for h in applied if live.get(h) != planned[h]}
    assert not wrong, f"hosts whose groups differ (cloud, lab): {wrong}"
    # the tenant groups hold the host groups, as in the lab
    for tenant in {g for h in applied for g in planned[h] if g.startswith("tenant_")}:
        assert set(doc[tenant].get("children", [])) >= set(lab[tenant]["children"]), tenant
        assert not doc[tenant].get("hosts"), f"{tenant} holds hosts of its own"
    assert members(doc, "group_mgmt_pki") >= {"mgmt-ca"}
    assert members(doc, "tenant_mgmt") >= {"mgmt-bastion", "mgmt-ca"}
    assert {"zone_extranet", "zone_intranet", "role_exchange_gateway", "level_3"} <= live["data-exchange-xg-1"]


def test_same_host_vars_as_the_lab(
    applied: list[str], production: tuple[dict[str, Any], float], lab: dict[str, Any]
) -> None:
    doc, _ = production
    for host in applied:
        # everything, the ingress from the servers' security groups and the services placed by the
        # catalog included (the cloud keeps no order of rules: compared as sets)
        want, got = dict(lab["_meta"]["hostvars"][host]), dict(doc["_meta"]["hostvars"][host])
        want_rules, got_rules = (sorted(map(json.dumps, v.pop("govcloud_ingress"))) for v in (want, got))
        assert got_rules == want_rules, f"{host}: ingress differs"
        assert got == want, f"{host}: cloud {got} != lab {want}"
        assert got["govcloud_tenant"] and got["ansible_python_interpreter"] == "/usr/bin/python3"
    gateway = doc["_meta"]["hostvars"]["data-exchange-xg-1"]
    assert gateway["govcloud_zones"] == ["extranet", "intranet"]
    assert set(gateway["govcloud_addresses"]) == {"ex-side", "in-side"}
    assert doc["_meta"]["hostvars"]["mgmt-bastion"]["ansible_host"].startswith("10.30.")
    # read from the security groups: the CA's publication, OCSP, TSA... (the plan's bastion opens none)
    assert {r["port_min"] for r in doc["_meta"]["hostvars"]["mgmt-ca"]["govcloud_ingress"]} >= {80}
    assert sum(1 for h in applied if doc["_meta"]["hostvars"][h]["govcloud_ingress"]) == 67

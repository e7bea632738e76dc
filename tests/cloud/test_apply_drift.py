"""`govcloud cloud apply` and `govcloud drift` against the real local cloud (Debian's OpenStack Zed).

The cloud is brought up if it is not (`cloud up` is idempotent, a few seconds when running) and
never taken down: other tests read the applied zone. The plan is made fresh from the catalog,
applied (twice: the second must create nothing), and drift must be clean. Then a person changes
the cloud by hand through the API, as happens in real life: SSH opened to the world, an
unencrypted volume attached to a level-3 server, an unknown server booted, the admin role given
to a person. Drift must name each change with the right resource and field. Everything is undone
at the end (the cloud is shared), and drift must be clean again.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openstack
import pytest
from openstack.connection import Connection

from cloud.helpers import govcloud, make_plan
from govcloud.cloud import ports
from govcloud.cloud.connect import CLOUD_NAME

pytestmark = pytest.mark.cloud
SUFFIX = secrets.token_hex(3)
PERSON = f"drift-test-person-{SUFFIX}"


@pytest.fixture(scope="module")
def cloud() -> Connection:
    if os.geteuid() != 0:
        pytest.fail("the live apply/drift test needs root to bring the local cloud up (govcloud cloud up)")
    result = govcloud("cloud", "up")  # a few seconds on a running cloud; never skipped
    assert result.returncode == 0, f"cloud up failed:\n{result.stdout}\n{result.stderr}"
    return openstack.connect(cloud=CLOUD_NAME)


@pytest.fixture(scope="module")
def plan_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_plan(tmp_path_factory.mktemp("plan"))


@pytest.fixture(scope="module")
def applied(cloud: Connection, plan_file: Path) -> dict[str, float]:
    times = {}
    for run in ("first", "second"):
        started = time.monotonic()
        result = govcloud("cloud", "apply", "--plan", str(plan_file))
        times[run] = time.monotonic() - started
        print(f"cloud apply ({run}): {times[run]:.1f} s: {result.stdout.strip()}")
        assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    assert "cloud apply: 0 created, 0 updated" in result.stdout, "the second apply must change nothing"
    return times


def drift(plan_file: Path) -> tuple[int, dict[str, Any], float]:
    started = time.monotonic()
    result = govcloud("drift", "--cloud", CLOUD_NAME, "--plan", str(plan_file), "--format", "json")
    seconds = time.monotonic() - started
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout), seconds


def ours(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Drift inside the plan's projects: another job's stray test project on the shared cloud is not ours."""
    projects = set(document["projects"])
    return [d for d in document["drift"] if d["kind"] != "project" or d["key"][0] in projects]


def test_applied_zone_has_no_drift(applied: dict[str, float], plan_file: Path) -> None:
    code, document, seconds = drift(plan_file)
    print(f"drift (clean): {seconds:.1f} s, {document['summary']}")
    assert ours(document) == [], json.dumps(document["drift"], indent=1)
    assert document["summary"]["matched"] == document["summary"]["planned"] > 1000
    if code == 1:
        print(f"foreign drift on the shared cloud (not the plan's projects): {document['drift']}")


def test_applied_zone_audits_clean(applied: dict[str, float], plan_file: Path, tmp_path: Path) -> None:
    """The sample zone as applied passes every mandatory check of the live audit (replicas on
    different fake hypervisors through their anti-affinity groups included)."""
    out = tmp_path / "audit.json"
    result = govcloud("audit", "--cloud", CLOUD_NAME, "--plan", str(plan_file), "--format", "json", "--out", str(out))
    assert result.returncode in (0, 1), f"audit failed to run:\n{result.stdout}\n{result.stderr}"
    document = json.loads(out.read_text())
    blocking = [v for v in document["violations"] if v["blocking"]]
    assert result.returncode == 0 and blocking == [], json.dumps(blocking[:20], indent=1, ensure_ascii=False)


def level3_target(plan_file: Path) -> dict[str, str]:
    """A level-3 tenant's server, its network and host-group security group, from the plan."""
    plan = json.loads(plan_file.read_text())
    by_type: dict[str, list[dict[str, Any]]] = {}
    for res in plan["resources"]:
        by_type.setdefault(res["type"], []).append(res)
    server = next(
        r for r in by_type["openstack:compute/instance:Instance"] if r["inputs"]["metadata"]["mlps_level"] == "3"
    )
    project = server["inputs"]["metadata"]["govcloud_tenant"]
    group = server["inputs"]["metadata"]["govcloud_group"]
    port_id = server["inputs"]["networks"][0]["port"]
    port = next(r for r in by_type["openstack:networking/port:Port"] if f"{r['name']}-port-id" == port_id)
    network = next(
        r["inputs"]["name"]
        for r in by_type["openstack:networking/network:Network"]
        if f"{r['name']}-network-id" == port["inputs"]["networkId"]
    )
    return {"project": project, "server": server["inputs"]["name"], "group": f"{project}-{group}", "network": network}


@pytest.fixture  # function scope: undone right after the test that reads it, before the next one
def hand_changes(applied: dict[str, float], cloud: Connection, plan_file: Path) -> Iterator[dict[str, str]]:
    t = level3_target(plan_file)
    project = cloud.identity.find_project(t["project"], ignore_missing=False)
    sg = cloud.network.find_security_group(t["group"], project_id=project.id, ignore_missing=False)
    server = next(cloud.compute.servers(all_projects=True, project_id=project.id, name=f"^{t['server']}$"))
    network = cloud.network.find_network(t["network"], project_id=project.id, ignore_missing=False)
    undo: list[Any] = []
    try:
        # 1. SSH opened to the world in the host group's security group
        rule = cloud.network.create_security_group_rule(
            security_group_id=sg.id,
            project_id=project.id,
            direction="ingress",
            ethertype="IPv4",
            protocol="tcp",
            port_range_min=22,
            port_range_max=22,
            remote_ip_prefix="0.0.0.0/0",
        )
        undo.append(lambda: cloud.network.delete_security_group_rule(rule.id))
        old_description = sg.description
        cloud.network.update_security_group(sg, description="temporarily opened for a vendor")
        undo.append(lambda: cloud.network.update_security_group(sg, description=old_description))
        # 4. a person (a new user, not a group) gets the admin role on the tenant's project
        password = secrets.token_urlsafe(16)
        person = cloud.identity.create_user(name=PERSON, password=password, domain_id="default")
        undo.append(lambda: cloud.identity.delete_user(person))
        admin_role = cloud.identity.find_role("admin", ignore_missing=False)
        cloud.identity.assign_project_role_to_user(project, person, admin_role)
        # ... who then works by hand in that project
        as_person = openstack.connect(
            auth={
                "auth_url": ports.KEYSTONE_URL,
                "username": PERSON,
                "password": password,
                "project_id": project.id,
                "user_domain_name": "Default",
            },
            region_name=ports.REGION,
            load_yaml_config=False,
            load_envvars=False,
        )
        # 3. an unknown server on the tenant's network
        image = cloud.image.find_image("debian-12", ignore_missing=False)
        flavor = cloud.compute.find_flavor("g1.small", ignore_missing=False)
        stray = as_person.compute.create_server(
            name=f"hand-made-{SUFFIX}", image_id=image.id, flavor_id=flavor.id, networks=[{"uuid": network.id}]
        )
        undo.append(lambda: _delete_server(cloud, stray))
        # 2. an unencrypted (standard) volume attached to the level-3 server
        volume = as_person.block_storage.create_volume(name=f"hand-made-{SUFFIX}", size=1, volume_type="standard")
        undo.append(lambda: cloud.block_storage.wait_for_delete(_delete_volume(cloud, volume.id), wait=300))
        as_person.block_storage.wait_for_status(volume, "available", wait=300)
        as_person.compute.create_volume_attachment(server.id, volume_id=volume.id)
        undo.append(lambda: _detach(cloud, server.id, volume.id))
        as_person.block_storage.wait_for_status(volume, "in-use", wait=300)
        cloud.compute.wait_for_server(stray, wait=300)
        yield {**t, "suffix": SUFFIX, "stray": stray.id}
    finally:
        for step in reversed(undo):
            step()


def _delete_server(cloud: Connection, server: Any) -> None:
    cloud.compute.delete_server(server.id)
    cloud.compute.wait_for_delete(server, wait=300)


def _detach(cloud: Connection, server_id: str, volume_id: str) -> None:
    cloud.compute.delete_volume_attachment(server_id, volume_id)
    cloud.block_storage.wait_for_status(cloud.block_storage.get_volume(volume_id), "available", wait=300)


def _delete_volume(cloud: Connection, volume_id: str) -> Any:
    volume = cloud.block_storage.get_volume(volume_id)
    cloud.block_storage.delete_volume(volume)
    return volume


def test_drift_catches_each_hand_change(hand_changes: dict[str, str], plan_file: Path) -> None:
    code, document, seconds = drift(plan_file)
    print(f"drift (changed by hand): {seconds:.1f} s")
    assert code == 1
    found = {(d["status"], d["identity"]): d for d in ours(document)}
    p, g, s, x = hand_changes["project"], hand_changes["group"], hand_changes["server"], hand_changes["suffix"]
    # SSH to the world: an unexpected rule in the host group's security group, and the edited description
    assert ("unexpected", f"security_group_rule {p}/{g}/ingress/IPv4/tcp/22-22/0.0.0.0/0") in found
    changed = found[("changed", f"security_group {p}/{g}")]["changes"]
    assert [(c["field"], c["live"]) for c in changed] == [("description", "temporarily opened for a vendor")]
    # the unencrypted volume and its attachment to the level-3 server
    assert found[("unexpected", f"volume {p}/hand-made-{x}")]["live_fields"]["volume_type"] == "standard"
    assert ("unexpected", f"volume_attachment {p}/{s}/hand-made-{x}") in found
    # the unknown server, and the port Nova made for it
    stray = found[("unexpected", f"server {p}/hand-made-{x}")]
    assert stray["live_id"] == hand_changes["stray"]
    assert any(d["kind"] == "port" and d["status"] == "unexpected" and d["key"][0] == p for d in found.values())
    # the person with the admin role
    assert ("unexpected", f"role_assignment {p}/user:{PERSON}/admin") in found
    assert len(found) == 7, json.dumps(ours(document), indent=1, ensure_ascii=False)


def test_after_undo_drift_is_clean_again(applied: dict[str, float], plan_file: Path) -> None:
    _, document, _ = drift(plan_file)
    assert ours(document) == [], json.dumps(ours(document), indent=1, ensure_ascii=False)


def test_apply_repairs_what_drift_finds_missing(applied: dict[str, float], cloud: Connection, plan_file: Path) -> None:
    """Remove a planned rule, router interface and volume attachment: drift says missing, apply puts them back."""
    t = level3_target(plan_file)
    project = cloud.identity.find_project(t["project"], ignore_missing=False)
    sg = cloud.network.find_security_group(t["group"], project_id=project.id, ignore_missing=False)
    rule = next(iter(cloud.network.security_group_rules(security_group_id=sg.id)))
    cloud.network.delete_security_group_rule(rule.id)
    network = cloud.network.find_network(t["network"], project_id=project.id, ignore_missing=False)
    subnet = cloud.network.get_subnet(network.subnet_ids[0])
    router_port = next(cloud.network.ports(device_owner="network:router_interface", fixed_ips=f"subnet_id={subnet.id}"))
    cloud.network.remove_interface_from_router(router_port.device_id, subnet=subnet.id)  # type: ignore[no-untyped-call]
    attached = [v for v in cloud.block_storage.volumes(all_projects=True, project_id=project.id) if v.attachments]
    volume = attached[0]
    server_id = volume.attachments[0]["server_id"]
    cloud.compute.delete_volume_attachment(server_id, volume.id)
    cloud.block_storage.wait_for_status(volume, "available", wait=300)

    code, document, _ = drift(plan_file)
    assert code == 1
    missing = {d["kind"] for d in ours(document) if d["status"] == "missing"}
    assert missing == {"security_group_rule", "router_interface", "volume_attachment"}, ours(document)
    assert len(ours(document)) == 3, ours(document)

    started = time.monotonic()
    result = govcloud("cloud", "apply", "--plan", str(plan_file))
    print(f"cloud apply (repair): {time.monotonic() - started:.1f} s: {result.stdout.strip()}")
    assert result.returncode == 0, result.stderr
    assert "cloud apply: 3 created" in result.stdout
    _, document, _ = drift(plan_file)
    assert ours(document) == [], ours(document)

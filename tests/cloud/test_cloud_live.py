"""`govcloud cloud up | status | down` against the real services: Debian's OpenStack Zed on 127.0.0.1.

The cloud is brought up through the CLI (or found up: `up` is idempotent), checked through
openstacksdk with the clouds.yaml entry `up` wrote, and taken down by the last test, which
then looks for any port or process left behind. Tests run in file order.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator

import openstack
import pytest
from openstack.connection import Connection

from cloud.helpers import govcloud
from govcloud.catalog.loader import Catalog
from govcloud.cloud import CloudState, ports
from govcloud.cloud.bootstrap import ENCRYPTION
from govcloud.cloud.connect import CLOUD_NAME
from govcloud.cloud.services import all_services, group_members

pytestmark = pytest.mark.cloud
WARM_UP_LIMIT = 30.0


@pytest.fixture(scope="module")
def state() -> CloudState:
    if os.geteuid() != 0:
        pytest.fail("the live cloud test needs root (apt-get, daemons, /var/lib/govcloud)")
    return CloudState.default()


@pytest.fixture(scope="module")
def cloud_up(state: CloudState) -> Iterator[subprocess.CompletedProcess[str]]:
    started = time.monotonic()
    result = govcloud("cloud", "up")
    print(f"cloud up: {time.monotonic() - started:.1f} s\n{result.stderr}")
    assert result.returncode == 0, f"cloud up failed:\n{result.stdout}\n{result.stderr}"
    yield result
    govcloud("cloud", "down")  # pass or fail, nothing is left running


@pytest.fixture(scope="module")
def conn(cloud_up: subprocess.CompletedProcess[str]) -> Connection:
    # the clouds.yaml entry that `up` wrote (/etc/openstack/clouds.yaml)
    return openstack.connect(cloud=CLOUD_NAME)


def test_status_shows_every_service_up(cloud_up: subprocess.CompletedProcess[str]) -> None:
    result = govcloud("cloud", "status")
    assert result.returncode == 0, result.stdout
    assert f"{len(all_services(CloudState.default()))}/{len(all_services(CloudState.default()))} up" in result.stdout


def test_token_and_catalog(conn: Connection) -> None:
    assert conn.session.get_token()
    types = {s.type for s in conn.identity.services()}
    assert {"identity", "compute", "network", "image", "placement", "volumev3"} <= types


def test_backbone_networks_from_the_catalog(conn: Connection, catalog: Catalog) -> None:
    for zone_name, zone in catalog.platform.zones.items():
        network = conn.network.find_network(zone.backbone.network, ignore_missing=False)
        assert network.is_router_external
        assert network.provider_physical_network == str(zone_name)
        cidrs = {conn.network.get_subnet(s).cidr for s in network.subnet_ids}
        assert cidrs == {str(zone.backbone.cidr)}


def test_domain_flavors_images_and_volume_types(conn: Connection, catalog: Catalog) -> None:
    platform = catalog.platform
    assert conn.identity.find_domain(platform.name) is not None
    for flavor in platform.flavors:
        found = conn.compute.find_flavor(flavor.name, ignore_missing=False)
        assert (found.vcpus, found.ram, found.disk) == (flavor.vcpus, flavor.ram_mb, flavor.disk_gb)
    images = {i.name: i for i in conn.image.images()}
    for image in platform.images:
        assert images[image.name].status == "active"
    for spec in platform.volume_types:
        volume_type = conn.block_storage.find_type(spec.name, ignore_missing=False)
        encryption = conn.block_storage.get_type_encryption(volume_type)
        if spec.encrypted:
            assert (encryption.provider, encryption.cipher, encryption.key_size) == (
                ENCRYPTION["provider"],
                ENCRYPTION["cipher"],
                ENCRYPTION["key_size"],
            )
        else:
            assert not encryption.encryption_id


def _wait(fetch: object, want: str, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while True:
        resource = fetch()  # type: ignore[operator]
        if resource.status == want:
            return
        assert resource.status.lower() != "error", f"{resource.name} went to error"
        assert time.monotonic() < deadline, f"{resource.name} still {resource.status} after {timeout} s"
        time.sleep(2)


def test_boot_server_and_attach_volume(conn: Connection, catalog: Catalog) -> None:
    suffix = uuid.uuid4().hex[:6]
    image = conn.image.find_image(catalog.platform.images[0].name, ignore_missing=False)
    flavor = conn.compute.find_flavor(catalog.platform.flavors[0].name, ignore_missing=False)
    network = conn.network.create_network(name=f"test-net-{suffix}")
    server = volume = None
    try:
        conn.network.create_subnet(network_id=network.id, ip_version=4, cidr="192.168.77.0/24")
        server = conn.compute.create_server(
            name=f"test-vm-{suffix}", image_id=image.id, flavor_id=flavor.id, networks=[{"uuid": network.id}]
        )
        server = conn.compute.wait_for_server(server, status="ACTIVE", wait=180)
        ports_of_server = list(conn.network.ports(device_id=server.id))
        assert ports_of_server and ports_of_server[0].binding_vif_type not in ("binding_failed", "unbound")
        volume = conn.block_storage.create_volume(name=f"test-vol-{suffix}", size=1, volume_type="standard")
        _wait(lambda: conn.block_storage.get_volume(volume), "available")
        conn.compute.create_volume_attachment(server, volume_id=volume.id)
        _wait(lambda: conn.block_storage.get_volume(volume), "in-use")
        attached = [a.volume_id for a in conn.compute.volume_attachments(server)]
        assert attached == [volume.id]
        conn.compute.delete_volume_attachment(server, volume.id)
        _wait(lambda: conn.block_storage.get_volume(volume), "available")
    finally:
        if server is not None:
            conn.compute.delete_server(server)
            conn.compute.wait_for_delete(server, wait=120)
        if volume is not None:
            conn.block_storage.delete_volume(volume)
            conn.block_storage.wait_for_delete(volume, wait=120)
        conn.network.delete_network(network)


def test_encrypted_volume_type_makes_encrypted_volumes(conn: Connection) -> None:
    volume = conn.block_storage.create_volume(name=f"test-enc-{uuid.uuid4().hex[:6]}", size=1, volume_type="encrypted")
    try:
        _wait(lambda: conn.block_storage.get_volume(volume), "available")
        assert conn.block_storage.get_volume(volume).is_encrypted
    finally:
        conn.block_storage.delete_volume(volume)
        conn.block_storage.wait_for_delete(volume, wait=120)


def test_up_again_is_quick_and_changes_nothing(cloud_up: subprocess.CompletedProcess[str]) -> None:
    started = time.monotonic()
    result = govcloud("cloud", "up")
    seconds = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert re.search(r"\b0 changes\b", result.stdout), result.stdout
    assert seconds < WARM_UP_LIMIT, f"a second `up` took {seconds:.1f} s"


def _listening() -> str:
    return subprocess.run(["ss", "-ltnp"], capture_output=True, text=True, check=True).stdout


def test_down_leaves_no_port_and_no_process(state: CloudState, cloud_up: subprocess.CompletedProcess[str]) -> None:
    groups = [int(p.read_text()) for p in state.run.glob("*.pid") if p.read_text().strip().isdigit()]
    members = {pid for pgid in groups for pid in group_members(pgid)}
    assert members, "no process of the cloud found before down"
    result = govcloud("cloud", "down")
    assert result.returncode == 0, result.stderr
    left = [pid for pgid in groups for pid in group_members(pgid)]
    assert not left, f"processes left after down: {left}"
    listening = _listening()
    ours = [s.port for s in all_services(state) if s.port] + [ports.RABBITMQ_DIST]
    for port in ours:
        assert not re.search(rf"[:\]]{port}\s", listening), f"port {port} still listening:\n{listening}"
    assert not list(state.run.glob("*.pid"))
    status = govcloud("cloud", "status")
    assert status.returncode == 1

"""The platform basics from catalog/platform.yaml, created in the local cloud through openstacksdk.

What the tenants later stand on: the zone's domain, one backbone network per zone (a flat
provider network marked external, its subnet the catalog's backbone cidr), the approved
flavors, tiny stand-in images named like the approved images (a few bytes: the fake virt
driver never reads them), and the volume types, the encrypted one with its LUKS spec.
Find-or-create by name, so running it twice changes nothing.
"""

from __future__ import annotations

import io

from openstack.connection import Connection

from govcloud.catalog.model import Platform
from govcloud.cloud.connect import block_storage, identity

# what the catalog's encrypted volume type promises: LUKS, aes-xts-plain64, 256-bit keys
ENCRYPTION = {"provider": "luks", "cipher": "aes-xts-plain64", "key_size": 256, "control_location": "front-end"}
BACKEND = "fake"  # cinder's only backend here (config.py)


def stand_in(image_name: str) -> bytes:
    return f"govcloud stand-in for {image_name}\n".encode()


def ensure_platform(conn: Connection, platform: Platform) -> list[str]:
    """Create what is missing; return what was created."""
    return (
        _domain(conn, platform)
        + _backbones(conn, platform)
        + _flavors(conn, platform)
        + _images(conn, platform)
        + _volume_types(conn, platform)
    )


def _domain(conn: Connection, platform: Platform) -> list[str]:
    if identity(conn).find_domain(platform.name) is not None:
        return []
    identity(conn).create_domain(name=platform.name, description=platform.title, is_enabled=True)
    return [f"domain {platform.name}"]


def _backbones(conn: Connection, platform: Platform) -> list[str]:
    made: list[str] = []
    for zone_name, zone in platform.zones.items():
        backbone = zone.backbone
        network = conn.network.find_network(backbone.network)
        if network is None:
            network = conn.network.create_network(
                name=backbone.network,
                description=f"{zone.title} backbone",
                is_router_external=True,
                provider_network_type="flat",
                provider_physical_network=str(zone_name),
            )
            conn.network.set_tags(network, ["govcloud", f"zone:{zone_name}", "backbone"])  # type: ignore[no-untyped-call]
            made.append(f"network {backbone.network}")
        subnet_name = f"{backbone.network}-subnet"
        if conn.network.find_subnet(subnet_name, network_id=network.id) is None:
            conn.network.create_subnet(
                name=subnet_name, network_id=network.id, ip_version=4, cidr=str(backbone.cidr), is_dhcp_enabled=False
            )
            made.append(f"subnet {subnet_name} {backbone.cidr}")
    return made


def _flavors(conn: Connection, platform: Platform) -> list[str]:
    made: list[str] = []
    for flavor in platform.flavors:
        if conn.compute.find_flavor(flavor.name) is None:
            conn.compute.create_flavor(
                name=flavor.name, vcpus=flavor.vcpus, ram=flavor.ram_mb, disk=flavor.disk_gb, is_public=True
            )
            made.append(f"flavor {flavor.name}")
    return made


def _images(conn: Connection, platform: Platform) -> list[str]:
    made: list[str] = []
    for image in platform.images:
        if conn.image.find_image(image.name) is not None:
            continue
        conn.create_image(  # type: ignore[no-untyped-call]
            image.name,
            data=io.BytesIO(stand_in(image.name)),
            disk_format="raw",
            container_format="bare",
            visibility="public",
            wait=True,
            meta={"govcloud_stand_in": "true", "os_description": image.os},
        )
        made.append(f"image {image.name}")
    return made


def _volume_types(conn: Connection, platform: Platform) -> list[str]:
    made: list[str] = []
    storage = block_storage(conn)
    for spec in platform.volume_types:
        volume_type = storage.find_type(spec.name)
        if volume_type is None:
            volume_type = storage.create_type(
                name=spec.name,
                description=spec.description,
                is_public=True,
                extra_specs={"volume_backend_name": BACKEND},
            )
            made.append(f"volume type {spec.name}")
        if spec.encrypted and not storage.get_type_encryption(volume_type).encryption_id:
            storage.create_type_encryption(volume_type, **ENCRYPTION)
            made.append(f"encryption of {spec.name}")
    return made

"""The platform facts the pack's rules read, derived from the catalog (policies/facts.json)."""

from __future__ import annotations

from govcloud.catalog.loader import Catalog
from govcloud.catalog.model import TrustService
from govcloud.catalog.topology import resolve_endpoint
from policies.mlps.facts import Facts


def bastion_cidrs(catalog: Catalog) -> tuple[str, ...]:
    """/32s of every address of the hosts in the bastion trust service's group."""
    placement = catalog.platform.trust_services.get(TrustService.bastion)
    if placement is None:
        return ()
    hosts = resolve_endpoint(catalog.topology, placement.group, placement.tenant) or []
    return tuple(sorted({f"{nic.ip}/32" for host in hosts for nic in host.nics}))


def baseline_ports(catalog: Catalog) -> tuple[str, ...]:
    """Ports the platform's baseline flows open towards its trust services ("53/udp", ...)."""
    ports = {p for flow in catalog.platform.baseline_flows if flow.direction == "to-service" for p in flow.ports}
    return tuple(sorted(ports))


def facts_from_catalog(catalog: Catalog) -> Facts:
    platform = catalog.platform
    return Facts(
        zones={zone.value: spec.supernet for zone, spec in sorted(platform.zones.items())},
        backbone_cidrs={zone.value: spec.backbone.cidr for zone, spec in sorted(platform.zones.items())},
        internet_zone=platform.internet_exit.zone.value,
        exit_router=platform.internet_exit.router,
        management_tenant=platform.management_tenant,
        exchange_tenant=platform.exchange_tenant,
        bastion_cidrs=bastion_cidrs(catalog),
        approved_images=tuple(image.name for image in platform.images),
        domestic_images=tuple(image.name for image in platform.images if image.domestic),
        approved_flavors=tuple(flavor.name for flavor in platform.flavors),
        encrypted_volume_types=tuple(vt.name for vt in platform.volume_types if vt.encrypted),
        capacity=platform.capacity.model_dump(),
        baseline_ports=baseline_ports(catalog),
    )

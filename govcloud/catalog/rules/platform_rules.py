"""Rules over platform.yaml: zones, the internet exit, images, resolvers, trust-service placement."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from govcloud.catalog.errors import CatalogError
from govcloud.catalog.model import Platform, ZoneName
from govcloud.catalog.rules.common import duplicate_names, names_or_none
from govcloud.catalog.source import SourceFile
from govcloud.catalog.topology import (
    Topology,
    resolve_endpoint,
)


def check_platform(platform: Platform, src: SourceFile) -> Iterator[CatalogError]:
    zones = platform.zones
    for missing in sorted(set(ZoneName) - set(zones), key=lambda z: z.value):
        yield src.error(("zones",), f"zone {missing.value} is missing (every zone must be declared)")
    items = sorted(zones.items(), key=lambda kv: kv[0].value)
    for i, (name, zone) in enumerate(items):
        supernet = ipaddress.IPv4Network(zone.supernet)
        if not ipaddress.IPv4Network(zone.backbone.cidr).subnet_of(supernet):
            yield src.error(
                ("zones", name.value, "backbone", "cidr"),
                f"{zone.backbone.cidr} is outside the zone's supernet ({zone.supernet})",
            )
        for other_name, other in items[i + 1 :]:
            if supernet.overlaps(ipaddress.IPv4Network(other.supernet)):
                yield src.error(
                    ("zones", other_name.value, "supernet"),
                    f"{other.supernet} overlaps zone {name.value} ({zone.supernet})",
                )
    internet_zones = [n.value for n, z in items if z.internet]
    if ZoneName.intranet.value in internet_zones:
        yield src.error(
            ("zones", "intranet", "internet"),
            "the intranet has no path to the internet (allowed: false)",
        )
    exit_ = platform.internet_exit
    if exit_.zone.value not in internet_zones:
        yield src.error(
            ("internet_exit", "zone"),
            f"{exit_.zone.value} is not a zone with internet: true (allowed: {names_or_none(internet_zones)})",
        )
    elif exit_.zone in zones:
        backbone = ipaddress.IPv4Network(zones[exit_.zone].backbone.cidr)
        if ipaddress.IPv4Address(exit_.backbone_ip) not in backbone:
            yield src.error(
                ("internet_exit", "backbone_ip"),
                f"{exit_.backbone_ip} is not on the {exit_.zone.value} backbone ({backbone})",
            )
    for key, items_ in (
        ("images", [i.name for i in platform.images]),
        ("flavors", [f.name for f in platform.flavors]),
        ("volume_types", [v.name for v in platform.volume_types]),
    ):
        yield from duplicate_names(src, (key,), items_)
    if not any(v.encrypted for v in platform.volume_types):
        yield src.error(
            ("volume_types",),
            "no encrypted volume type (level 3+ tenants need one: add encrypted: true)",
        )
    for zone_name, resolvers in platform.dns_resolvers.items():
        mgmt = zones.get(ZoneName.management)
        for j, ip in enumerate(resolvers):
            if mgmt and ipaddress.IPv4Address(ip) not in ipaddress.IPv4Network(mgmt.supernet):
                yield src.error(
                    ("dns_resolvers", zone_name.value, j),
                    f"{ip} is outside the management zone ({mgmt.supernet}): resolvers are platform services",
                )
    for j, baseline in enumerate(platform.baseline_flows):
        if baseline.service not in platform.trust_services:
            yield src.error(
                ("baseline_flows", j, "service"),
                f"{baseline.service.value} has no placement in trust_services",
            )


def check_placements(
    platform: Platform, topology: Topology, src: SourceFile, broken: set[str]
) -> Iterator[CatalogError]:
    if platform.management_tenant in broken:
        return
    if platform.management_tenant not in topology.hosts:
        yield src.error(("management_tenant",), f"no tenant file for {platform.management_tenant!r}")
    for service, placement in sorted(platform.trust_services.items(), key=lambda kv: kv[0].value):
        if placement.tenant != platform.management_tenant:
            yield src.error(
                ("trust_services", service.value, "tenant"),
                f"trust services run in the management tenant (allowed: {platform.management_tenant})",
            )
        elif resolve_endpoint(topology, placement.group, placement.tenant) is None:
            groups = topology.groups(placement.tenant)
            yield src.error(
                ("trust_services", service.value, "group"),
                f"no host group {placement.group!r} in {placement.tenant} (groups: {names_or_none(groups)})",
            )

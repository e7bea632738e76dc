"""Rules across the whole zone: the address plan, derived resource names, quotas and capacity."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass

from govcloud.catalog.errors import CatalogError, FieldPath
from govcloud.catalog.model import Platform
from govcloud.catalog.rules.common import Checked
from govcloud.catalog.source import SourceFile
from govcloud.catalog.topology import (
    Topology,
    replica_names,
)
from govcloud.catalog.usage import declared_usage


@dataclass(frozen=True)
class _Range:
    net: ipaddress.IPv4Network
    label: str
    source: SourceFile
    path: tuple[str | int, ...]
    fixed: bool  # a backbone: it exists already, so an overlap is the tenant network's fault


def _ranges(platform: Platform, items: list[Checked], platform_src: SourceFile) -> list[_Range]:
    out = [
        _Range(
            ipaddress.IPv4Network(zone.backbone.cidr),
            f"the {zone_name.value} backbone",
            platform_src,
            ("zones", zone_name.value, "backbone", "cidr"),
            fixed=True,
        )
        for zone_name, zone in sorted(platform.zones.items(), key=lambda kv: kv[0].value)
    ]
    for item in items:
        for i, net in enumerate(item.tenant.networks):
            out.append(
                _Range(
                    ipaddress.IPv4Network(net.cidr),
                    f"{item.tenant.slug} network {net.name}",
                    item.source,
                    ("networks", i, "cidr"),
                    fixed=False,
                )
            )
    return out


def check_address_plan(platform: Platform, items: list[Checked], platform_src: SourceFile) -> Iterator[CatalogError]:
    """No two ranges anywhere in the catalog overlap (backbones included).

    Each overlap is reported once, on the narrower (or later) range, unless that one is a
    backbone: then on the tenant network that runs into it.
    """
    ranges = _ranges(platform, items, platform_src)
    # Widest first among ranges that start together, so an overlap shows up against the
    # widest earlier range.
    ranges.sort(key=lambda r: (r.net.network_address, r.net.prefixlen, not r.fixed))
    widest: _Range | None = None
    for entry in ranges:
        if widest is not None and widest.net.overlaps(entry.net):
            culprit, other = (widest, entry) if entry.fixed and not widest.fixed else (entry, widest)
            yield culprit.source.error(culprit.path, f"{culprit.net} overlaps {other.label} ({other.net})")
        if widest is None or entry.net.broadcast_address > widest.net.broadcast_address:
            widest = entry


def check_name_collisions(items: list[Checked]) -> Iterator[CatalogError]:
    """Cloud resources are named '<tenant>-<name>': two tenants must not produce the same one.

    (The real Pulumi engine refuses duplicate names; catch them here, where they can be fixed.)
    """
    owners: dict[str, str] = {}
    for item in sorted(items, key=lambda i: i.tenant.slug):
        tenant, src = item.tenant, item.source
        named: list[tuple[FieldPath, str, str]] = [
            (("networks", i, "name"), "network", n.name) for i, n in enumerate(tenant.networks)
        ]
        for i, host in enumerate(tenant.hosts):
            named.append((("hosts", i, "group"), "group", host.group))
            named.extend((("hosts", i, "name"), "host", name) for name in replica_names(host))
        mine: set[str] = set()
        for path, kind, name in named:
            derived = f"{tenant.slug}-{name}"
            other = owners.get(derived)
            if other is not None and derived not in mine:
                yield src.error(
                    path, f"resource name {derived!r} is also made by {other} (rename one: names must be unique)"
                )
            mine.add(derived)
            owners.setdefault(derived, f"tenant {tenant.slug}'s {kind} {name}")


def check_quotas(
    platform: Platform, items: list[Checked], topology: Topology, platform_src: SourceFile
) -> Iterator[CatalogError]:
    totals: dict[str, int] = {}
    for item in items:
        usage = declared_usage(platform, item.tenant, topology)
        quotas = item.tenant.quotas.model_dump()
        for key, need in usage.items():
            totals[key] = totals.get(key, 0) + quotas[key]
            if quotas[key] < need:
                yield item.source.error(
                    ("quotas", key), f"{quotas[key]} is less than the tenant declares (allowed: >= {need})"
                )
    capacity = platform.capacity.model_dump()
    for key, total in sorted(totals.items()):
        if total > capacity[key]:
            yield platform_src.error(
                ("capacity", key),
                f"tenants' quotas add up to {total}, more than the capacity {capacity[key]}",
            )

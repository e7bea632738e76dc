"""Rules within one tenant file: networks, hosts, addresses, dual-homing, volume encryption."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from govcloud.catalog.errors import CatalogError, FieldPath, dotted
from govcloud.catalog.model import HostSpec, Platform, Sensitivity, Tenant, ZoneName
from govcloud.catalog.rules.common import EXCHANGE_ROLE, EXCHANGE_ZONES, Checked, duplicate_names, names_or_none
from govcloud.catalog.source import SourceFile
from govcloud.catalog.topology import (
    FIRST_HOST_OFFSET,
    assign_addresses,
    replica_names,
)


def _replica_clash(src: SourceFile, i: int, hosts: list[HostSpec], replicas: dict[str, int]) -> Iterator[CatalogError]:
    """Replica names (web-1, web-2, ...) must not clash with another host's names.

    A host whose very name repeats an earlier one is already reported as a duplicate.
    """
    host = hosts[i]
    clashes = [n for n in replica_names(host) if n in replicas and replicas[n] != i]
    if clashes and all(h.name != host.name for h in hosts[:i]):
        yield src.error(("hosts", i, "name"), f"replica name {clashes[0]} clashes with another host")
    for name in replica_names(host):
        replicas.setdefault(name, i)


def check_tenant(platform: Platform, item: Checked) -> Iterator[CatalogError]:
    tenant, src = item.tenant, item.source
    if tenant.sensitivity is Sensitivity.classified:
        yield src.error(
            ("sensitivity",),
            "classified (涉密) systems may not be placed on the shared e-government platform; "
            "they belong on a separately approved classified network "
            "(allowed: public, internal, sensitive)",
        )
    yield from duplicate_names(src, ("networks",), [n.name for n in tenant.networks])
    yield from duplicate_names(src, ("hosts",), [h.name for h in tenant.hosts])
    yield from duplicate_names(src, ("flows",), [f.name for f in tenant.flows])
    yield from _check_networks(platform, tenant, src)
    yield from _check_hosts(platform, tenant, src)
    yield from _check_group_zones(tenant, src)


def _check_networks(platform: Platform, tenant: Tenant, src: SourceFile) -> Iterator[CatalogError]:
    tenant_zones = [z.value for z in tenant.zones]
    for i, net in enumerate(tenant.networks):
        if net.zone not in tenant.zones:
            yield src.error(
                ("networks", i, "zone"),
                f"tenant is not in zone {net.zone.value} (allowed: {names_or_none(tenant_zones)})",
            )
        if net.zone is ZoneName.management and tenant.slug != platform.management_tenant:
            yield src.error(
                ("networks", i, "zone"),
                f"only the platform's own tenant has networks in the management zone "
                f"(allowed here: {names_or_none([z.value for z in tenant.zones if z is not ZoneName.management])})",
            )
        zone = platform.zones.get(net.zone)
        if zone is None:
            continue
        cidr = ipaddress.IPv4Network(net.cidr)
        if not cidr.subnet_of(ipaddress.IPv4Network(zone.supernet)):
            yield src.error(
                ("networks", i, "cidr"),
                f"{net.cidr} is outside the {net.zone.value} supernet (allowed: inside {zone.supernet})",
            )
        if cidr.num_addresses < 16:
            yield src.error(("networks", i, "cidr"), f"{net.cidr} is too small (allowed: /28 or larger)")


def _check_fixed_ip(
    src: SourceFile, path: FieldPath, ip: str, cidr_text: str, count: int, fixed: dict[str, str]
) -> Iterator[CatalogError]:
    """Fixed addresses sit where Neutron never allocates by itself: .10 up to the last but one."""
    cidr = ipaddress.IPv4Network(cidr_text)
    addr = ipaddress.IPv4Address(ip)
    first = cidr.network_address + FIRST_HOST_OFFSET
    if not first <= addr < cidr.broadcast_address:
        yield src.error(
            path,
            f"{ip} is not a host address of {cidr} (allowed: {first} to {cidr.broadcast_address - 1}; "
            f"the addresses below .{FIRST_HOST_OFFSET} belong to the router and Neutron's own ports)",
        )
    if count > 1:
        yield src.error(path, "a fixed address cannot be shared by replicas (allowed: only with count: 1)")
    if ip in fixed:
        yield src.error(path, f"{ip} is already the fixed address of {fixed[ip]} (addresses must be unique)")
    else:
        fixed[ip] = dotted(path)


def _check_dual_homing(
    platform: Platform, tenant: Tenant, src: SourceFile, i: int, role: str, zones: set[ZoneName]
) -> Iterator[CatalogError]:
    """Only the data-exchange gateways join two zones, and only the intranet and the extranet."""
    if len(zones) < 2:
        return
    path: FieldPath = ("hosts", i, "nics")
    if role != EXCHANGE_ROLE:
        yield src.error(path, f"host is in {len(zones)} zones; only the {EXCHANGE_ROLE} role may be dual-homed")
    elif tenant.slug != platform.exchange_tenant:
        yield src.error(
            path,
            f"only the data-exchange tenant may run {EXCHANGE_ROLE} hosts (allowed: {platform.exchange_tenant})",
        )
    elif zones != EXCHANGE_ZONES:
        named = ", ".join(sorted(z.value for z in zones))
        yield src.error(path, f"a gateway joins exactly the intranet and the extranet (got: {named})")


def _check_group_zones(tenant: Tenant, src: SourceFile) -> Iterator[CatalogError]:
    """A host group is one security group: its hosts sit in the same zone(s), or its rules
    (and other tenants' rules towards it) would open one zone to another."""
    zone_of = {n.name: n.zone for n in tenant.networks}
    first: dict[str, tuple[frozenset[ZoneName], str]] = {}
    for i, host in enumerate(tenant.hosts):
        zones = frozenset(zone_of[n.network] for n in host.nics if n.network in zone_of)
        if not zones:
            continue
        seen = first.setdefault(host.group, (zones, host.name))
        if seen[0] != zones:
            named = ", ".join(sorted(z.value for z in seen[0]))
            yield src.error(
                ("hosts", i, "group"),
                f"group {host.group} already sits in {named} (host {seen[1]}); a group's hosts share "
                "their zones (allowed: another group name for this host)",
            )


def _check_hosts(platform: Platform, tenant: Tenant, src: SourceFile) -> Iterator[CatalogError]:
    flavors = [f.name for f in platform.flavors]
    images = [i.name for i in platform.images]
    volume_types = {v.name: v for v in platform.volume_types}
    networks = {n.name: n for n in tenant.networks}
    replicas: dict[str, int] = {}
    fixed: dict[str, str] = {}  # fixed address -> the field that took it first
    for i, host in enumerate(tenant.hosts):
        yield from _replica_clash(src, i, tenant.hosts, replicas)
        if host.flavor not in flavors:
            yield src.error(
                ("hosts", i, "flavor"), f"{host.flavor!r} is not approved (allowed: {names_or_none(flavors)})"
            )
        if host.image not in images:
            yield src.error(("hosts", i, "image"), f"{host.image!r} is not approved (allowed: {names_or_none(images)})")
        host_zones = set()
        for j, nic in enumerate(host.nics):
            net = networks.get(nic.network)
            if net is None:
                yield src.error(
                    ("hosts", i, "nics", j, "network"),
                    f"unknown network {nic.network!r} (allowed: {names_or_none(list(networks))})",
                )
                continue
            host_zones.add(net.zone)
            if net.zone not in tenant.zones:
                yield src.error(
                    ("hosts", i, "nics", j, "network"),
                    f"{nic.network} is in zone {net.zone.value}, which the tenant does not have "
                    f"(allowed: {names_or_none([z.value for z in tenant.zones])})",
                )
            if nic.ip:
                yield from _check_fixed_ip(src, ("hosts", i, "nics", j, "ip"), nic.ip, net.cidr, host.count, fixed)
        yield from _check_dual_homing(platform, tenant, src, i, host.role, host_zones)
        for j, vol in enumerate(host.volumes):
            vtype = volume_types.get(vol.type)
            if vtype is None:
                yield src.error(
                    ("hosts", i, "volumes", j, "type"),
                    f"unknown volume type {vol.type!r} (allowed: {names_or_none(list(volume_types))})",
                )
            elif tenant.mlps_level >= 3 and not vtype.encrypted:
                allowed = [v.name for v in platform.volume_types if v.encrypted]
                yield src.error(
                    ("hosts", i, "volumes", j, "type"),
                    f"MLPS level {tenant.mlps_level} needs an encrypted volume type "
                    f"(allowed: {names_or_none(allowed)})",
                )
    _, problems = assign_addresses(tenant)
    for problem in sorted(set(problems)):
        yield src.error(("hosts",), problem)

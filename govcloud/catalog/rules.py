"""Rules that need the whole catalog: references, address plan, approvals, quotas."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass

from govcloud.catalog.errors import CatalogError, FieldPath, dotted
from govcloud.catalog.model import HostSpec, Platform, Sensitivity, Tenant, TrustService, ZoneName
from govcloud.catalog.source import SourceFile
from govcloud.catalog.topology import (
    ADMIN_PORTS,
    FIRST_HOST_OFFSET,
    INTERNET,
    HostInstance,
    Topology,
    assign_addresses,
    parse_port,
    replica_names,
    resolve_endpoint,
    split_endpoint,
    zones_of,
)
from govcloud.catalog.usage import declared_usage

EXCHANGE_ROLE = "exchange-gateway"
NEEDS_APPROVAL = "needs an approval reference (allowed: the approving document's number, e.g. 杨管办发〔2024〕12号)"
EXCHANGE_ZONES = {ZoneName.intranet, ZoneName.extranet}
# A flow's resolved ends: "from"/"to" -> (owning tenant, its hosts).
Resolved = dict[str, tuple[str, list[HostInstance]]]


@dataclass
class Checked:
    """A tenant with the file it came from."""

    tenant: Tenant
    source: SourceFile


def _names(items: list[str]) -> str:
    return ", ".join(items) if items else "none declared"


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
            f"{exit_.zone.value} is not a zone with internet: true (allowed: {_names(internet_zones)})",
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
        yield from _duplicates(src, (key,), items_)
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


def _replica_clash(
    src: SourceFile, i: int, hosts: list[HostSpec], replicas: dict[str, int]
) -> Iterator[CatalogError]:
    """Replica names (web-1, web-2, ...) must not clash with another host's names.

    A host whose very name repeats an earlier one is already reported as a duplicate.
    """
    host = hosts[i]
    clashes = [n for n in replica_names(host) if n in replicas and replicas[n] != i]
    if clashes and all(h.name != host.name for h in hosts[:i]):
        yield src.error(("hosts", i, "name"), f"replica name {clashes[0]} clashes with another host")
    for name in replica_names(host):
        replicas.setdefault(name, i)


def _duplicates(
    src: SourceFile, path: tuple[str | int, ...], names: list[str]
) -> Iterator[CatalogError]:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            yield src.error((*path, i, "name"), f"duplicate name {name!r} (names must be unique)")
        seen.add(name)


def check_tenant(platform: Platform, item: Checked) -> Iterator[CatalogError]:
    tenant, src = item.tenant, item.source
    if tenant.sensitivity is Sensitivity.classified:
        yield src.error(
            ("sensitivity",),
            "classified (涉密) systems may not be placed on the shared e-government platform; "
            "they belong on a separately approved classified network "
            "(allowed: public, internal, sensitive)",
        )
    yield from _duplicates(src, ("networks",), [n.name for n in tenant.networks])
    yield from _duplicates(src, ("hosts",), [h.name for h in tenant.hosts])
    yield from _duplicates(src, ("flows",), [f.name for f in tenant.flows])
    yield from _check_networks(platform, tenant, src)
    yield from _check_hosts(platform, tenant, src)
    yield from _check_group_zones(tenant, src)


def _check_networks(platform: Platform, tenant: Tenant, src: SourceFile) -> Iterator[CatalogError]:
    tenant_zones = [z.value for z in tenant.zones]
    for i, net in enumerate(tenant.networks):
        if net.zone not in tenant.zones:
            yield src.error(
                ("networks", i, "zone"),
                f"tenant is not in zone {net.zone.value} (allowed: {_names(tenant_zones)})",
            )
        if net.zone is ZoneName.management and tenant.slug != platform.management_tenant:
            yield src.error(
                ("networks", i, "zone"),
                f"only the platform's own tenant has networks in the management zone "
                f"(allowed here: {_names([z.value for z in tenant.zones if z is not ZoneName.management])})",
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
                ("hosts", i, "flavor"), f"{host.flavor!r} is not approved (allowed: {_names(flavors)})"
            )
        if host.image not in images:
            yield src.error(
                ("hosts", i, "image"), f"{host.image!r} is not approved (allowed: {_names(images)})"
            )
        host_zones = set()
        for j, nic in enumerate(host.nics):
            net = networks.get(nic.network)
            if net is None:
                yield src.error(
                    ("hosts", i, "nics", j, "network"),
                    f"unknown network {nic.network!r} (allowed: {_names(list(networks))})",
                )
                continue
            host_zones.add(net.zone)
            if net.zone not in tenant.zones:
                yield src.error(
                    ("hosts", i, "nics", j, "network"),
                    f"{nic.network} is in zone {net.zone.value}, which the tenant does not have "
                    f"(allowed: {_names([z.value for z in tenant.zones])})",
                )
            if nic.ip:
                yield from _check_fixed_ip(src, ("hosts", i, "nics", j, "ip"), nic.ip, net.cidr, host.count, fixed)
        yield from _check_dual_homing(platform, tenant, src, i, host.role, host_zones)
        for j, vol in enumerate(host.volumes):
            vtype = volume_types.get(vol.type)
            if vtype is None:
                yield src.error(
                    ("hosts", i, "volumes", j, "type"),
                    f"unknown volume type {vol.type!r} (allowed: {_names(list(volume_types))})",
                )
            elif tenant.mlps_level >= 3 and not vtype.encrypted:
                allowed = [v.name for v in platform.volume_types if v.encrypted]
                yield src.error(
                    ("hosts", i, "volumes", j, "type"),
                    f"MLPS level {tenant.mlps_level} needs an encrypted volume type "
                    f"(allowed: {_names(allowed)})",
                )
    _, problems = assign_addresses(tenant)
    for problem in sorted(set(problems)):
        yield src.error(("hosts",), problem)


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


def check_address_plan(
    platform: Platform, items: list[Checked], platform_src: SourceFile
) -> Iterator[CatalogError]:
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


def check_flows(
    platform: Platform, items: list[Checked], topology: Topology, broken: set[str]
) -> Iterator[CatalogError]:
    tenants = {i.tenant.slug for i in items}
    for item in items:
        tenant, src = item.tenant, item.source
        for i, flow in enumerate(tenant.flows):
            ends = {"from": flow.source, "to": flow.destination}
            resolved: Resolved = {}
            for key, endpoint in ends.items():
                if endpoint == INTERNET:
                    continue
                owner, _ = split_endpoint(endpoint, tenant.slug)
                if owner in broken:
                    continue
                if owner not in tenants:
                    yield src.error(
                        ("flows", i, key), f"unknown tenant {owner!r} (allowed: {_names(sorted(tenants))})"
                    )
                    continue
                hosts = resolve_endpoint(topology, endpoint, tenant.slug)
                if hosts is None:
                    groups = topology.groups(owner)
                    yield src.error(
                        ("flows", i, key),
                        f"{endpoint!r} names no host or group of {owner} (groups: {_names(groups)})",
                    )
                    continue
                resolved[key] = (owner, hosts)
            if flow.source == INTERNET and flow.destination == INTERNET:
                yield src.error(("flows", i), "a flow cannot run from the internet to the internet")
                continue
            owners = {owner for owner, _ in resolved.values()}
            if owners and tenant.slug not in owners:
                yield src.error(
                    ("flows", i), f"a flow must start or end in {tenant.slug}, the tenant that declares it"
                )
            yield from _internet_end(platform, src, i, flow.source, flow.destination, resolved)
            if len(resolved) == 2:
                (src_owner, src_hosts), (dst_owner, dst_hosts) = resolved["from"], resolved["to"]
                src_zones, dst_zones = zones_of(src_hosts), zones_of(dst_hosts)
                # A side without zones has no NIC on a known network: that is reported already.
                crosses_zone = bool(src_zones and dst_zones) and not (src_zones & dst_zones)
                crosses_tenant = src_owner != dst_owner
                if crosses_zone and ZoneName.management not in src_zones | dst_zones:
                    yield src.error(
                        ("flows", i),
                        "the intranet and the extranet meet only through the data-exchange gateways "
                        f"(allowed: a flow to or from {platform.exchange_tenant}'s {EXCHANGE_ROLE} hosts)",
                    )
                elif (crosses_zone or crosses_tenant) and not flow.approval:
                    what = "zone" if crosses_zone else "tenant"
                    yield src.error(("flows", i, "approval"), f"the flow crosses a {what} and {NEEDS_APPROVAL}")
                yield from _into_management(platform, src, i, flow.ports, resolved["from"], dst_owner, dst_zones)
            elif INTERNET in (flow.source, flow.destination) and not flow.approval:
                yield src.error(("flows", i, "approval"), f"the flow reaches the internet and {NEEDS_APPROVAL}")


def _opens_admin_port(ports: list[str]) -> bool:
    for port in ports:
        _, low, high = parse_port(port)
        if low is not None and high is not None and any(low <= b and a <= high for a, b, _ in ADMIN_PORTS):
            return True
    return False


def _into_management(
    platform: Platform,
    src: SourceFile,
    i: int,
    ports: list[str],
    source: tuple[str, list[HostInstance]],
    dst_owner: str,
    dst_zones: frozenset[ZoneName],
) -> Iterator[CatalogError]:
    """The management network is reached from other tenants only by the baseline flows, and
    administered only from the bastion."""
    if ZoneName.management not in dst_zones:
        return
    src_owner, src_hosts = source
    if src_owner != dst_owner and dst_owner == platform.management_tenant:
        baseline = sorted({p for b in platform.baseline_flows if b.direction == "to-service" for p in b.ports})
        yield src.error(
            ("flows", i),
            "other tenants reach the management network only through the platform's baseline flows "
            f"(allowed: none here; platform.yaml baseline_flows open {', '.join(baseline)})",
        )
        return
    bastion = platform.trust_services.get(TrustService.bastion)
    from_bastion = bastion is not None and all(
        h.tenant == bastion.tenant and h.spec.group == bastion.group for h in src_hosts
    )
    if _opens_admin_port(ports) and not from_bastion:
        where = f"{bastion.tenant}/{bastion.group}" if bastion else "the bastion"
        yield src.error(
            ("flows", i, "ports"),
            f"administration ports in the management zone open only to the bastion (allowed source: {where})",
        )


def _internet_end(
    platform: Platform, src: SourceFile, i: int, source: str, destination: str, resolved: Resolved
) -> Iterator[CatalogError]:
    internet_zone = platform.internet_exit.zone
    for key, endpoint in (("from", source), ("to", destination)):
        if endpoint != INTERNET:
            continue
        other = resolved.get("to" if key == "from" else "from")
        if other and zones_of(other[1]) - {internet_zone}:
            yield src.error(
                ("flows", i, key),
                f"only hosts entirely in the {internet_zone.value} reach the internet, through the unified "
                "exit (a host with a NIC in another zone never does)",
            )


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
                f"no host group {placement.group!r} in {placement.tenant} (groups: {_names(groups)})",
            )

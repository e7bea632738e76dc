"""Rules over declared flows: endpoints, approvals, zone crossings, the internet, management."""

from __future__ import annotations

from collections.abc import Iterator

from govcloud.catalog.errors import CatalogError
from govcloud.catalog.model import Platform, TrustService, ZoneName
from govcloud.catalog.rules.common import EXCHANGE_ROLE, NEEDS_APPROVAL, Checked, Resolved, names_or_none
from govcloud.catalog.source import SourceFile
from govcloud.catalog.topology import (
    ADMIN_PORTS,
    INTERNET,
    HostInstance,
    Topology,
    parse_port,
    resolve_endpoint,
    split_endpoint,
    zones_of,
)


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
                        ("flows", i, key), f"unknown tenant {owner!r} (allowed: {names_or_none(sorted(tenants))})"
                    )
                    continue
                hosts = resolve_endpoint(topology, endpoint, tenant.slug)
                if hosts is None:
                    groups = topology.groups(owner)
                    yield src.error(
                        ("flows", i, key),
                        f"{endpoint!r} names no host or group of {owner} (groups: {names_or_none(groups)})",
                    )
                    continue
                resolved[key] = (owner, hosts)
            if flow.source == INTERNET and flow.destination == INTERNET:
                yield src.error(("flows", i), "a flow cannot run from the internet to the internet")
                continue
            owners = {owner for owner, _ in resolved.values()}
            if owners and tenant.slug not in owners:
                yield src.error(("flows", i), f"a flow must start or end in {tenant.slug}, the tenant that declares it")
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

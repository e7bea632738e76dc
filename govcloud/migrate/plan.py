"""From a checked legacy application to a migration plan: tenant spec, flows, findings, waves.

Nothing here reads or writes files beyond the flow CSV; verify.py proves the result against the
real catalog loader and policy pack, render.py writes it out.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from govcloud.catalog.errors import CatalogInvalid
from govcloud.catalog.loader import Catalog
from govcloud.catalog.model import Flavor, Platform, Sensitivity, Tenant, ZoneName
from govcloud.catalog.topology import INTERNET, build_hosts, build_topology, resolve_endpoint, zones_of
from govcloud.catalog.usage import declared_usage
from govcloud.migrate.discover import DiscoveryResult, discover
from govcloud.migrate.load import LoadedApp
from govcloud.migrate.model import LegacyHost, Reach, Tier
from govcloud.migrate.sizing import ImageChoice, Sizing
from govcloud.migrate.waves import Cycle, order_tiers

REFUSED, ACTION, NOTE = "refused", "action", "note"
GATEWAY_GROUP = "gateway"  # the data-exchange tenant's exchange-gateway hosts
TENANT_BLOCK = 20  # each tenant takes a /20 of its zone's supernet (the sample zone's address plan)
TIER_PREFIX = 24
QUOTA_HEADROOM = 1.25
RULES_HEADROOM = 1.5
DATA_ROLES = {"db", "database", "data", "storage", "mq", "cache"}


@dataclass(frozen=True)
class Finding:
    kind: str  # classified | cross-zone | needs-approval | internet-from-intranet | dedicated-access | ...
    severity: str  # refused | action | note
    subject: str
    en: str
    zh: str


@dataclass
class TierPlan:
    tier: Tier
    zone: ZoneName
    zone_en: str
    zone_zh: str
    hosts: list[LegacyHost]
    sizing: list[Sizing]
    flavor: Flavor
    image: ImageChoice
    data_gb: int
    cidr: str = ""

    @property
    def name(self) -> str:
        return self.tier.name

    @property
    def host_name(self) -> str:
        return f"{self.tier.name}-vm"

    @property
    def holds_data(self) -> bool:
        return self.tier.role in DATA_ROLES


@dataclass
class PlannedFlow:
    name: str
    source: str
    destination: str
    ports: list[str]
    approval: str | None
    purpose: str
    origin: str  # declared | discovered | declared+discovered | users | peer
    pending: bool = False  # needs an approval first: written commented out, not in the tenant

    def catalog(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "from": self.source, "to": self.destination, "ports": self.ports}
        if self.approval:
            out["approval"] = self.approval
        if self.purpose:
            out["purpose"] = self.purpose
        return out


@dataclass
class Wave:
    number: int
    tiers: list[str]
    cycle: Cycle | None
    cutover_en: list[str] = field(default_factory=list)
    cutover_zh: list[str] = field(default_factory=list)
    rollback_en: list[str] = field(default_factory=list)
    rollback_zh: list[str] = field(default_factory=list)


@dataclass
class MigrationPlan:
    loaded: LoadedApp
    slug: str
    refused: bool = False
    tiers: list[TierPlan] = field(default_factory=list)
    flows: list[PlannedFlow] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    waves: list[Wave] = field(default_factory=list)
    cycles: tuple[Cycle, ...] = ()
    tenant: Tenant | None = None
    quota_en: list[str] = field(default_factory=list)
    quota_zh: list[str] = field(default_factory=list)
    addresses: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # tier -> [(legacy, new)]
    discovery: DiscoveryResult | None = None

    @property
    def app(self) -> Any:
        return self.loaded.app

    @property
    def pending(self) -> list[PlannedFlow]:
        return [f for f in self.flows if f.pending]


@dataclass
class _Conn:
    source: str
    destination: str
    ports: list[str]
    approval: str | None
    purpose: str
    origin: str


def build_plan(
    loaded: LoadedApp,
    catalog: Catalog,
    *,
    replacing: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> MigrationPlan:
    """The whole migration plan for `loaded` on `catalog` (minus tenant `replacing`, when re-planned)."""
    app = loaded.app
    plan = MigrationPlan(loaded, app.tenant_slug)
    if app.sensitivity is Sensitivity.classified:
        plan.refused = True
        plan.findings.append(
            Finding(
                "classified",
                REFUSED,
                app.app,
                "classified (涉密) systems may not be placed on the shared e-government platform: they stay on a "
                "separately approved classified network (分级保护), so no tenant is generated",
                "涉密系统不得部署在共享的电子政务云平台上，应保留在按分级保护要求另行审批的涉密网络中，因此不生成租户",
            )
        )
        return plan
    replacing = replacing or loaded.replaces
    others = {slug: t for slug, t in catalog.tenants.items() if slug != replacing}
    csv_path = loaded.csv_path()
    if csv_path is not None and app.discovery is not None:
        plan.discovery = discover(csv_path, app, app.discovery.min_count, on_progress)
    connections = _connections(loaded, plan.discovery)
    plan.tiers = _place_tiers(loaded, catalog.platform, others)
    by_tier = {t.name: t for t in plan.tiers}
    plan.flows = _flows(plan, connections, by_tier, catalog)
    _user_flows(plan, by_tier)
    _unique_names(plan.flows)
    plan.tenant = _tenant(plan, catalog.platform, others)
    for tier in plan.tiers:
        hosts = [h for h in build_hosts(plan.tenant) if h.spec.group == tier.name]
        plan.addresses[tier.name] = [
            (", ".join(legacy.addresses), ", ".join(n.ip for n in new.nics))
            for legacy, new in zip(tier.hosts, hosts, strict=True)
        ]
    depends: dict[str, set[str]] = {t.name: set(t.tier.after) for t in plan.tiers}
    for conn in connections:
        if conn.source in by_tier and conn.destination in by_tier:
            depends[conn.source].add(conn.destination)
    ordering = order_tiers([t.name for t in plan.tiers], depends)
    plan.cycles = ordering.cycles
    for cycle in ordering.cycles:
        plan.findings.append(
            Finding(
                "dependency-cycle",
                ACTION,
                ", ".join(cycle.members),
                f"tiers {', '.join(cycle.members)} depend on each other ({cycle}): no order moves one before the "
                "other, so they move together in one wave; consider breaking the cycle first",
                f"层 {', '.join(cycle.members)} 相互依赖（{cycle}），无法先后迁移，只能在同一批次整体迁移；"
                "宜先解除循环依赖",
            )
        )
    from govcloud.migrate.checklists import make_waves  # checklists read the finished plan

    plan.waves = make_waves(plan, ordering.waves)
    return plan


def _connections(loaded: LoadedApp, found: DiscoveryResult | None) -> list[_Conn]:
    """Declared connections, with discovered ones merged in (ports joined per pair of ends)."""
    out: dict[tuple[str, str], _Conn] = {}
    for conn in loaded.app.connections:
        key = (conn.source, conn.destination)
        if key in out:
            known = out[key]
            known.ports = sorted(set(known.ports) | set(conn.ports))
            known.approval = known.approval or conn.approval
        else:
            out[key] = _Conn(conn.source, conn.destination, list(conn.ports), conn.approval, conn.purpose, "declared")
    for cand in found.candidates if found else []:
        key = (cand.source, cand.destination)
        if key in out:
            known = out[key]
            added = set(cand.ports) - set(known.ports)
            if added:
                known.ports = sorted(set(known.ports) | added)
            known.origin = "declared+discovered"
        else:
            out[key] = _Conn(cand.source, cand.destination, list(cand.ports), None, "", "discovered")
    return list(out.values())


def _zone_for(tier: Tier, users: list[Any]) -> tuple[ZoneName, str, str]:
    if tier.zone is not None:
        return tier.zone, "set in the legacy file", "迁移描述文件指定"
    outside = sorted({u.reached_over.value for u in users if u.tier == tier.name} & {"internet", "extranet"})
    if outside:
        return (
            ZoneName.extranet,
            f"users reach it over the {' and '.join(outside)}: extranet (政务外网), published through the unified exit",
            "用户经" + "、".join("互联网" if o == "internet" else "政务外网" for o in outside) + "访问，部署在政务外网",
        )
    return (
        ZoneName.intranet,
        "no users from the extranet or the internet: intranet (政务内网), no path to the internet",
        "无外网或互联网用户，部署在政务内网（不通互联网）",
    )


def _free_blocks(platform: Platform, zone: ZoneName, taken: list[ipaddress.IPv4Network]) -> ipaddress.IPv4Network:
    supernet = ipaddress.IPv4Network(platform.zones[zone].supernet)
    for block in supernet.subnets(new_prefix=TENANT_BLOCK):
        if block.network_address == supernet.network_address:
            continue  # the first block stays free: addresses ending .0.x read as mistakes
        if not any(block.overlaps(t) for t in taken):
            return block
    raise ValueError(f"no free /{TENANT_BLOCK} left in the {zone.value} supernet {supernet}")


def _place_tiers(loaded: LoadedApp, platform: Platform, others: dict[str, Tenant]) -> list[TierPlan]:
    app = loaded.app
    flavors = [f.name for f in sorted(platform.flavors, key=lambda f: (f.vcpus, f.ram_mb, f.disk_gb, f.name))]
    tiers = []
    for tier in app.tiers:
        zone, zone_en, zone_zh = _zone_for(tier, list(app.users))
        indices = [i for i, h in enumerate(app.hosts) if h.tier == tier.name]
        sizing = [loaded.sizing[i] for i in indices]
        biggest = max(sizing, key=lambda s: flavors.index(s.flavor.name))
        images = [loaded.images[i] for i in indices]
        tiers.append(
            TierPlan(
                tier,
                zone,
                zone_en,
                zone_zh,
                [app.hosts[i] for i in indices],
                sizing,
                biggest.flavor,
                max(images, key=lambda c: sum(1 for o in images if o.image.name == c.image.name)),
                max(s.data_gb for s in sizing),
            )
        )
    taken = [ipaddress.IPv4Network(z.backbone.cidr) for z in platform.zones.values()]
    taken += [ipaddress.IPv4Network(n.cidr) for t in others.values() for n in t.networks]
    for zone in sorted({t.zone for t in tiers}, key=lambda z: z.value):
        try:
            block = _free_blocks(platform, zone, taken)
        except ValueError as exc:
            raise CatalogInvalid([loaded.source.error(("tiers",), f"{exc} (ask the platform team for room)")]) from None
        taken.append(block)
        subnets = block.subnets(new_prefix=TIER_PREFIX)
        for placed in (t for t in tiers if t.zone == zone):
            placed.cidr = str(next(subnets))
    return tiers


def _flows(
    plan: MigrationPlan, connections: list[_Conn], by_tier: dict[str, TierPlan], catalog: Catalog
) -> list[PlannedFlow]:
    peers = {p.name: p for p in plan.app.peers}
    exchange = f"{catalog.platform.exchange_tenant}/{GATEWAY_GROUP}"
    out: list[PlannedFlow] = []
    for conn in connections:
        src_tier, dst_tier = by_tier.get(conn.source), by_tier.get(conn.destination)
        ports = list(conn.ports)
        if src_tier and dst_tier:
            if src_tier.zone == dst_tier.zone:
                name = (
                    f"{conn.source}-to-{conn.destination}"
                    if conn.source != conn.destination
                    else f"{conn.source}-peers"
                )
                out.append(PlannedFlow(name, conn.source, conn.destination, ports, None, conn.purpose, conn.origin))
                continue
            pending = conn.approval is None
            plan.findings.append(
                _cross_zone(f"{conn.source} -> {conn.destination}", src_tier.zone, dst_tier.zone, conn.approval)
            )
            out.append(
                PlannedFlow(
                    f"{conn.source}-via-exchange",
                    conn.source,
                    exchange,
                    ports,
                    conn.approval,
                    conn.purpose,
                    conn.origin,
                    pending,
                )
            )
            out.append(
                PlannedFlow(
                    f"exchange-to-{conn.destination}",
                    exchange,
                    conn.destination,
                    ports,
                    conn.approval,
                    conn.purpose,
                    conn.origin,
                    pending,
                )
            )
            continue
        tier = src_tier or dst_tier
        peer = peers.get(conn.destination if src_tier else conn.source)
        if tier is None or peer is None:
            continue
        outbound = src_tier is not None
        subject = f"{conn.source} -> {conn.destination}"
        approval = conn.approval or peer.approval
        out.extend(_peer_flow(plan, tier, peer, outbound, ports, approval, conn, subject, catalog, exchange))
    return out


def _cross_zone(subject: str, a: ZoneName, b: ZoneName, approval: str | None) -> Finding:
    if approval:
        return Finding(
            "cross-zone",
            NOTE,
            subject,
            f"crosses the {a.value} and the {b.value}: routed through the data-exchange gateways under {approval}",
            f"跨越{_zone_zh(a)}与{_zone_zh(b)}：经数据交换平台网关中转，审批文号 {approval}",
        )
    return Finding(
        "cross-zone",
        ACTION,
        subject,
        f"crosses the {a.value} and the {b.value} without an approval: the intranet and the extranet meet only at the "
        "data-exchange gateways, and only along an approved flow; the flow is held back until an approval is given",
        f"跨越{_zone_zh(a)}与{_zone_zh(b)}且无审批：内外网只能经数据交换平台网关按审批的业务流互通，"
        "该业务流在取得审批文号前暂不写入租户",
    )


def _zone_zh(zone: ZoneName | str) -> str:
    value = zone.value if isinstance(zone, ZoneName) else zone
    return {"intranet": "政务内网", "extranet": "政务外网", "management": "管理区", "internet": "互联网"}.get(
        value, value
    )


def _peer_flow(
    plan: MigrationPlan,
    tier: TierPlan,
    peer: Any,
    outbound: bool,
    ports: list[str],
    approval: str | None,
    conn: _Conn,
    subject: str,
    catalog: Catalog,
    exchange: str,
) -> list[PlannedFlow]:
    over: Reach = peer.reached_over
    purpose = conn.purpose or peer.title
    direction = "to" if outbound else "from"
    name = f"{tier.name}-{direction}-{peer.name}"

    def flow(other: str, pending: bool) -> PlannedFlow:
        src, dst = (tier.name, other) if outbound else (other, tier.name)
        return PlannedFlow(name, src, dst, ports, approval, purpose, conn.origin, pending)

    if over is Reach.specialised:
        plan.findings.append(
            Finding(
                "dedicated-access",
                ACTION,
                subject,
                f"{peer.title} is reached over the {plan.app.specialised_network}: that link must stay as dedicated "
                "access (专线接入) terminated at the platform's boundary under the network owner's approval; "
                "it is not a catalog flow",
                f"{peer.title} 经{plan.app.specialised_network}访问：该链路须保留为专线接入，"
                "在平台边界按专网主管单位审批接入，不作为目录业务流",
            )
        )
        return []
    if over is Reach.internet:
        if tier.zone is not ZoneName.extranet:
            plan.findings.append(
                Finding(
                    "internet-from-intranet",
                    ACTION,
                    subject,
                    f"tier {tier.name} is in the {tier.zone.value}, which has no path to the internet: {peer.title} "
                    "must be reached from an extranet tier or through the data-exchange platform",
                    f"{tier.name} 层位于{_zone_zh(tier.zone)}，不通互联网："
                    f"对 {peer.title} 的访问须改由政务外网中的层发起，"
                    "或经数据交换平台中转",
                )
            )
            return []
        if approval is None:
            plan.findings.append(_needs_approval(subject, "reaches the internet", "访问互联网"))
        return [flow(INTERNET, approval is None)]
    if over is Reach.platform and peer.endpoint:
        hosts = resolve_endpoint(catalog.topology, peer.endpoint, "") or []
        zones = zones_of(hosts)
        if ZoneName.management in zones:
            plan.findings.append(
                Finding(
                    "baseline-service",
                    NOTE,
                    subject,
                    f"{peer.endpoint} is a platform service: the baseline flows open it (DNS, time, audit log, "
                    "directory, bastion); no tenant flow is added",
                    f"{peer.endpoint} 为平台基础服务，由平台基线业务流统一开放，不另加租户业务流",
                )
            )
            return []
        if tier.zone in zones:
            if approval is None:
                plan.findings.append(_needs_approval(subject, "crosses a tenant", "跨租户"))
            return [flow(peer.endpoint, approval is None)]
        other = sorted(z.value for z in zones)[0] if zones else "?"
        plan.findings.append(_cross_zone(subject, tier.zone, ZoneName(other), approval))
        plan.findings.append(
            Finding(
                "exchange-route",
                ACTION,
                subject,
                f"{peer.endpoint} sits in the {other}: the data-exchange tenant must declare the onward delivery "
                f"to {peer.endpoint} under the same approval",
                f"{peer.endpoint} 位于{_zone_zh(other)}：须由数据交换平台租户按同一审批声明向 {peer.endpoint} 的转发",
            )
        )
        return [flow(exchange, approval is None)]
    # a system off the platform, in the intranet or the extranet
    zone = ZoneName(over.value)
    if zone != tier.zone:
        plan.findings.append(_cross_zone(subject, tier.zone, zone, approval))
    plan.findings.append(
        Finding(
            "off-platform-peer",
            ACTION,
            subject,
            f"{peer.title} stays off the platform in the {zone.value}: the catalog has no flow to addresses off "
            "the platform; agree its route with the platform team, or move it onto the platform first",
            f"{peer.title} 仍在平台外的{_zone_zh(zone)}：目录业务流无法指向平台外地址，"
            "须与平台运维方商定路由，或先将其迁入平台",
        )
    )
    return []


def _needs_approval(subject: str, what_en: str, what_zh: str) -> Finding:
    return Finding(
        "needs-approval",
        ACTION,
        subject,
        f"the flow {what_en} and needs an approval reference: held back (written commented out) until one is given",
        f"该业务流{what_zh}，须有审批文号：在取得前以注释形式列出，暂不生效",
    )


def _user_flows(plan: MigrationPlan, by_tier: dict[str, TierPlan]) -> None:
    for users in plan.app.users:
        tier = by_tier[users.tier]
        subject = f"{users.name} -> {tier.name}"
        over: Reach = users.reached_over
        if over is Reach.internet:
            if tier.zone is not ZoneName.extranet:
                plan.findings.append(
                    Finding(
                        "internet-from-intranet",
                        ACTION,
                        subject,
                        f"internet users cannot reach tier {tier.name} in the {tier.zone.value} (allowed: extranet "
                        "tiers published through the unified exit)",
                        f"互联网用户无法访问位于{_zone_zh(tier.zone)}的 {tier.name} 层"
                        "（只有经统一互联网出口发布的政务外网层可以）",
                    )
                )
                continue
            if users.approval is None:
                plan.findings.append(_needs_approval(subject, "is published to the internet", "对互联网发布"))
            plan.flows.append(
                PlannedFlow(
                    f"publish-{tier.name}",
                    INTERNET,
                    tier.name,
                    list(users.ports),
                    users.approval,
                    f"{users.name}（{users.count}）",
                    "users",
                    users.approval is None,
                )
            )
        elif over is Reach.specialised:
            plan.findings.append(
                Finding(
                    "dedicated-access",
                    ACTION,
                    subject,
                    f"{users.count} users ({users.name}) come over the {plan.app.specialised_network}: "
                    "their access must "
                    "stay as dedicated access until they move to the 政务外网/政务内网",
                    f"{users.name}（{users.count} 人）经{plan.app.specialised_network}访问："
                    "在其迁入政务内外网前须保留专线接入",
                )
            )
        else:
            zone = ZoneName(over.value)
            same = zone == tier.zone
            plan.findings.append(
                Finding(
                    "user-access" if same else "cross-zone",
                    NOTE if same else ACTION,
                    subject,
                    f"{users.count} users ({users.name}) reach tier {tier.name} over the {zone.value}"
                    + (
                        ": desktop access in the zone is governed by its access control, not by a tenant flow"
                        if same
                        else f", but the tier is in the {tier.zone.value}: users must reach it from its own zone"
                    ),
                    f"{users.name}（{users.count} 人）经{_zone_zh(zone)}访问 {tier.name} 层"
                    + (
                        "：终端接入由区域访问控制管理，不作为租户业务流"
                        if same
                        else f"，但该层位于{_zone_zh(tier.zone)}：用户须从同一区域访问"
                    ),
                )
            )


def _unique_names(flows: list[PlannedFlow]) -> None:
    seen: dict[str, int] = {}
    for flow in flows:
        base = flow.name[:28].rstrip("-")
        n = seen.get(base, 0) + 1
        seen[base] = n
        flow.name = base if n == 1 else f"{base}-{n}"


def _volume_type(platform: Platform, encrypted: bool) -> str:
    for vt in platform.volume_types:
        if vt.encrypted == encrypted:
            return vt.name
    return platform.volume_types[0].name


def _tenant(plan: MigrationPlan, platform: Platform, others: dict[str, Tenant]) -> Tenant:
    app = plan.app
    encrypted = app.mlps_level >= 3 or app.sensitivity is Sensitivity.sensitive
    zones = sorted({t.zone for t in plan.tiers}, key=lambda z: z.value)
    hosts = []
    for tier in plan.tiers:
        host: dict[str, Any] = {
            "name": tier.host_name,
            "group": tier.name,
            "role": tier.tier.role,
            "count": len(tier.hosts),
            "flavor": tier.flavor.name,
            "image": tier.image.image.name,
            "nics": [{"network": tier.name}],
        }
        if tier.data_gb:
            host["volumes"] = [{"name": "data", "size_gb": tier.data_gb, "type": _volume_type(platform, encrypted)}]
        hosts.append(host)
    draft: dict[str, Any] = {
        "slug": plan.slug,
        "name": f"{app.owner.department} {app.name}",
        "name_en": app.name_en,
        "owner": app.owner.model_dump(),
        "mlps_level": app.mlps_level,
        "sensitivity": app.sensitivity.value,
        "zones": [z.value for z in zones],
        "networks": [{"name": t.name, "zone": t.zone.value, "cidr": t.cidr} for t in plan.tiers],
        "quotas": {
            k: 0
            for k in (
                "instances",
                "cores",
                "ram_mb",
                "volumes",
                "gigabytes",
                "networks",
                "subnets",
                "ports",
                "routers",
                "security_groups",
                "security_group_rules",
            )
        },
        "hosts": hosts,
        "flows": [f.catalog() for f in plan.flows if not f.pending],
        "notes": f"Migrated from {app.specialised_network}: {app.name_en} (catalog/legacy/{app.app}.yaml).",
    }
    tenant = Tenant.model_validate(draft)
    topology = build_topology(platform, {**others, plan.slug: tenant})
    usage = declared_usage(platform, tenant, topology)
    quotas: dict[str, int] = {}
    for key, need in usage.items():
        if key in ("networks", "subnets", "routers", "floating_ips"):
            quotas[key] = need
        elif key == "security_group_rules":
            quotas[key] = max(100, math.ceil(need * RULES_HEADROOM))
        else:
            quotas[key] = math.ceil(need * QUOTA_HEADROOM)
        plan.quota_en.append(f"{key}: {quotas[key]} (declared {need})")
        plan.quota_zh.append(f"{key}：{quotas[key]}（声明用量 {need}）")
    draft["quotas"] = quotas
    return Tenant.model_validate(draft)

"""What the catalog says the network should be: zones, the bastion, the exchange, declared flows.

The proof computes reachability from the plan alone; the catalog only names things (zones by
their supernets, backbones and the internet network by name, the bastion and the exchange
gateways by tenant and group) and says which flows were declared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from govcloud.catalog.loader import Catalog
from govcloud.catalog.model import TrustService, ZoneName
from govcloud.catalog.topology import ADMIN_PORTS, INTERNET, resolve_endpoint
from govcloud.isolation import services as sv
from govcloud.isolation.intervals import Interval, prefix_interval

EXCHANGE_ROLE = "exchange-gateway"
INTRANET, EXTRANET, MANAGEMENT = ZoneName.intranet.value, ZoneName.extranet.value, ZoneName.management.value

# Administration services: only the bastion may reach them on management hosts.
ADMIN_SERVICES: sv.Services = sv.union(
    *(sv.of_rule(proto, low, high) for low, high, _ in ADMIN_PORTS for proto in ("tcp", "udp"))
)


@dataclass(frozen=True)
class DeclaredFlow:
    """A flow of the catalog between hosts (by plan instance name); None: any host."""

    name: str
    tenant: str  # the tenant declaring it, or "(platform)" for a baseline flow
    sources: frozenset[str] | None
    destinations: frozenset[str] | None
    services: sv.Services
    approval: str
    baseline: bool
    service: str = ""  # the trust service of a baseline flow


@dataclass
class Intent:
    zones: dict[str, Interval]  # zone -> supernet
    zone_titles: dict[str, str]
    backbones: dict[str, str]  # backbone network name -> zone
    backbone_cidrs: dict[str, Interval]  # zone -> its backbone subnet
    internet_networks: frozenset[str]
    internet_zone: str
    bastion: tuple[str, str] | None  # (tenant, group)
    exchange_tenant: str
    management_tenant: str
    tenant_titles: dict[str, str]
    flows: list[DeclaredFlow] = field(default_factory=list)
    # trust service -> instance names of its hosts; baseline services allowed per host
    service_hosts: dict[str, frozenset[str]] = field(default_factory=dict)

    def zone_of(self, address: int) -> str | None:
        for zone, (start, end) in self.zones.items():
            if start <= address < end:
                return zone
        return None

    def is_bastion(self, tenant: str | None, group: str | None) -> bool:
        return self.bastion is not None and (tenant, group) == self.bastion

    def is_gateway(self, tenant: str | None, role: str | None) -> bool:
        return tenant == self.exchange_tenant and role == EXCHANGE_ROLE

    def baseline_into(self, hosts: frozenset[str]) -> sv.Services:
        """Baseline services any tenant host may open to all of `hosts` (to-service flows)."""
        found = [
            f.services
            for f in self.flows
            if f.baseline and f.sources is None and f.destinations is not None and hosts <= f.destinations
        ]
        return sv.union(*found)


def _instance_names(catalog: Catalog, endpoint: str, tenant: str) -> frozenset[str] | None:
    hosts = resolve_endpoint(catalog.topology, endpoint, tenant) or []
    return frozenset(f"{h.tenant}-{h.name}" for h in hosts)


def stack_names(config: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """Backbone and internet network names a stack config overrides (govcloud:backbones, ...)."""
    backbones: dict[str, str] = {}
    raw = config.get("govcloud:backbones")
    if raw:
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError:
            parsed = {}
        if isinstance(parsed, dict):
            backbones = {str(k): str(v) for k, v in parsed.items()}
    return backbones, config.get("govcloud:internetNetwork")


def build_intent(catalog: Catalog, stack_config: dict[str, str] | None = None) -> Intent:
    platform = catalog.platform
    overrides, internet_override = stack_names(stack_config or {})
    zones: dict[str, Interval] = {}
    backbones: dict[str, str] = {}
    backbone_cidrs: dict[str, Interval] = {}
    for name in (z for z in ZoneName if z in platform.zones):  # intranet, extranet, management
        zone = platform.zones[name]
        supernet = prefix_interval(zone.supernet)
        backbone = prefix_interval(zone.backbone.cidr)
        assert supernet is not None and backbone is not None  # the catalog validated them
        zones[name.value] = supernet
        backbone_cidrs[name.value] = backbone
        backbones[zone.backbone.network] = name.value
        backbones[overrides.get(name.value, zone.backbone.network)] = name.value
    internet = {platform.internet_exit.external_network}
    if internet_override:
        internet.add(internet_override)
    bastion = platform.trust_services.get(TrustService.bastion)
    intent = Intent(
        zones=zones,
        zone_titles={z.value: spec.title for z, spec in platform.zones.items()},
        backbones=backbones,
        backbone_cidrs=backbone_cidrs,
        internet_networks=frozenset(internet),
        internet_zone=platform.internet_exit.zone.value,
        bastion=(bastion.tenant, bastion.group) if bastion else None,
        exchange_tenant=platform.exchange_tenant,
        management_tenant=platform.management_tenant,
        tenant_titles={slug: f"{t.name} ({t.name_en})" for slug, t in catalog.tenants.items()},
    )
    for slug, tenant in catalog.tenants.items():
        for flow in tenant.flows:
            src = None if flow.source == INTERNET else _instance_names(catalog, flow.source, slug)
            dst = None if flow.destination == INTERNET else _instance_names(catalog, flow.destination, slug)
            if src is None and dst is None:
                continue
            intent.flows.append(
                DeclaredFlow(
                    name=flow.name,
                    tenant=slug,
                    # an internet end is no tenant host: such flows never excuse a host-to-host pair
                    sources=src if src is not None else frozenset(),
                    destinations=dst if dst is not None else frozenset(),
                    services=sv.union(*(sv.of_spec(p) for p in flow.ports)),
                    approval=flow.approval or "",
                    baseline=False,
                )
            )
    for baseline in platform.baseline_flows:
        placement = platform.trust_services.get(baseline.service)
        if placement is None:
            continue
        hosts = _instance_names(catalog, placement.group, placement.tenant) or frozenset()
        intent.service_hosts[baseline.service.value] = hosts
        to_service = baseline.direction == "to-service"
        intent.flows.append(
            DeclaredFlow(
                name=baseline.name,
                tenant="(platform)",
                sources=None if to_service else hosts,
                destinations=hosts if to_service else None,
                services=sv.union(*(sv.of_spec(p) for p in baseline.ports)),
                approval=baseline.approval,
                baseline=True,
                service=baseline.service.value,
            )
        )
    return intent


def read_stack_config(project_dir: Path, stack: str) -> dict[str, str]:
    """The stack's config if its Pulumi.<stack>.yaml is here (for renamed backbones), else {}."""
    from govcloud.catalog.errors import CatalogInvalid
    from govcloud.plan.stack_config import read_stack_config as read

    try:
        config, _ = read(project_dir, stack)
    except (CatalogInvalid, OSError, ValueError):
        return {}
    return config

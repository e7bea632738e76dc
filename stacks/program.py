"""The whole program: the platform, then every tenant. Used by `pulumi up` and the offline plan."""

from __future__ import annotations

import pulumi

from govcloud.catalog.loader import Catalog
from stacks.platform import Platform
from stacks.settings import StackSettings
from stacks.tenant import Tenant


def host_inventory(catalog: Catalog) -> dict[str, dict[str, object]]:
    """What inventories/production needs: every host with its groups and addresses."""
    out: dict[str, dict[str, object]] = {}
    for host in catalog.topology.all_hosts():
        tenant = catalog.tenants[host.tenant]
        out[f"{host.tenant}-{host.name}"] = {
            "tenant": host.tenant,
            "group": host.spec.group,
            "role": host.spec.role,
            "mlps_level": tenant.mlps_level,
            "zones": sorted(z.value for z in host.zones),
            "addresses": {n.network: n.ip for n in host.nics},
            # What the host firewall opens: the same ingress rules as its security group.
            "ingress": [
                {
                    "protocol": rule.protocol,
                    "port_min": rule.port_min,
                    "port_max": rule.port_max,
                    "source": rule.remote_cidr,
                    "flow": rule.flow,
                }
                for rule in catalog.topology.rules.get((host.tenant, host.spec.group), [])
                if rule.direction == "ingress"
            ],
        }
    return out


def service_addresses(catalog: Catalog) -> dict[str, list[str]]:
    """Every platform service with the plan's addresses of its hosts (catalog/platform.yaml places them)."""
    hosts = catalog.topology.hosts
    return catalog.platform.service_addresses(
        lambda tenant, group: (n.ip for h in hosts.get(tenant, []) if h.spec.group == group for n in h.nics)
    )


def deploy(catalog: Catalog, settings: StackSettings) -> None:
    platform = Platform("platform", catalog, settings)
    management = catalog.platform.management_tenant
    tenants = {}
    for slug, spec in catalog.tenants.items():
        # The management tenant is the platform's own: its resources hang under the platform.
        parent = platform if slug == management else None
        tenants[slug] = Tenant(spec, catalog, platform, settings, opts=pulumi.ResourceOptions(parent=parent))
    pulumi.export("projects", {slug: t.project.id for slug, t in tenants.items()})
    pulumi.export("exitRouter", platform.exit_router.id)
    pulumi.export("hosts", host_inventory(catalog))
    pulumi.export("services", service_addresses(catalog))

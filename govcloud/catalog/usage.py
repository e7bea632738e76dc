"""What a tenant's declarations consume, counted the way OpenStack counts quota."""

from __future__ import annotations

from govcloud.catalog.model import Platform, Tenant
from govcloud.catalog.topology import Topology

# Neutron creates a "default" security group in every project with four rules
# (IPv4 and IPv6 egress, and ingress from the group itself); they count against quota.
DEFAULT_GROUP_RULES = 4


def routers_needed(tenant: Tenant) -> int:
    """One router per zone the tenant has networks in (a router never spans two zones)."""
    return len({n.zone for n in tenant.networks})


def declared_usage(platform: Platform, tenant: Tenant, topology: Topology) -> dict[str, int]:
    flavors = {f.name: f for f in platform.flavors}
    hosts = topology.hosts.get(tenant.slug, [])
    known = [h for h in hosts if h.spec.flavor in flavors]
    groups = topology.groups(tenant.slug)
    rules = sum(len(topology.rules.get((tenant.slug, g), [])) for g in groups)
    return {
        "instances": len(hosts),
        "cores": sum(flavors[h.spec.flavor].vcpus for h in known),
        "ram_mb": sum(flavors[h.spec.flavor].ram_mb for h in known),
        "volumes": sum(len(h.spec.volumes) for h in hosts),
        "gigabytes": sum(v.size_gb for h in hosts for v in h.spec.volumes),
        "networks": len(tenant.networks),
        "subnets": len(tenant.networks),
        # a port per NIC, plus each router's interface on each of its subnets
        "ports": sum(len(h.nics) for h in hosts) + len(tenant.networks),
        "routers": routers_needed(tenant),
        "security_groups": len(groups) + 1,
        "security_group_rules": rules + DEFAULT_GROUP_RULES,
        "floating_ips": 0,
    }

"""A tenant's presence in one zone: its router on that zone's backbone and its networks."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

import pulumi
import pulumi_openstack as openstack
from pulumi_openstack.networking.outputs import RouterExternalFixedIp

from govcloud.catalog.loader import Catalog
from govcloud.catalog.model import Tenant as TenantSpec
from govcloud.catalog.model import ZoneName
from govcloud.catalog.topology import FIRST_HOST_OFFSET
from stacks.platform import Platform


def service_pool(cidr: str) -> tuple[str, str]:
    """The addresses Neutron may hand out by itself: .2-.9 (hosts use fixed ones from .10)."""
    network = ipaddress.IPv4Network(cidr)
    first = network.network_address + 2
    last = network.network_address + FIRST_HOST_OFFSET - 1
    return str(first), str(last)


def gateway_address(fixed_ips: Sequence[RouterExternalFixedIp]) -> str:
    if not fixed_ips or not fixed_ips[0].ip_address:
        raise ValueError("the router has no address on its backbone")
    return fixed_ips[0].ip_address


class TenantZoneNetwork(pulumi.ComponentResource):
    """One router per tenant and zone: a router never touches two zones."""

    def __init__(
        self,
        spec: TenantSpec,
        zone: ZoneName,
        catalog: Catalog,
        platform: Platform,
        project_id: pulumi.Input[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        name = f"{spec.slug}-{zone.value}"
        super().__init__("govcloud:tenant:ZoneNetwork", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tags = ["govcloud", f"dept:{spec.slug}", f"zone:{zone.value}", f"mlps:{spec.mlps_level}"]
        self.router = openstack.networking.Router(
            f"{name}-router",
            name=f"{name}-router",
            tenant_id=project_id,
            # The gateway sits only on this zone's backbone; no NAT there: addresses stay
            # routable and attributable inside the government network.
            external_network_id=platform.backbones[zone].network_id,
            enable_snat=False,
            tags=tags,
            opts=child,
        )
        resolvers = catalog.platform.dns_resolvers.get(zone, [])
        self.networks: dict[str, openstack.networking.Network] = {}
        self.subnets: dict[str, openstack.networking.Subnet] = {}
        for net in (n for n in spec.networks if n.zone == zone):
            network = openstack.networking.Network(
                f"{spec.slug}-{net.name}-net",
                name=f"{spec.slug}-{net.name}",
                tenant_id=project_id,
                port_security_enabled=True,
                shared=False,
                tags=tags,
                opts=child,
            )
            subnet = openstack.networking.Subnet(
                f"{spec.slug}-{net.name}-subnet",
                name=f"{spec.slug}-{net.name}",
                network_id=network.id,
                tenant_id=project_id,
                cidr=net.cidr,
                ip_version=4,
                enable_dhcp=True,
                # Neutron's own ports (DHCP) take .2-.9; hosts get fixed addresses from .10.
                allocation_pools=[
                    openstack.networking.SubnetAllocationPoolArgs(start=pool_start, end=pool_end)
                    for pool_start, pool_end in [service_pool(net.cidr)]
                ],
                dns_nameservers=list(resolvers),
                tags=tags,
                opts=child,
            )
            openstack.networking.RouterInterface(
                f"{spec.slug}-{net.name}-interface",
                router_id=self.router.id,
                subnet_id=subnet.id,
                opts=child,
            )
            self.networks[net.name] = network
            self.subnets[net.name] = subnet
            if zone == catalog.platform.internet_exit.zone:
                # No SNAT on tenant routers: the exit router needs a route back to each subnet.
                openstack.networking.RouterRoute(
                    f"{spec.slug}-{net.name}-exit-route",
                    router_id=platform.exit_router.id,
                    destination_cidr=net.cidr,
                    next_hop=self.router.external_fixed_ips.apply(gateway_address),
                    opts=child,
                )
        self.register_outputs({"routerId": self.router.id})

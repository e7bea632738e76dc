"""A tenant's presence in one zone: its router on that zone's backbone and its networks."""

from __future__ import annotations

import pulumi
import pulumi_openstack as openstack

from govcloud.catalog.loader import Catalog
from govcloud.catalog.model import Tenant as TenantSpec
from govcloud.catalog.model import ZoneName
from stacks.platform import Platform


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
        self.register_outputs({"routerId": self.router.id})

"""The platform: backbones, the single internet exit, flavors, volume types, shared identity."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_openstack as openstack

from govcloud.catalog.loader import Catalog
from govcloud.catalog.model import ZoneName
from stacks.settings import StackSettings

# Tenant groups get these roles on their own project, never Keystone's global `admin`.
TENANT_ROLES = {"admins": "tenant-admin", "members": "member", "readers": "reader", "auditors": "auditor"}
CUSTOM_ROLES = ("tenant-admin", "auditor")
BUILTIN_ROLES = ("member", "reader")


@dataclass(frozen=True)
class Backbone:
    zone: ZoneName
    network_id: pulumi.Output[str]
    network_name: str


class Platform(pulumi.ComponentResource):
    """Everything shared by all tenants; created once per zone, owned by the admin project."""

    def __init__(
        self, name: str, catalog: Catalog, settings: StackSettings, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("govcloud:platform:Platform", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        platform = catalog.platform

        self.backbones: dict[ZoneName, Backbone] = {}
        for zone_name, zone in sorted(platform.zones.items(), key=lambda kv: kv[0].value):
            net_name = settings.backbones.get(zone_name.value, zone.backbone.network)
            found = openstack.networking.get_network_output(
                name=net_name, external=True, opts=pulumi.InvokeOutputOptions(parent=self)
            )
            self.backbones[zone_name] = Backbone(zone_name, found.id, net_name)

        self.exit_router = self._internet_exit(catalog, settings, child)

        self.flavors = {
            f.name: openstack.compute.Flavor(
                f"flavor-{f.name}",
                name=f.name,
                vcpus=f.vcpus,
                ram=f.ram_mb,
                disk=f.disk_gb,
                is_public=True,
                opts=child,
            )
            for f in platform.flavors
        }
        self.images = {
            i.name: openstack.images.get_image_output(
                name=i.name, most_recent=True, opts=pulumi.InvokeOutputOptions(parent=self)
            ).id
            for i in platform.images
        }
        self.volume_types = {
            v.name: openstack.blockstorage.VolumeTypeV3(
                f"volume-type-{v.name}",
                name=v.name,
                description=v.description,
                is_public=True,
                # The LUKS encryption spec itself is attached by the cloud admin
                # (`openstack volume type set --encryption-provider luks ...`): the provider
                # has no resource for it. The extra spec records the intent for audits.
                extra_specs={"govcloud:encrypted": str(v.encrypted).lower()},
                opts=child,
            )
            for v in platform.volume_types
        }

        self.roles: dict[str, pulumi.Output[str]] = {}
        for role in CUSTOM_ROLES:
            self.roles[role] = openstack.identity.Role(f"role-{role}", name=role, opts=child).id
        for role in BUILTIN_ROLES:
            self.roles[role] = openstack.identity.get_role_output(
                name=role, opts=pulumi.InvokeOutputOptions(parent=self)
            ).id

        # The account that runs `pulumi up` joins a group; the group, not the user, gets the
        # member role on each tenant project (role assignments go to groups only).
        self.deployers = openstack.identity.GroupV3(
            "group-govcloud-deployers",
            name="govcloud-deployers",
            description="Accounts that run the govcloud Pulumi program",
            opts=child,
        )
        deployer = openstack.identity.get_user_output(
            name=settings.deployer_user, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        openstack.identity.UserMembershipV3(
            "deployers-membership",
            group_id=self.deployers.id,
            user_id=deployer.id,
            opts=child,
        )
        self.register_outputs(
            {
                "exitRouterId": self.exit_router.id,
                "backbones": {z.value: b.network_name for z, b in self.backbones.items()},
            }
        )

    def _internet_exit(
        self, catalog: Catalog, settings: StackSettings, child: pulumi.ResourceOptions
    ) -> openstack.networking.Router:
        """The only router with a gateway on the internet; it joins the exit zone's backbone."""
        exit_ = catalog.platform.internet_exit
        internet_name = settings.internet_network or exit_.external_network
        internet = openstack.networking.get_network_output(
            name=internet_name, external=True, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        router = openstack.networking.Router(
            exit_.router,
            name=exit_.router,
            description="统一互联网出口: the unified internet exit",
            external_network_id=internet.id,
            enable_snat=True,
            tags=["govcloud", "role:internet-exit", f"zone:{exit_.zone.value}"],
            opts=child,
        )
        backbone = self.backbones[exit_.zone]
        zone = catalog.platform.zones[exit_.zone]
        backbone_subnet = openstack.networking.get_subnet_output(
            network_id=backbone.network_id,
            cidr=zone.backbone.cidr,
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        port = openstack.networking.Port(
            f"{exit_.router}-backbone",
            name=f"{exit_.router}-backbone",
            network_id=backbone.network_id,
            fixed_ips=[
                openstack.networking.PortFixedIpArgs(subnet_id=backbone_subnet.id, ip_address=exit_.backbone_ip)
            ],
            opts=child,
        )
        openstack.networking.RouterInterface(
            f"{exit_.router}-backbone-interface",
            router_id=router.id,
            port_id=port.id,
            opts=child,
        )
        return router

"""One server: its ports on the declared subnets, the instance, its volumes."""

from __future__ import annotations

import pulumi
import pulumi_openstack as openstack

from govcloud.catalog.model import Tenant as TenantSpec
from govcloud.catalog.topology import HostInstance
from stacks.platform import Platform


class Host(pulumi.ComponentResource):
    def __init__(
        self,
        spec: TenantSpec,
        host: HostInstance,
        platform: Platform,
        project_id: pulumi.Input[str],
        networks: dict[str, openstack.networking.Network],
        subnets: dict[str, openstack.networking.Subnet],
        security_group: openstack.networking.SecGroup,
        keypair: openstack.compute.Keypair,
        server_group: openstack.compute.ServerGroup | None,
        provider: openstack.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        name = f"{spec.slug}-{host.name}"
        super().__init__("govcloud:tenant:Host", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        scoped = pulumi.ResourceOptions(parent=self, provider=provider)
        tags = ["govcloud", f"dept:{spec.slug}", f"group:{host.spec.group}", f"role:{host.spec.role}"]
        self.ports = [
            openstack.networking.Port(
                f"{name}-{nic.network}-port",
                name=f"{name}-{nic.network}",
                network_id=networks[nic.network].id,
                tenant_id=project_id,
                fixed_ips=[openstack.networking.PortFixedIpArgs(subnet_id=subnets[nic.network].id, ip_address=nic.ip)],
                security_group_ids=[security_group.id],
                port_security_enabled=True,
                tags=[*tags, f"zone:{nic.zone.value}"],
                opts=child,
            )
            for nic in host.nics
        ]
        hints = [openstack.compute.InstanceSchedulerHintArgs(group=server_group.id)] if server_group else None
        self.instance = openstack.compute.Instance(
            name,
            name=name,
            flavor_id=platform.flavors[host.spec.flavor].id,
            image_id=platform.images[host.spec.image],
            key_pair=keypair.name,
            networks=[openstack.compute.InstanceNetworkArgs(port=p.id) for p in self.ports],
            scheduler_hints=hints,
            metadata={
                "govcloud_tenant": spec.slug,
                "govcloud_group": host.spec.group,
                "govcloud_role": host.spec.role,
                "govcloud_image": host.spec.image,
                "mlps_level": str(spec.mlps_level),
            },
            tags=tags,
            opts=scoped,
        )
        for volume_spec in host.spec.volumes:
            volume_type = platform.volume_types[volume_spec.type]
            volume = openstack.blockstorage.Volume(
                f"{name}-{volume_spec.name}",
                name=f"{name}-{volume_spec.name}",
                size=volume_spec.size_gb,
                volume_type=volume_type.name,
                metadata={"govcloud_tenant": spec.slug, "mlps_level": str(spec.mlps_level)},
                opts=scoped,
            )
            openstack.compute.VolumeAttach(
                f"{name}-{volume_spec.name}-attach",
                instance_id=self.instance.id,
                volume_id=volume.id,
                opts=scoped,
            )
        self.register_outputs({"instanceId": self.instance.id})

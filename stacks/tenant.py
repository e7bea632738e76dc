"""A department's tenant: project, groups and roles, quotas, networks per zone, host groups."""

from __future__ import annotations

import pulumi
import pulumi_openstack as openstack

from govcloud.catalog.loader import Catalog
from govcloud.catalog.model import Tenant as TenantSpec
from govcloud.catalog.topology import spread_sets
from stacks.host_group import HostGroup
from stacks.platform import TENANT_ROLES, Platform
from stacks.settings import StackSettings
from stacks.zone_network import TenantZoneNetwork


def project_tags(spec: TenantSpec) -> list[str]:
    """Keystone tags (no '/' or ','): what policies and audits select tenants by."""
    tags = [
        "govcloud",
        f"dept:{spec.slug}",
        f"mlps:{spec.mlps_level}",
        f"sensitivity:{spec.sensitivity.value}",
    ]
    return tags + [f"zone:{z.value}" for z in spec.zones]


class Tenant(pulumi.ComponentResource):
    def __init__(
        self,
        spec: TenantSpec,
        catalog: Catalog,
        platform: Platform,
        settings: StackSettings,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("govcloud:tenant:Tenant", spec.slug, None, opts)
        slug = spec.slug
        child = pulumi.ResourceOptions(parent=self)
        self.project = openstack.identity.Project(
            f"{slug}-project",
            name=slug,
            description=f"{spec.name} ({spec.name_en}); owner {spec.owner.department}",
            tags=project_tags(spec),
            opts=child,
        )
        self._identity(spec, platform, child)
        self._quotas(spec, catalog, child)
        provider = self._tenant_provider(slug, settings, child)
        scoped = pulumi.ResourceOptions(parent=self, provider=provider)
        self.keypair = openstack.compute.Keypair(
            f"{slug}-admin-key",
            name=f"{slug}-admin",
            public_key=settings.admin_public_key,
            opts=scoped,
        )
        self.zones = {
            zone: TenantZoneNetwork(spec, zone, catalog, platform, self.project.id, opts=child)
            for zone in sorted({n.zone for n in spec.networks}, key=lambda z: z.value)
        }
        subnets = {name: sub for z in self.zones.values() for name, sub in z.subnets.items()}
        networks = {name: net for z in self.zones.values() for name, net in z.networks.items()}
        hosts = catalog.topology.hosts[slug]
        self.groups = {
            group: HostGroup(
                spec,
                group,
                [h for h in hosts if h.spec.group == group],
                catalog,
                platform,
                self.project.id,
                networks,
                subnets,
                self.keypair,
                provider,
                opts=child,
            )
            for group in catalog.topology.groups(slug)
        }
        self.register_outputs({"projectId": self.project.id})

    def _identity(self, spec: TenantSpec, platform: Platform, child: pulumi.ResourceOptions) -> None:
        for group, role in TENANT_ROLES.items():
            keystone_group = openstack.identity.GroupV3(
                f"{spec.slug}-{group}",
                name=f"{spec.slug}-{group}",
                description=f"{spec.name}: {role}",
                opts=child,
            )
            openstack.identity.RoleAssignment(
                f"{spec.slug}-{group}-{role}",
                group_id=keystone_group.id,
                project_id=self.project.id,
                role_id=platform.roles[role],
                opts=child,
            )
        # Instances and volumes are created with the deployer's token scoped to this project.
        self.deployer_access = openstack.identity.RoleAssignment(
            f"{spec.slug}-deployers-member",
            group_id=platform.deployers.id,
            project_id=self.project.id,
            role_id=platform.roles["member"],
            opts=child,
        )

    def _quotas(self, spec: TenantSpec, catalog: Catalog, child: pulumi.ResourceOptions) -> None:
        q = spec.quotas
        hosts = catalog.topology.hosts[spec.slug]
        spread = [
            same
            for group in catalog.topology.groups(spec.slug)
            for same in spread_sets(h for h in hosts if h.spec.group == group).values()
        ]
        openstack.compute.QuotaSetV2(
            f"{spec.slug}-compute-quota",
            project_id=self.project.id,
            instances=q.instances,
            cores=q.cores,
            ram=q.ram_mb,
            # Nova counts a user's key pairs against the project in scope: the one deployer
            # holds every tenant's admin key pair, so each tenant allows them all.
            key_pairs=len(catalog.tenants),
            server_groups=max(len(spread), 1),
            server_group_members=max((len(same) for same in spread), default=1),
            opts=child,
        )
        openstack.networking.QuotaV2(
            f"{spec.slug}-network-quota",
            project_id=self.project.id,
            network=q.networks,
            subnet=q.subnets,
            port=q.ports,
            router=q.routers,
            security_group=q.security_groups,
            security_group_rule=q.security_group_rules,
            floatingip=q.floating_ips,
            opts=child,
        )
        openstack.blockstorage.QuoteSetV3(
            f"{spec.slug}-volume-quota",
            project_id=self.project.id,
            volumes=q.volumes,
            gigabytes=q.gigabytes,
            snapshots=q.volumes,
            backups=q.volumes,
            backup_gigabytes=q.gigabytes,
            opts=child,
        )

    def _tenant_provider(self, slug: str, settings: StackSettings, child: pulumi.ResourceOptions) -> openstack.Provider:
        """Nova and Cinder create in the token's project: scope a provider to this one."""
        auth = settings.auth
        return openstack.Provider(
            f"{slug}-provider",
            auth_url=auth.auth_url,
            user_name=auth.user_name,
            password=auth.password,
            user_domain_name=auth.user_domain_name,
            project_domain_name=auth.project_domain_name,
            tenant_id=self.project.id,
            region=auth.region,
            insecure=auth.insecure,
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[self.deployer_access])),
        )

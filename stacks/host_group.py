"""A tenant's host group: one default-deny security group opened only by declared flows."""

from __future__ import annotations

import pulumi
import pulumi_openstack as openstack

from govcloud.catalog.loader import Catalog
from govcloud.catalog.model import Tenant as TenantSpec
from govcloud.catalog.topology import HostInstance, SecurityRule, spread_sets
from stacks.host import Host
from stacks.platform import Platform


def rule_name(prefix: str, rule: SecurityRule) -> str:
    ports = "all" if rule.port_min is None else f"{rule.port_min}-{rule.port_max}"
    remote = rule.remote_cidr.replace("/", "_")
    return f"{prefix}-{rule.direction}-{rule.protocol}-{ports}-{remote}"


def rule_description(rule: SecurityRule) -> str:
    """Which declared flows the rule opens and who approved them: what auditors trace."""
    approval = f"; approval {rule.approval}" if rule.approval else ""
    return f"flow {rule.flow}{approval}"


class HostGroup(pulumi.ComponentResource):
    def __init__(
        self,
        spec: TenantSpec,
        group: str,
        hosts: list[HostInstance],
        catalog: Catalog,
        platform: Platform,
        project_id: pulumi.Input[str],
        networks: dict[str, openstack.networking.Network],
        subnets: dict[str, openstack.networking.Subnet],
        keypair: openstack.compute.Keypair,
        provider: openstack.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        name = f"{spec.slug}-{group}"
        super().__init__("govcloud:tenant:HostGroup", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.security_group = openstack.networking.SecGroup(
            f"{name}-sg",
            name=name,
            description=f"{spec.name} {group}: default deny, declared flows only",
            # Without this Neutron adds allow-all egress rules.
            delete_default_rules=True,
            tenant_id=project_id,
            tags=["govcloud", f"dept:{spec.slug}", f"group:{group}"],
            opts=child,
        )
        for rule in catalog.topology.rules[(spec.slug, group)]:
            openstack.networking.SecGroupRule(
                rule_name(name, rule),
                security_group_id=self.security_group.id,
                tenant_id=project_id,
                direction=rule.direction,
                ethertype="IPv4",
                protocol=rule.protocol,
                port_range_min=rule.port_min,
                port_range_max=rule.port_max,
                remote_ip_prefix=rule.remote_cidr,
                description=rule_description(rule),
                opts=child,
            )
        scoped = pulumi.ResourceOptions(parent=self, provider=provider)
        spread: dict[str, openstack.compute.ServerGroup] = {}
        for (_, role), same_job in sorted(spread_sets(hosts).items()):
            # Hosts doing the same job never share a hypervisor.
            server_group = openstack.compute.ServerGroup(
                f"{name}-{role}-spread",
                name=f"{name}-{role}",
                policies="anti-affinity",
                opts=scoped,
            )
            spread.update({host.name: server_group for host in same_job})
        self.hosts = [
            Host(
                spec,
                host,
                platform,
                project_id,
                networks,
                subnets,
                self.security_group,
                keypair,
                spread.get(host.name),
                provider,
                opts=child,
            )
            for host in hosts
        ]
        self.register_outputs({"securityGroupId": self.security_group.id})

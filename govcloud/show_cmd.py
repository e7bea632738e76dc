"""`govcloud show`: the zone at a glance, or one tenant in full."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from govcloud.catalog.loader import Catalog
from govcloud.catalog.usage import declared_usage
from govcloud.cli import EXIT_USAGE, CatalogOption, app, err, load_or_exit, out


def _zone_table(catalog: Catalog) -> Table:
    table = Table(title=f"{catalog.platform.title}: tenants")
    for column in ("tenant", "name", "level", "sensitivity", "zones", "hosts", "flows"):
        table.add_column(column)
    for slug, tenant in catalog.tenants.items():
        table.add_row(
            slug,
            tenant.name,
            str(tenant.mlps_level),
            tenant.sensitivity.value,
            ", ".join(z.value for z in tenant.zones),
            str(len(catalog.topology.hosts[slug])),
            str(len(tenant.flows)),
        )
    return table


def _show_tenant(catalog: Catalog, slug: str) -> None:
    tenant = catalog.tenants[slug]
    out.print(f"[bold]{tenant.name}[/bold] ({tenant.name_en}) — {slug}")
    out.print(
        f"owner {tenant.owner.department}, {tenant.owner.contact} <{tenant.owner.email}>; "
        f"MLPS level {tenant.mlps_level}; {tenant.sensitivity.value}; "
        f"zones {', '.join(z.value for z in tenant.zones)}"
    )
    nets = Table(title="networks")
    for column in ("network", "zone", "cidr", "dns"):
        nets.add_column(column)
    for net in tenant.networks:
        resolvers = catalog.platform.dns_resolvers.get(net.zone, [])
        nets.add_row(net.name, net.zone.value, net.cidr, ", ".join(resolvers))
    out.print(nets)
    hosts = Table(title="hosts")
    for column in ("host", "group", "role", "flavor", "image", "addresses", "volumes"):
        hosts.add_column(column)
    for host in catalog.topology.hosts[slug]:
        hosts.add_row(
            host.name,
            host.spec.group,
            host.spec.role,
            host.spec.flavor,
            host.spec.image,
            ", ".join(f"{n.network}={n.ip}" for n in host.nics),
            ", ".join(f"{v.name}:{v.size_gb}G/{v.type}" for v in host.spec.volumes),
        )
    out.print(hosts)
    flows = Table(title="flows")
    for column in ("flow", "from", "to", "ports", "approval"):
        flows.add_column(column)
    for flow in tenant.flows:
        flows.add_row(flow.name, flow.source, flow.destination, " ".join(flow.ports), flow.approval or "-")
    out.print(flows)
    quotas = Table(title="quotas")
    for column in ("quota", "declared", "needed"):
        quotas.add_column(column)
    usage = declared_usage(catalog.platform, tenant, catalog.topology)
    for key, value in tenant.quotas.model_dump().items():
        quotas.add_row(key, str(value), str(usage.get(key, 0)))
    out.print(quotas)


@app.command()
def show(
    tenant: Annotated[str | None, typer.Argument(help="A tenant slug; omit for the whole zone.")] = None,
    catalog: CatalogOption = Path("catalog"),
) -> None:
    """Show the zone's tenants, or one tenant's networks, hosts, flows and quotas.

    [bold]Examples[/bold]

      govcloud show

      govcloud show finance
    """
    loaded = load_or_exit(catalog)
    if tenant is None:
        out.print(_zone_table(loaded))
        return
    if tenant not in loaded.tenants:
        err.print(f"unknown tenant {tenant!r} (allowed: {', '.join(loaded.tenants)})")
        raise typer.Exit(EXIT_USAGE)
    _show_tenant(loaded, tenant)

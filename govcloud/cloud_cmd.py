"""`govcloud cloud up | status | down`: a small real OpenStack on 127.0.0.1 (docs/cloud.md)."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from govcloud.cli import EXIT_FAILED, EXIT_USAGE, CatalogOption, app, err, load_or_exit, out
from govcloud.cloud import CloudError, CloudState
from govcloud.cloud import cloud as local_cloud
from govcloud.cloud.clouds import clouds_yaml_path
from govcloud.cloud.connect import CLOUD_NAME

cloud_app = typer.Typer(
    name="cloud",
    help=(
        "A small real OpenStack (Zed, from Debian 12's packages) on this machine, 127.0.0.1 only, "
        "for the live audit, drift and inventory to read (docs/cloud.md).\n\n"
        "It runs MariaDB, RabbitMQ, keystone (uwsgi), placement, glance (file store), neutron-server "
        "(ML2, no agents: a driver binds every port), nova with the fake virt driver and cinder with a "
        "fake volume driver, as plain processes (no systemd).\n\n"
        "State (configs, databases, logs, pid files, the generated passwords, mode 0700) lives in "
        "/var/lib/govcloud/cloud (GOVCLOUD_CLOUD_STATE). The cloud is `govcloud-local` in "
        "/etc/openstack/clouds.yaml (GOVCLOUD_CLOUDS_YAML).\n\n"
        "`apply` (lab only; production runs `pulumi up`) creates the offline plan's tenants in it.\n\n"
        "Exit codes: 0 ok, 1 a service failed (or, for status, is not up), 2 bad setup (not root, "
        "apt failed, an invalid catalog)."
    ),
    no_args_is_help=True,
)
app.add_typer(cloud_app, name="cloud")


def _say(line: str) -> None:
    err.print(line, markup=False, highlight=False, soft_wrap=True)


def _fail(exc: CloudError, command: str) -> typer.Exit:
    err.print(f"cloud {command}: {exc}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(exc.exit_code)


def _need_root(command: str) -> None:
    if os.geteuid() != 0:
        err.print(f"cloud {command}: needs root (apt, daemons, /var/lib/govcloud)", markup=False)
        raise typer.Exit(EXIT_USAGE)


@cloud_app.command("up")
def cloud_up(catalog: CatalogOption = Path("catalog")) -> None:
    """Install, configure and start the local cloud, then create the platform basics.

    Installs Debian's packages (nothing starts meanwhile) and writes the configs into the state folder.

    Starts MariaDB and RabbitMQ, sets up the databases, starts keystone and registers the service catalog.

    Starts placement, glance, neutron, nova and cinder, and maps the fake compute host.

    Creates from catalog/platform.yaml: the domain, backbone networks, flavors, stand-in images, volume types.

    Writes the `govcloud-local` entry of clouds.yaml. Each step prints a line on stderr with its seconds.

    From a bare machine about 5 minutes (apt-get about 3 of them) and 2 GiB of memory.

    On a running cloud every step only checks: `up` twice is harmless and takes a few seconds.

    [bold]Examples[/bold]

      govcloud cloud up

      GOVCLOUD_CLOUD_STATE=/srv/cloud govcloud cloud up --catalog /srv/zone/catalog
    """
    _need_root("up")
    platform = load_or_exit(catalog).platform
    started = time.monotonic()
    state = CloudState.default()
    try:
        changed = local_cloud.up(state, platform, _say)
    except CloudError as exc:
        raise _fail(exc, "up") from None
    out.print(
        f"cloud up: {CLOUD_NAME} ready in {time.monotonic() - started:.1f} s, {len(changed)} changes "
        f"(state {state.root}, clouds.yaml {clouds_yaml_path()})",
        highlight=False,
    )


@cloud_app.command("status")
def cloud_status() -> None:
    """Show each service: pid, port on 127.0.0.1, up or down.

    Exit 0 when every service is up, 1 when any is not.
    """
    state = CloudState.default()
    rows = local_cloud.status(state)
    table = Table("service", "pid", "port", "state", box=None, pad_edge=False)
    for row in rows:
        table.add_row(row.name, str(row.pid or "-"), str(row.port or "-"), "up" if row.healthy else "down")
    out.print(table)
    up_count = sum(r.healthy for r in rows)
    memory = local_cloud.memory_mib(state)
    out.print(f"cloud status: {up_count}/{len(rows)} up, {memory:.0f} MiB in use (state {state.root})", highlight=False)
    if up_count != len(rows):
        raise typer.Exit(EXIT_FAILED)


@cloud_app.command("down")
def cloud_down() -> None:
    """Stop every process `up` started: the OpenStack services, then RabbitMQ, epmd, MariaDB.

    Each gets SIGTERM to its whole process group, SIGKILL after 30 s.

    Data stays in the state folder: the next `up` starts the same cloud again (about 30 s).

    Exit 1 if one of the cloud's ports still answers afterwards.
    """
    _need_root("down")
    started = time.monotonic()
    state = CloudState.default()
    stopped = local_cloud.down(state, _say)
    left = local_cloud.listening(state)
    if left:
        err.print(f"cloud down: still listening on 127.0.0.1 ports {left}", markup=False)
        raise typer.Exit(EXIT_FAILED)
    out.print(f"cloud down: {len(stopped)} processes stopped in {time.monotonic() - started:.1f} s", highlight=False)


@cloud_app.command("apply")
def cloud_apply(
    plan: Annotated[Path, typer.Option("--plan", help="The offline plan (make plan: govcloud plan --out FILE).")] = (
        Path("out/plan.json")
    ),
    cloud: Annotated[str, typer.Option("--cloud", help="clouds.yaml entry of the LAB cloud.")] = CLOUD_NAME,
) -> None:
    """LAB ONLY: create the plan's resources in the local cloud, so audit and drift have a cloud to read.

    Production applies the Pulumi program with `pulumi up` (and its policy pack), never with this.

    Creates, through openstacksdk, whatever of the offline plan is missing, kind by kind:

    roles, groups, projects (with tags), role assignments, quotas (set when they differ);

    networks, subnets, routers with their gateways, security groups (default egress removed) and rules;

    ports with fixed IPs, router interfaces and routes, key pairs, server groups, servers, volumes, attachments.

    Matched by the identity the plan gives them (names within their project): a second run creates nothing.

    What the plan only looks up (the internet network, the deployer user) is made as a lab stand-in.

    Progress lines (one per kind, with seconds) on stderr. Exit 0 done, 1 the cloud refused, 2 a bad plan file.

    [bold]Examples[/bold]

      make plan && govcloud cloud apply

      govcloud cloud apply --plan out/plan.json --cloud govcloud-local
    """
    import openstack
    from openstack import exceptions as os_exc

    from govcloud.cloud.apply import apply_plan
    from govcloud.live.planned import PlanShapeError, planned_records
    from govcloud.plan.reader import PlanFileError, read_plan

    try:
        planned = planned_records(read_plan(plan))
    except (PlanFileError, PlanShapeError) as exc:
        err.print(f"cloud apply: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from None
    try:
        conn = openstack.connect(cloud=cloud)
        result = apply_plan(conn, planned, _say)
    except CloudError as exc:
        raise _fail(exc, "apply") from None
    except os_exc.ConfigException as exc:
        err.print(f"cloud apply: --cloud {cloud}: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from None
    except os_exc.SDKException as exc:
        err.print(f"cloud apply: the cloud refused: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_FAILED) from None
    out.print(
        f"cloud apply: {len(result.created)} created, {len(result.updated)} updated (quotas, volume-type specs), "
        f"{len(planned.records)} planned resources, {result.seconds:.1f} s",
        highlight=False,
    )

"""`govcloud lab up | down | status`: the plan's hosts as local podman containers (docs/lab.md)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from govcloud.catalog.errors import relative
from govcloud.cli import EXIT_FAILED, EXIT_USAGE, CatalogOption, app, err, load_or_exit, out
from govcloud.inventory import InventoryError, hosts_from_plan, services_from_outputs
from govcloud.lab import LabError, LabHost, down, ensure_image, select_hosts, status, up
from govcloud.lab.access import connect
from govcloud.lab.converge import ConvergeResult, converge
from govcloud.lab.lab import BOOT_TIMEOUT
from govcloud.lab.lab_inventory import LAB_INVENTORY, write_lab_inventory
from govcloud.lab.network import NetworkSource
from govcloud.plan import reader
from govcloud.plan.reader import PlanFileError

DEFAULT_PLAN = Path("out/plan.json")

lab_app = typer.Typer(
    name="lab",
    help=(
        "The local lab: the plan's hosts as podman containers with systemd as PID 1 (docs/lab.md).\n\n"
        "Exit codes: 0 ok, 1 the lab failed (a host did not boot, podman failed), 2 bad input or a "
        "missing tool."
    ),
    no_args_is_help=True,
)
app.add_typer(lab_app, name="lab")


def _say(line: str) -> None:
    err.print(line, markup=False, highlight=False, soft_wrap=True)


def lab_exit(exc: LabError | PlanFileError | InventoryError, command: str = "lab") -> typer.Exit:
    """Print the problem; the exit is the lab's own code, or 2 for an unreadable plan or inventory."""
    err.print(f"{command}: {exc}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(exc.exit_code if isinstance(exc, LabError) else EXIT_USAGE)


def _table(hosts: list[LabHost]) -> Table:
    table = Table("host", "container", "state", "systemd", "id", box=None, pad_edge=False)
    for h in hosts:
        table.add_row(h.host, h.name, h.state, h.system or "-", h.id[:12])
    return table


@lab_app.command("up")
def lab_up(
    plan_file: Annotated[
        Path, typer.Option("--plan", "-p", help="Offline plan from `govcloud plan --out`.")
    ] = DEFAULT_PLAN,
    catalog: CatalogOption = Path("catalog"),
    tenants: Annotated[
        list[str] | None,
        typer.Option("--tenant", "-t", metavar="SLUG", help="This tenant's hosts (repeatable)."),
    ] = None,
    names: Annotated[
        list[str] | None,
        typer.Option("--host", metavar="NAME", help="This host of outputs.hosts (repeatable)."),
    ] = None,
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds to wait for systemd in each host.")
    ] = BOOT_TIMEOUT,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Build the base image again, ignoring the cache.")] = False,
    converge_hosts: Annotated[
        bool,
        typer.Option("--converge/--no-converge", help="Apply playbooks/site.yml (the hardening) once they are up."),
    ] = True,
) -> None:
    """Start one container per selected host, wait until systemd runs in each, and harden them.

    Default hosts: the management tenant plus the first other tenant in name order.
    Containers already running are kept, so `lab up` twice is harmless. The base image is
    built once with debootstrap (about a minute) and cached in /var/cache/govcloud/lab
    (GOVCLOUD_LAB_CACHE).

    [bold]Examples[/bold]

      govcloud lab up

      govcloud lab up --tenant mgmt --tenant finance

      govcloud lab up --host mgmt-bastion --host finance-app-1
    """
    started = time.monotonic()
    try:
        plan = reader.read_plan(plan_file)
        hosts = select_hosts(hosts_from_plan(plan, relative(plan_file)), tenants or (), names or ())
        network = NetworkSource.of(plan, load_or_exit(catalog))
        image = ensure_image(_say, rebuild=rebuild)
        ready = up(hosts, image, _say, timeout, network=network)
        access = connect({h.host: h.name for h in ready})
        services = services_from_outputs(plan["outputs"], relative(plan_file))
        reach = {name: a.ansible_vars() for name, a in access.items()}
        inventory = write_lab_inventory(hosts, services, reach, f"plan {relative(plan_file)}")
        _say(f"wrote {inventory} ({len(access)} hosts on the control network)")
        result = converge(inventory, _say) if converge_hosts else None
    except (LabError, PlanFileError, InventoryError) as exc:
        raise lab_exit(exc) from None
    out.print(_table(ready))
    out.print(f"lab up: {len(ready)} hosts ready in {time.monotonic() - started:.1f} s", highlight=False)
    if result is not None:
        converged_summary(result)


def converged_summary(result: ConvergeResult, idempotent: bool = False) -> None:
    """Print the converge's summary; exit 1 on a failure (or, with `idempotent`, on any change)."""
    for (host, role), count in sorted(result.changed.items()):
        out.print(f"  {host}: {role}: {count} changed", highlight=False)
    out.print(
        f"converge: {len(result.hosts)} hosts, {result.tasks} tasks, {result.changed_total()} changed, "
        f"{len(result.failures)} failed, {result.seconds:.1f} s ({result.status})",
        highlight=False,
    )
    for line in result.failures:
        err.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
    if not result.ok or (idempotent and result.changed_total()):
        raise typer.Exit(EXIT_FAILED)


@lab_app.command("converge")
def lab_converge(
    inventory: Annotated[
        Path, typer.Option("--inventory", "-i", help="The lab's inventory (written by `lab up`).")
    ] = LAB_INVENTORY,
    limit: Annotated[
        list[str] | None, typer.Option("--limit", "-l", metavar="HOST", help="Only this host (repeatable).")
    ] = None,
    tags: Annotated[
        list[str] | None,
        typer.Option("--tags", metavar="TAG", help="Only tasks tagged so: a role (ssh) or an area (ssh_crypto)."),
    ] = None,
    idempotent: Annotated[
        bool, typer.Option("--idempotent", help="Exit 1 if any task changed something (a rerun must change nothing).")
    ] = False,
) -> None:
    """Apply playbooks/site.yml to the running lab hosts again (through ansible-runner).

    Progress: every task that changed or failed, per host, with the seconds elapsed; then
    the changed tasks per host and role. Exit 0 converged, 1 a task failed or a host was
    unreachable (or, with --idempotent, something changed), 2 no inventory / no Ansible.

    [bold]Examples[/bold]

      govcloud lab converge --idempotent

      govcloud lab converge --limit mgmt-bastion --tags ssh
    """
    try:
        result = converge(inventory, _say, limit=limit or (), tags=tags or ())
    except LabError as exc:
        raise lab_exit(exc) from None
    converged_summary(result, idempotent)


@lab_app.command("image")
def lab_image(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Build again, ignoring the cache.")] = False,
) -> None:
    """Build (or reuse from the cache) the lab's base image and print its name.

    The image is keyed by its inputs (suite, package list, scripts/build-lab-image.sh):
    present in podman: nothing to do; tarball in the cache: a few seconds; otherwise
    debootstrap (about a minute with a near mirror).
    """
    started = time.monotonic()
    try:
        image = ensure_image(_say, rebuild=rebuild)
    except LabError as exc:
        raise lab_exit(exc) from None
    out.print(f"{image.ref} ({time.monotonic() - started:.1f} s)", highlight=False)


@lab_app.command("down")
def lab_down() -> None:
    """Remove every container labelled govcloud.lab=1, and nothing else."""
    try:
        removed = down(_say)
    except LabError as exc:
        raise lab_exit(exc) from None
    LAB_INVENTORY.unlink(missing_ok=True)
    out.print(f"lab down: removed {len(removed)} containers, the lab networks and the control network", highlight=False)


@lab_app.command("status")
def lab_status() -> None:
    """List the lab's containers with systemd's state inside; exit 1 if one is not up."""
    try:
        found = status()
    except LabError as exc:
        raise lab_exit(exc) from None
    if not found:
        out.print("lab status: no lab containers (govcloud lab up starts them)")
        return
    out.print(_table(found))
    if any(h.state != "running" or h.system not in ("running", "degraded") for h in found):
        raise typer.Exit(EXIT_FAILED)

"""`govcloud lab vm up | converge | down | status | image`: one qemu VM for the kernel-side checks (docs/lab-vm.md)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from govcloud.catalog.errors import relative
from govcloud.cli import EXIT_FAILED, EXIT_USAGE, err, out
from govcloud.inventory import InventoryError
from govcloud.lab.converge import converge
from govcloud.lab.podman import LabError
from govcloud.lab.vm import BOOT_TIMEOUT, DEFAULT_INVENTORY, VmConfig, VmConnection, describe, down, status, up
from govcloud.lab.vm_image import ensure_vm_image
from govcloud.lab.vm_inventory import DEFAULT_HOST, VM_HARDENED_INVENTORY, write_vm_inventory
from govcloud.lab_cmd import DEFAULT_PLAN, converged_summary, lab_app, lab_exit
from govcloud.plan import reader
from govcloud.plan.reader import PlanFileError

vm_app = typer.Typer(
    name="vm",
    help=(
        "One qemu VM (software emulation) for what containers cannot show: audit rules loaded in the "
        "kernel, kernel.* sysctls, chrony steering the clock (docs/lab-vm.md).\n\n"
        "State (overlay disk, SSH key, serial console log) lives in /var/lib/govcloud/lab/vm "
        "(GOVCLOUD_LAB_VM_STATE); the image is cached in /var/cache/govcloud/lab (GOVCLOUD_LAB_CACHE).\n\n"
        "Exit codes: 0 ok, 1 the VM failed (did not boot, SSH does not answer), 2 bad setup (a missing "
        "tool: the message names the apt package; not root)."
    ),
    no_args_is_help=True,
)
lab_app.add_typer(vm_app, name="vm")


def _say(line: str) -> None:
    err.print(line, markup=False, highlight=False, soft_wrap=True)


def _exit(exc: LabError | PlanFileError | InventoryError) -> typer.Exit:
    return lab_exit(exc, "lab vm")


InventoryOption = Annotated[
    Path, typer.Option("--inventory", "-i", help="Where to write the Ansible inventory snippet for the VM.")
]


def _how_to_reach(connection: VmConnection) -> str:
    return (
        f"ssh:     {' '.join(connection.ssh_command())}\n"
        f"ansible: ansible -i {connection.inventory} govcloud-vm -m ping\n"
        f"serial:  {connection.serial_log}"
    )


@vm_app.command("up")
def vm_up(
    timeout: Annotated[
        float, typer.Option("--timeout", min=1, help="Seconds to wait for SSH after qemu starts.")
    ] = BOOT_TIMEOUT,
    inventory: InventoryOption = DEFAULT_INVENTORY,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Build the VM image again, ignoring the cache.")] = False,
) -> None:
    """Boot the lab VM and wait until SSH answers; write its Ansible inventory snippet.

    qemu boots the image's own kernel on a fresh overlay: the cached disk is never written.

    1 vCPU, 1 GiB, user-mode networking: the only way in is SSH from a free port on 127.0.0.1.

    The account `debian` logs in with a key made for this run and has NOPASSWD sudo.

    A VM already running is kept, so `up` twice is harmless.

    First run: the image is built (debootstrap, ~3 minutes, as root). Boot to SSH: 30-60 s here.

    [bold]Examples[/bold]

      govcloud lab vm up

      govcloud lab vm up --timeout 600 --inventory /tmp/vm.yml

      ansible -i inventories/lab/vm.yml govcloud-vm -m ping
    """
    started = time.monotonic()
    try:
        connection = up(VmConfig(inventory=inventory), _say, timeout, rebuild)
    except LabError as exc:
        raise _exit(exc) from None
    out.print(f"lab vm up: govcloud-vm ready in {time.monotonic() - started:.1f} s", highlight=False)
    out.print(_how_to_reach(connection), markup=False, highlight=False, soft_wrap=True)


@vm_app.command("converge")
def vm_converge(
    host: Annotated[
        str, typer.Option("--as", metavar="HOST", help="The plan's host the VM plays (its groups, ingress, services).")
    ] = DEFAULT_HOST,
    plan_file: Annotated[
        Path, typer.Option("--plan", "-p", help="Offline plan from `govcloud plan --out`.")
    ] = DEFAULT_PLAN,
    inventory: Annotated[
        Path, typer.Option("--inventory", "-i", help="Where to write the inventory in which the VM plays HOST.")
    ] = VM_HARDENED_INVENTORY,
) -> None:
    """Harden the running VM with playbooks/site.yml, as one host of the plan.

    The VM takes that host's groups, security-group ingress and the platform services from the
    plan; only the connection is the VM's. On a real kernel the kernel-side roles do what a
    container cannot: audit rules loaded and locked, kernel.* parameters applied, chrony steering
    the clock. About 8 minutes under software emulation; a rerun changes nothing.

    Exit 1 when a task fails; 2 when no VM runs, the plan is unreadable or lacks HOST.

    [bold]Examples[/bold]

      govcloud lab vm up && govcloud lab vm converge

      govcloud lab vm converge --as mgmt-log --plan out/plan.json
    """
    try:
        found = status(VmConfig())
        if found.connection is None:
            raise LabError("no lab VM runs (govcloud lab vm up)", EXIT_USAGE)
        plan = reader.read_plan(plan_file)
        written = write_vm_inventory(found.connection, plan, relative(plan_file), host, inventory)
        _say(f"wrote {written}: govcloud-vm plays {host}")
        result = converge(written, _say)
    except (LabError, PlanFileError, InventoryError) as exc:
        raise _exit(exc) from None
    converged_summary(result)


@vm_app.command("down")
def vm_down() -> None:
    """Kill the VM's qemu and remove its overlay, key, logs and inventory snippet (the image stays cached)."""
    try:
        removed = down(VmConfig(), _say)
    except LabError as exc:
        raise _exit(exc) from None
    out.print("lab vm down: removed govcloud-vm" if removed else "lab vm down: no VM", highlight=False)


@vm_app.command("status")
def vm_status(
    as_json: Annotated[bool, typer.Option("--json", help="Print the connection parameters as JSON.")] = False,
) -> None:
    """Say whether the VM runs and SSH answers; exit 1 if qemu is gone or SSH does not answer."""
    try:
        found = status(VmConfig())
    except LabError as exc:
        raise _exit(exc) from None
    if found.connection is None:
        out.print("lab vm status: no VM (govcloud lab vm up starts it)", highlight=False)
        return
    if as_json:
        out.print_json(json.dumps({"state": found.state, "ssh": found.ssh, **describe(found.connection)}))
    else:
        ssh = "answers" if found.ssh else "does not answer"
        out.print(f"govcloud-vm: {found.state}, qemu pid {found.connection.pid}, SSH {ssh}", highlight=False)
        if found.state == "running":
            out.print(_how_to_reach(found.connection), markup=False, highlight=False, soft_wrap=True)
    if found.state != "running" or not found.ssh:
        raise typer.Exit(EXIT_FAILED)


@vm_app.command("image")
def vm_image_cmd(
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Build again, ignoring the cache.")] = False,
) -> None:
    """Build (or reuse from the cache) the VM image and print where it is.

    Keyed by its inputs (suite, package list, scripts/build-vm-image.sh): cached: nothing to
    do; otherwise debootstrap with a kernel, mkfs.ext4 -d and qemu-img convert (a few minutes).
    """
    started = time.monotonic()
    try:
        image = ensure_vm_image(_say, rebuild=rebuild)
    except LabError as exc:
        raise _exit(exc) from None
    out.print(f"{image.directory} ({time.monotonic() - started:.1f} s)", highlight=False)

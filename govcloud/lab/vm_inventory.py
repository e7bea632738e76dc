"""The lab VM as one host of the plan: that host's groups, security-group ingress and the
platform services come from the plan, only the connection is the VM's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from govcloud.inventory import hosts_from_plan, services_from_outputs
from govcloud.lab.lab_inventory import write_lab_inventory
from govcloud.lab.podman import EXIT_USAGE, LabError
from govcloud.lab.vm import VmConnection

DEFAULT_HOST = "mgmt-ntp-1"
VM_HARDENED_INVENTORY = Path("inventories/lab/vm-hardened.yml")
# qemu's user-mode network: connections forwarded from 127.0.0.1 reach the guest from this
# address, so the host firewall must let the controller's SSH in from it.
SLIRP_GATEWAY = "10.0.2.2"


def write_vm_inventory(vm: VmConnection, plan: dict[str, Any], source: str, host: str, path: Path) -> Path:
    """An inventory in which the VM plays `host` of the plan; LabError (exit 2) if the plan lacks it."""
    hosts = hosts_from_plan(plan, source)
    chosen = [h for h in hosts if h.name == host]
    if not chosen:
        names = ", ".join(sorted(h.name for h in hosts)[:12])
        raise LabError(f"{source}: no host {host!r} in the plan (for example: {names})", EXIT_USAGE)
    reach = {host: {**vm.ansible_vars(), "govcloud_lab": True, "govcloud_lab_controller": SLIRP_GATEWAY}}
    services = services_from_outputs(plan["outputs"], source)
    return write_lab_inventory(chosen, services, reach, f"{source}, {host} played by the lab VM", path)

"""The lab's Ansible inventory: the plan's groups and variables, plus how to reach each lab host.

The same `build_inventory` as `govcloud inventory` and production, restricted to the hosts
the lab runs; only the connection variables differ (for containers the control address, the
automation account and the lab key; for the VM its forwarded port), so the roles and host
checks see what production hosts see.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from govcloud.inventory import Host, build_inventory
from govcloud.inventory.render import dumps
from govcloud.lab.access import lab_key

LAB_ADMIN = "lab-sysadmin"  # a declared system administrator, so the no-lockout checks have a person

LAB_INVENTORY = Path("inventories/lab/hosts.yml")


def write_lab_inventory(
    hosts: Sequence[Host],
    services: Mapping[str, list[str]],
    connection: Mapping[str, Mapping[str, object]],
    source: str,
    path: Path = LAB_INVENTORY,
) -> Path:
    inventory = build_inventory(hosts, services=services)
    inventory.connection = {name: dict(connection[name]) for name in inventory.hosts if name in connection}
    # In production the administrators are declared in the deployment's group_vars; the lab
    # declares one, reachable with the lab key, to prove a person can still log in after hardening.
    public = lab_key().with_suffix(".pub").read_text(encoding="utf-8").strip()
    inventory.vars["admin_roles_people"] = [
        {"name": LAB_ADMIN, "role": "sysadmin", "ssh_keys": [public], "comment": "lab administrator (govcloud lab up)"}
    ]
    header = (
        "Ansible inventory of the running lab, written by `govcloud lab up` (docs/lab.md): do not edit.\n"
        f"From {source}; {len(inventory.hosts)} hosts."
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(inventory, header), encoding="utf-8")
    return path

"""The lab's Ansible inventory: the plan's groups and variables, plus how to reach each lab host.

The same `build_inventory` as `govcloud inventory` and production, restricted to the hosts
the lab runs; only the connection variables differ (for containers the control address, the
automation account and the lab key; for the VM its forwarded port), so the roles and host
checks see what production hosts see.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from govcloud.inventory import Host, Inventory, build_inventory
from govcloud.inventory.render import dumps
from govcloud.lab.access import lab_key, state_dir

LAB_ADMIN = "lab-sysadmin"  # a declared system administrator, so the no-lockout checks have a person
LAB_ADMIN_UID = 19001  # below the directory's test people, above every system account

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
    inventory.vars.update(lab_admin_vars(inventory))
    header = (
        "Ansible inventory of the running lab, written by `govcloud lab up` (docs/lab.md): do not edit.\n"
        f"From {source}; {len(inventory.hosts)} hosts."
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dumps(inventory, header), encoding="utf-8")
    return path


def has_directory(inventory: Inventory) -> bool:
    """What playbooks/group_vars/all.yml calls govcloud_directory_ready: a CA and a directory host."""
    needed = ("group_mgmt_pki", "group_mgmt_directory")
    return all(group in inventory.groups and inventory.members(group) for group in needed)


def lab_totp_secret() -> Path:
    """The lab administrator's TOTP secret (hex), made once and kept outside the repository (0600)."""
    path = state_dir() / "ssh" / "lab-sysadmin.totp"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(20) + "\n", encoding="utf-8")
    return path


def lab_admin_vars(inventory: Inventory) -> dict[str, Any]:
    """One system administrator, reachable with the lab key, to prove a person can still log in
    after hardening (in production the deployment's group_vars or its directory declare them).

    Without a directory in the lab the person is local (admin_roles_people); with one, the
    directory holds them for the hosts that use it (admin_roles refuses local administrators
    there) and level-3 hosts ask for a TOTP code after the key: the secret stays in the lab's
    state folder, the inventory only names the file. Hosts outside the management zone keep the
    person local.
    """
    public = lab_key().with_suffix(".pub").read_text(encoding="utf-8").strip()
    comment = "lab administrator (govcloud lab up)"
    local = {"name": LAB_ADMIN, "role": "sysadmin", "ssh_keys": [public], "comment": comment}
    if not has_directory(inventory):
        return {"admin_roles_people": [local]}
    secret = lab_totp_secret()
    return {
        # hosts outside the management zone do not use the directory (playbooks/group_vars/all.yml)
        "lab_local_admins": [local],
        "admin_roles_people": "{{ [] if govcloud_directory_ready | bool else lab_local_admins }}",
        "directory_people": [
            {"name": LAB_ADMIN, "uid": LAB_ADMIN_UID, "cn": comment, "groups": ["sysadmin"], "ssh_keys": [public]}
        ],
        "directory_totp_secrets": {LAB_ADMIN: f"{{{{ lookup('ansible.builtin.file', '{secret}') }}}}"},
    }

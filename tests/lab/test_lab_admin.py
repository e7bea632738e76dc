"""The lab's declared administrator: local without a directory, in the directory with one."""

from __future__ import annotations

from pathlib import Path

import pytest

from govcloud.inventory.model import Group, Inventory
from govcloud.lab.access import STATE_ENV
from govcloud.lab.lab_inventory import LAB_ADMIN, lab_admin_vars


@pytest.fixture(autouse=True)
def lab_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(STATE_ENV, str(tmp_path))
    return tmp_path


def inventory(*groups: str) -> Inventory:
    return Inventory(groups={group: Group(hosts=(f"{group}-host",)) for group in groups})


def test_without_a_directory_the_administrator_is_local() -> None:
    found = lab_admin_vars(inventory("group_mgmt_pki", "group_mgmt_bastion"))
    assert list(found) == ["admin_roles_people"]
    (person,) = found["admin_roles_people"]
    assert person["name"] == LAB_ADMIN and person["role"] == "sysadmin"
    assert person["ssh_keys"][0].startswith("ssh-ed25519 ")


def test_with_a_ca_and_a_directory_the_administrator_is_in_the_directory(lab_state: Path) -> None:
    found = lab_admin_vars(inventory("group_mgmt_pki", "group_mgmt_directory"))
    # local only where the directory is not used (admin_roles refuses local administrators there)
    assert found["admin_roles_people"] == "{{ [] if govcloud_directory_ready | bool else lab_local_admins }}"
    assert [p["name"] for p in found["lab_local_admins"]] == [LAB_ADMIN]
    (person,) = found["directory_people"]
    assert person["name"] == LAB_ADMIN and person["groups"] == ["sysadmin"]
    secret = lab_state / "ssh" / "lab-sysadmin.totp"
    assert secret.stat().st_mode & 0o777 == 0o600
    assert len(secret.read_text().strip()) == 40
    # the inventory names the file; the secret itself never enters it
    reference = found["directory_totp_secrets"][LAB_ADMIN]
    assert str(secret) in reference and secret.read_text().strip() not in reference
    # made once: a second lab up keeps the secret the hosts already have
    before = secret.read_text()
    lab_admin_vars(inventory("group_mgmt_pki", "group_mgmt_directory"))
    assert secret.read_text() == before


def test_a_directory_without_a_ca_is_not_used() -> None:
    assert "admin_roles_people" in lab_admin_vars(inventory("group_mgmt_directory"))

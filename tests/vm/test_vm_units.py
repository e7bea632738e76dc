"""VM pieces that need no VM: the image key, the qemu command line, the inventory, clear errors."""

from __future__ import annotations

import base64
import itertools
import json
import os
from pathlib import Path

import pytest

from govcloud.lab.image import ROLE_PACKAGES, SUITE, image_key
from govcloud.lab.podman import LabError
from govcloud.lab.vm import (
    NAME,
    STATE_ENV,
    VmConfig,
    VmConnection,
    inventory_document,
    kernel_command_line,
    qemu_command,
    status,
    up,
)
from govcloud.lab.vm_image import SCRIPT, VM_PACKAGES, VmImage, ensure_vm_image, vm_image
from vm.helpers import run_vm

PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBxvgxzNr3lbb9W8M8Hp3VC1ZIc4w5kZ7Jw1Zn0Ivz3c govcloud-lab-test"


def _args(command: list[str], flag: str) -> list[str]:
    return [value for prev, value in itertools.pairwise(command) if prev == flag]


def test_the_cache_key_follows_the_inputs() -> None:
    text = SCRIPT.read_text(encoding="utf-8")
    key = image_key(SUITE, VM_PACKAGES, text)
    assert key == vm_image().key
    assert key == image_key(SUITE, tuple(reversed(VM_PACKAGES)), text)  # order does not matter
    assert key != image_key(SUITE, (*VM_PACKAGES, "lynis"), text)
    assert key != image_key("trixie", VM_PACKAGES, text)
    assert key != image_key(SUITE, VM_PACKAGES, text + "\n# edited\n")


def test_the_vm_bakes_in_the_role_packages_and_a_kernel() -> None:
    assert set(ROLE_PACKAGES) <= set(VM_PACKAGES)
    assert {"linux-image-amd64", "linux-base", "openssh-server", "python3", "python3-apt", "sudo"} <= set(VM_PACKAGES)


def test_the_image_lives_in_the_cache_named_by_its_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVCLOUD_LAB_CACHE", str(tmp_path))
    image = vm_image()
    assert image.directory == tmp_path / f"govcloud-vm-{image.key[:16]}"
    assert (image.disk.name, image.kernel.name, image.initrd.name) == ("disk.qcow2", "vmlinuz", "initrd.img")
    assert not image.is_built()


def test_the_qemu_command_line(tmp_path: Path) -> None:
    image = VmImage("ab" * 32, tmp_path / "cache")
    config = VmConfig(state_dir=tmp_path / "state", inventory=tmp_path / "vm.yml")
    command = qemu_command(image, config, 40022, PUBLIC_KEY)
    assert command[0] == "qemu-system-x86_64"
    assert "-enable-kvm" not in command and _args(command, "-machine") == ["pc,accel=tcg"]
    assert _args(command, "-smp") == ["1"] and _args(command, "-m") == ["1024"]
    assert _args(command, "-kernel") == [str(image.kernel)] and _args(command, "-initrd") == [str(image.initrd)]
    # The run writes its overlay, never the cached disk.
    assert _args(command, "-drive") == [f"file={config.overlay},if=virtio,format=qcow2,discard=unmap"]
    assert str(image.disk) not in " ".join(command)
    # One NIC, user-mode, isolated, SSH forwarded from loopback only.
    assert _args(command, "-netdev") == ["user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:40022-:22"]
    assert "-nodefaults" in command and _args(command, "-monitor") == ["none"]
    assert _args(command, "-serial") == [f"file:{config.serial_log}"]
    assert "-daemonize" in command and _args(command, "-pidfile") == [str(config.pidfile)]


def test_the_kernel_command_line_carries_the_public_key_only() -> None:
    line = kernel_command_line(PUBLIC_KEY + "\n")
    words = line.split()
    assert words[:3] == ["root=/dev/vda", "ro", "console=ttyS0"]
    (encoded,) = [w.removeprefix("govcloud.ssh_key=") for w in words if w.startswith("govcloud.ssh_key=")]
    assert base64.b64decode(encoded).decode("ascii") == PUBLIC_KEY + "\n"
    assert len(line) < 2048  # x86's kernel command line limit


def test_the_inventory_snippet(tmp_path: Path) -> None:
    connection = VmConnection("127.0.0.1", 40022, "debian", tmp_path / "id_ed25519", 1, tmp_path / "s.log",
                              tmp_path / "vm.yml", "ab" * 32)  # fmt: skip
    doc = inventory_document(connection)
    host = doc["all"]["hosts"][NAME]
    assert host == {
        "ansible_host": "127.0.0.1",
        "ansible_port": 40022,
        "ansible_user": "debian",
        "ansible_ssh_private_key_file": str(tmp_path / "id_ed25519"),
        "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
        "ansible_ssh_pipelining": True,
        "ansible_python_interpreter": "/usr/bin/python3",
    }
    group_vars = doc["all"]["children"]["lab_vm"]["vars"]
    assert group_vars["govcloud_mlps_level"] == 3 and group_vars["govcloud_zones"] == ["management"]
    for group in ("level_3", "zone_management", "tenant_mgmt"):
        assert doc["all"]["children"][group] == {"hosts": {NAME: None}}
    assert connection.ssh_command("true")[-2:] == ["debian@127.0.0.1", "true"]
    assert "StrictHostKeyChecking=no" in connection.ssh_command()


def test_a_missing_qemu_names_the_apt_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing to find
    monkeypatch.setenv(STATE_ENV, str(tmp_path / "state"))
    result = run_vm("up")
    assert result.exit_code == 2
    assert "apt-get install qemu-system-x86 qemu-utils openssh-client" in result.output


def test_a_state_dir_that_cannot_be_made_is_a_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(LabError) as caught:
        up(VmConfig(state_dir=blocker / "state", inventory=tmp_path / "vm.yml"))
    assert caught.value.exit_code == 2 and "GOVCLOUD_LAB_VM_STATE" in str(caught.value)


def test_building_needs_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(LabError) as caught:
        ensure_vm_image(cache=tmp_path)
    assert caught.value.exit_code == 2 and "run as root" in str(caught.value)


def test_status_without_a_vm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STATE_ENV, str(tmp_path / "state"))
    result = run_vm("status")
    assert result.exit_code == 0 and "no VM" in result.output
    assert run_vm("down").exit_code == 0


def test_a_vm_whose_qemu_is_gone_is_reported_and_cleared(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state_dir = tmp_path / "state"
    state_dir.mkdir()
    inventory = tmp_path / "vm.yml"
    inventory.write_text("all: {}\n", encoding="utf-8")
    # Our own pid: alive, but not qemu, so it is never signalled.
    state = {"port": 40022, "pid": os.getpid(), "image_key": "ab" * 32, "inventory": str(inventory)}
    (state_dir / "state.json").write_text(json.dumps(state), encoding="utf-8")
    (state_dir / "overlay.qcow2").write_text("", encoding="utf-8")
    monkeypatch.setenv(STATE_ENV, str(state_dir))
    assert status(VmConfig()).state == "dead"
    result = run_vm("status")
    assert result.exit_code == 1 and "dead" in result.output
    assert run_vm("down").exit_code == 0
    assert not state_dir.exists() and not inventory.exists()

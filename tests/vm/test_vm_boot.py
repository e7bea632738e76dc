"""`govcloud lab vm up | status | down` with a real qemu VM: what containers cannot show, for real.

Inside the VM: kernel audit takes rules, `kernel.*` sysctls can be written, and root may set
the clock (CAP_SYS_TIME), with chronyd running without -x. The host's own kernel settings
and clock are never touched. Tests run in file order; the last one takes the VM down.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from govcloud.lab.vm import NAME, STATE_ENV, VmConfig, VmConnection, status
from govcloud.lab.vm_image import VmImage
from vm.helpers import run_vm

ROOT = Path(__file__).resolve().parents[2]
SYS_TIME = 25  # capability number of CAP_SYS_TIME
pytestmark = pytest.mark.vm


def _ok(vm: VmConnection, command: str, sudo: bool = False) -> str:
    done = vm.run(command, sudo=sudo)
    assert done.returncode == 0, f"{command}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout.strip()


def test_ssh_logs_in_as_debian_with_the_runs_key_and_sudo_needs_no_password(vm: VmConnection) -> None:
    assert _ok(vm, "id -un") == "debian"
    assert _ok(vm, "id -u", sudo=True) == "0"
    assert _ok(vm, "sudo cat /etc/sudoers.d/90-cloud-init-users") == "debian ALL=(ALL) NOPASSWD:ALL"
    assert vm.key.stat().st_mode & 0o777 == 0o600
    assert not vm.key.resolve().is_relative_to(ROOT), "the private key must live outside the repo"
    # The image carries no key: the one in the VM is this run's.
    installed = _ok(vm, "cat ~/.ssh/authorized_keys")
    assert installed == vm.key.with_suffix(".pub").read_text(encoding="ascii").strip()


def test_the_kernel_is_the_vms_own(vm: VmConnection, host_release: str) -> None:
    assert _ok(vm, "systemd-detect-virt") == "qemu"  # TCG: software emulation, no KVM
    assert _ok(vm, "cat /proc/1/comm") == "systemd"
    assert _ok(vm, "uname -r") != host_release
    assert _ok(vm, "hostname") == NAME
    state = vm.run("systemctl is-system-running").stdout.strip()
    assert state in ("running", "degraded", "starting"), state


def test_kernel_audit_takes_rules(vm: VmConnection) -> None:
    _ok(vm, "auditctl -l", sudo=True)
    _ok(vm, "auditctl -w /etc/passwd -p wa -k govcloud-vm-test", sudo=True)
    assert "-w /etc/passwd -p wa -k govcloud-vm-test" in _ok(vm, "auditctl -l", sudo=True)
    assert re.search(r"^enabled [12]$", _ok(vm, "auditctl -s", sudo=True), re.M)
    _ok(vm, "auditctl -W /etc/passwd -p wa -k govcloud-vm-test", sudo=True)


def test_kernel_sysctls_can_be_written_in_the_vm_only(vm: VmConnection) -> None:
    host_before = Path("/proc/sys/kernel/kptr_restrict").read_text(encoding="utf-8")
    _ok(vm, "sysctl -w kernel.kptr_restrict=2", sudo=True)
    assert _ok(vm, "/usr/sbin/sysctl -n kernel.kptr_restrict") == "2"
    _ok(vm, "sysctl -w kernel.kptr_restrict=1", sudo=True)
    assert _ok(vm, "/usr/sbin/sysctl -n kernel.kptr_restrict") == "1"
    assert Path("/proc/sys/kernel/kptr_restrict").read_text(encoding="utf-8") == host_before


def test_root_may_set_the_clock_and_chronyd_steps_it(vm: VmConnection) -> None:
    cap_eff = int(_ok(vm, "awk '/^CapEff/ {print $2}' /proc/self/status", sudo=True), 16)
    assert cap_eff & (1 << SYS_TIME), "root in the VM must have CAP_SYS_TIME (containers never do)"
    chronyd = _ok(vm, "pgrep -a -x chronyd")
    assert chronyd and " -x" not in chronyd, f"chronyd must steer the clock (no -x): {chronyd}"
    assert "Reference ID" in _ok(vm, "chronyc tracking")
    host_before = time.time()
    # chronyd itself steps the clock an hour ahead (a manual sample: no NTP server to reach here) ...
    ahead = int(time.time()) + 3600
    _ok(vm, f"chronyc manual on && chronyc settime \"$(date -u -d @{ahead} '+%Y-%m-%d %H:%M:%S') UTC\"", sudo=True)
    assert abs(int(_ok(vm, "date -u +%s")) - ahead) < 60
    assert "System clock was stepped" in _ok(vm, "journalctl -u chrony --no-pager", sudo=True)
    # ... and root steps it back through the kernel.
    _ok(vm, f"chronyc manual off && date -u -s @{int(time.time())}", sudo=True)
    assert abs(int(_ok(vm, "date -u +%s")) - time.time()) < 60
    assert abs(time.time() - host_before) < 600, "the host's clock must not move"


def test_ssh_is_the_only_way_in_and_only_on_loopback(vm: VmConnection) -> None:
    cmdline = Path(f"/proc/{vm.pid}/cmdline").read_bytes().split(b"\0")
    netdevs = [arg.decode() for prev, arg in itertools.pairwise(cmdline) if prev == b"-netdev"]
    assert netdevs == [f"user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:{vm.port}-:22"]
    listening = subprocess.run(["ss", "-Hltnp"], capture_output=True, text=True, check=True).stdout
    mine = [line.split()[3] for line in listening.splitlines() if f"pid={vm.pid}," in line]
    assert mine == [f"127.0.0.1:{vm.port}"]
    # restrict=on: the guest reaches nothing, not even qemu's gateway to the host.
    blocked = vm.run("timeout 5 bash -c '</dev/tcp/10.0.2.2/22'")
    assert blocked.returncode != 0


def test_the_cached_disk_stays_pristine(vm: VmConnection, vm_image: VmImage, vm_config: VmConfig) -> None:
    assert vm_image.disk.stat().st_mode & 0o222 == 0, "the cached disk is read-only"
    info = json.loads(
        subprocess.run(
            ["qemu-img", "info", "--force-share", "--output=json", str(vm_config.overlay)],
            capture_output=True, text=True, check=True,
        ).stdout
    )  # fmt: skip
    assert info["backing-filename"] == str(vm_image.disk)
    assert vm.image_key == vm_image.key


def test_the_inventory_snippet_reaches_the_vm_with_ansible(vm: VmConnection) -> None:
    doc = YAML(typ="safe").load(vm.inventory.read_text(encoding="utf-8"))
    host = doc["all"]["hosts"][NAME]
    assert host["ansible_host"] == "127.0.0.1" and host["ansible_port"] == vm.port
    assert host["ansible_user"] == "debian" and host["ansible_ssh_private_key_file"] == str(vm.key)
    assert host["ansible_python_interpreter"] == "/usr/bin/python3"
    assert "StrictHostKeyChecking=no" in host["ansible_ssh_common_args"]
    children = doc["all"]["children"]
    assert children["lab_vm"]["vars"]["govcloud_mlps_level"] == 3
    assert children["lab_vm"]["vars"]["govcloud_zones"] == ["management"]
    assert NAME in children["level_3"]["hosts"] and NAME in children["zone_management"]["hosts"]
    ansible = ROOT / ".venv" / "bin" / "ansible"
    done = subprocess.run(
        [str(ansible), "-i", str(vm.inventory), NAME, "-b", "-m", "ansible.builtin.command", "-a", "id -u"],
        capture_output=True, text=True, timeout=180, check=False,
        env={**os.environ, "ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_NOCOLOR": "1"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip().endswith("0")


def test_up_twice_keeps_the_running_vm(vm: VmConnection) -> None:
    result = run_vm("up", "--inventory", str(vm.inventory))
    assert result.exit_code == 0, result.output
    assert "already running" in result.output
    found = status(VmConfig(inventory=vm.inventory))
    assert found.connection is not None and found.connection.pid == vm.pid and found.connection.port == vm.port


def test_status_reports_the_running_vm(vm: VmConnection) -> None:
    result = run_vm("status", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["state"] == "running" and data["ssh"] is True and data["port"] == vm.port


def test_a_boot_that_does_not_answer_in_time_fails_with_the_serial_console(
    vm: VmConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(STATE_ENV, str(tmp_path / "state"))
    try:
        result = run_vm("up", "--timeout", "8", "--inventory", str(tmp_path / "vm.yml"))
        assert result.exit_code == 1, result.output
        assert "did not answer SSH within 8 s" in result.output and "serial console" in result.output
        assert "Linux version" in (tmp_path / "state" / "serial.log").read_text(encoding="utf-8", errors="replace")
    finally:
        assert run_vm("down").exit_code == 0
    assert not (tmp_path / "state").exists()


def test_down_kills_qemu_and_removes_the_state(vm: VmConnection, vm_config: VmConfig, vm_image: VmImage) -> None:
    result = run_vm("down")
    assert result.exit_code == 0, result.output
    deadline = time.monotonic() + 10
    while Path(f"/proc/{vm.pid}/cmdline").exists() and Path(f"/proc/{vm.pid}/cmdline").read_bytes():
        assert time.monotonic() < deadline, "qemu still runs after down"
        time.sleep(0.2)
    assert not vm_config.state_dir.exists()
    assert not vm.inventory.exists()
    assert vm_image.is_built(), "down keeps the cached image"
    assert run_vm("status").output.startswith("lab vm status: no VM")
    again = run_vm("down")
    assert again.exit_code == 0 and "no VM" in again.output

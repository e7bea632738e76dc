"""The hardening on a real kernel: what containers can only show as configuration.

The VM stands in for one management-zone host of the plan (the trusted-time host
mgmt-ntp-1: its groups, security-group ingress and the platform services come from the
plan, only the connection is the VM's). playbooks/site.yml converges it; then the host
checks of the kernel-side roles run their non-container branches: audit rules loaded and
locked in the kernel, kernel.* sysctls applied, chrony free to steer the clock.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from govcloud.lab.converge import ConvergeResult, converge
from govcloud.lab.vm import VmConnection
from govcloud.lab.vm_inventory import DEFAULT_HOST, write_vm_inventory

ROOT = Path(__file__).resolve().parents[2]
IMPERSONATES = DEFAULT_HOST  # mgmt-ntp-1
KERNEL_SIDE_CHECKS = ("tests/hosts/test_auditd.py", "tests/hosts/test_kernel.py", "tests/hosts/test_time_sync.py")

# About 8 minutes under software emulation: `make test-vm` runs it, `make test` leaves it out.
pytestmark = [pytest.mark.vm, pytest.mark.vm_hardening]


@pytest.fixture(scope="module")
def vm_inventory(vm: VmConnection, sample_plan: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("vm-inventory") / "hosts.yml"
    return write_vm_inventory(vm, sample_plan, "the sample plan", IMPERSONATES, path)


@pytest.fixture(scope="module")
def converged(vm_inventory: Path) -> ConvergeResult:
    result = converge(vm_inventory, print)
    print(f"VM converge: {result.tasks} tasks, {result.changed_total()} changed, {result.seconds:.1f} s")
    return result


def test_site_converges_on_a_real_kernel(converged: ConvergeResult) -> None:
    assert converged.ok, converged.failures
    assert converged.hosts == {IMPERSONATES}
    assert converged.changed_total() > 0


def test_audit_rules_are_loaded_and_locked(converged: ConvergeResult, vm: VmConnection) -> None:
    status = vm.run("auditctl -s", sudo=True)
    assert status.returncode == 0 and "enabled 2" in status.stdout.splitlines()
    rules = vm.run("auditctl -l", sudo=True).stdout
    assert "-w /etc/shadow -p wa -k identity" in rules
    # Locked: even root cannot delete the rules until the next boot.
    assert vm.run("auditctl -D", sudo=True).returncode != 0


def test_kernel_sysctls_are_applied(converged: ConvergeResult, vm: VmConnection) -> None:
    for key, value in (("kernel.kptr_restrict", "2"), ("kernel.dmesg_restrict", "1"), ("fs.suid_dumpable", "0")):
        assert vm.run(f"sysctl -n {key}", sudo=True).stdout.strip() == value, key


def test_kernel_side_host_checks_pass_on_the_vm(converged: ConvergeResult, vm_inventory: Path, tmp_path: Path) -> None:
    evidence = tmp_path / "vm.json"
    done = subprocess.run(
        [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *KERNEL_SIDE_CHECKS,
            "--hosts", "ansible://all", "--ansible-inventory", str(vm_inventory), "--sudo",
            "--evidence", str(evidence),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=1200, check=False,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    records = json.loads(evidence.read_text())["records"]
    assert records and all(r["outcome"] == "passed" and r["host"] == IMPERSONATES for r in records)
    assert {"L3-CEN-05", "L3-CEN-20", "L3-SMC-04"} <= {c for r in records for c in r["controls"]}

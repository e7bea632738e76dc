"""`govcloud lab up | status | down` with two real hosts (podman + runc, systemd as PID 1)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from govcloud.lab import BaseImage
from lab.conftest import LAB_HOSTS
from lab.helpers import lab_listing, run_lab, sh

SYS_TIME = 25  # capability number of CAP_SYS_TIME


def _ids() -> dict[str, str]:
    return {c["Labels"]["govcloud.host"]: c["Id"] for c in lab_listing()}


def test_up_starts_one_running_container_per_host(lab: Path, base_image: BaseImage) -> None:
    listed = {c["Names"][0]: c for c in lab_listing()}
    assert sorted(listed) == sorted(f"govcloud-{h}" for h in LAB_HOSTS)
    for host in LAB_HOSTS:
        entry = listed[f"govcloud-{host}"]
        assert entry["State"] == "running"
        assert entry["Labels"]["govcloud.lab"] == "1"
        assert entry["Labels"]["govcloud.host"] == host
        assert entry["Image"] == base_image.ref


def test_systemd_is_pid_1_and_running_with_the_hosts_own_name(lab: Path) -> None:
    for host in LAB_HOSTS:
        name = f"govcloud-{host}"
        assert sh("podman", "exec", name, "cat", "/proc/1/comm") == "systemd"
        state = subprocess.run(
            ["podman", "exec", name, "systemctl", "is-system-running"], capture_output=True, text=True, check=False
        ).stdout.strip()
        assert state in ("running", "degraded"), state
        assert sh("podman", "exec", name, "hostname") == host
        assert sh("podman", "exec", name, "systemctl", "is-active", "ssh") == "active"


def test_hosts_run_with_the_lab_flags_and_without_cap_sys_time(lab: Path) -> None:
    for host in LAB_HOSTS:
        name = f"govcloud-{host}"
        cap_eff = next(
            line.split()[1]
            for line in sh("podman", "exec", name, "cat", "/proc/1/status").splitlines()
            if line.startswith("CapEff:")
        )
        assert not int(cap_eff, 16) & (1 << SYS_TIME)
        info = json.loads(sh("podman", "inspect", name))[0]
        assert info["OCIRuntime"] == "runc"
        assert info["HostConfig"]["NetworkMode"] == "none"
        limits = {u["Name"]: (u["Soft"], u["Hard"]) for u in info["HostConfig"]["Ulimits"]}
        assert limits["RLIMIT_NOFILE"] == (4096, 4096)
        assert limits["RLIMIT_NPROC"] == (8192, 8192)


def test_up_twice_keeps_the_running_containers(lab: Path) -> None:
    before = _ids()
    args = [arg for host in LAB_HOSTS for arg in ("--host", host)]
    result = run_lab("up", "--plan", str(lab), *args)
    assert result.exit_code == 0, result.output
    assert "running already" in result.output
    assert _ids() == before


def test_status_lists_the_hosts(lab: Path) -> None:
    result = run_lab("status")
    assert result.exit_code == 0, result.output
    for host in LAB_HOSTS:
        assert f"govcloud-{host}" in result.output


def test_down_removes_the_lab_containers_and_nothing_else(lab: Path, base_image: BaseImage) -> None:
    bystander = "govcloud-test-bystander"
    sh("podman", "create", "--name", bystander, "--runtime", "runc", base_image.ref, "true")
    try:
        result = run_lab("down")
        assert result.exit_code == 0, result.output
        assert "removed 2 containers" in result.output
        assert lab_listing() == []
        assert sh("podman", "ps", "-a", "--filter", f"name=^{bystander}$", "--format", "{{.Names}}") == bystander
        again = run_lab("down")
        assert again.exit_code == 0 and "removed 0 containers" in again.output
    finally:
        subprocess.run(["podman", "rm", "--force", bystander], capture_output=True, check=False)

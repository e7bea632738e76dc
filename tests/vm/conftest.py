"""The VM tests boot a real qemu VM: qemu, qemu-img, mkfs.ext4, debootstrap and ssh must be installed.

Nothing is skipped: a missing tool fails the session with the apt package to install.
`vm_image` builds the image once per machine (a few minutes) or reuses it from the cache
(GOVCLOUD_LAB_CACHE). `vm` boots one VM through `govcloud lab vm up` with its own state
directory and inventory under pytest's tmp dir (so an operator's VM is left alone) and always
runs `down` afterwards, pass or fail.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from govcloud.lab.podman import TOOLS
from govcloud.lab.vm import STATE_ENV, VmConfig, VmConnection, down, status
from govcloud.lab.vm_image import VM_TOOLS, VmImage, ensure_vm_image
from vm.helpers import run_vm


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "vm: boots the lab's qemu VM (tests/vm; ~2 minutes on a warm cache)")
    config.addinivalue_line("markers", "vm_hardening: converges site.yml on the VM (~10 minutes; make test-vm)")


@pytest.fixture(scope="session")
def vm_tools() -> None:
    missing = [tool for tool in VM_TOOLS if shutil.which(tool) is None]
    if missing:
        packages = " ".join(dict.fromkeys(TOOLS[t] for t in missing))
        pytest.fail(f"the VM tests need {', '.join(missing)}: apt-get install {packages} (make test installs them)")


@pytest.fixture(scope="session")
def vm_image(vm_tools: None) -> VmImage:
    """Built once per machine (debootstrap, a few minutes), then reused from the cache."""
    return ensure_vm_image(print)


@pytest.fixture(scope="module")
def vm_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VmConfig]:
    """The VM's own state directory (via GOVCLOUD_LAB_VM_STATE, as the CLI reads it) and inventory."""
    base = tmp_path_factory.mktemp("vm")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(STATE_ENV, str(base / "state"))
        yield VmConfig(inventory=base / "inventory" / "vm.yml")


@pytest.fixture(scope="module")
def vm(vm_image: VmImage, vm_config: VmConfig) -> Iterator[VmConnection]:
    try:
        result = run_vm("up", "--inventory", str(vm_config.inventory))
        print(result.output)
        assert result.exit_code == 0, result.output
        found = status(vm_config)
        assert found.state == "running" and found.connection is not None, found
        yield found.connection
    finally:
        down(vm_config)


@pytest.fixture()
def host_release() -> str:
    return Path("/proc/sys/kernel/osrelease").read_text(encoding="utf-8").strip()

"""The lab VM's image: a debootstrap'd disk plus its kernel and initrd, cached outside the repo.

Keyed like the container image (`govcloud.lab.image.image_key`: suite, package list, the
build script's text), so nothing stale is reused. A build leaves
`<cache>/govcloud-vm-<tag>/{disk.qcow2,vmlinuz,initrd.img}`, read-only: every run boots a
qcow2 overlay of the disk, so the cached base stays pristine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from govcloud.lab.image import (
    BASE_PACKAGES,
    ROLE_PACKAGES,
    SUITE,
    TAG_LENGTH,
    cache_dir,
    image_key,
    run_build_script,
)
from govcloud.lab.podman import EXIT_USAGE, LabError, require

# The container image's packages (so the roles find the same things baked in) plus what a
# machine with its own kernel needs: the kernel, an initrd builder, udev for devices, and
# linux-base (without it OpenSCAP reads many kernel rules as "not applicable").
VM_PACKAGES: tuple[str, ...] = (
    *BASE_PACKAGES,
    *ROLE_PACKAGES,
    "linux-image-amd64", "linux-base", "initramfs-tools", "udev", "dbus",
)  # fmt: skip
SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build-vm-image.sh"
PREFIX = "govcloud-vm-"
BUILD_TIMEOUT = 1800.0

# What building and running the VM takes (packages: govcloud.lab.podman.TOOLS).
VM_TOOLS = ("qemu-system-x86_64", "qemu-img", "mkfs.ext4", "debootstrap", "ssh", "ssh-keygen")

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class VmImage:
    key: str
    cache: Path

    @property
    def tag(self) -> str:
        return self.key[:TAG_LENGTH]

    @property
    def directory(self) -> Path:
        return self.cache / f"{PREFIX}{self.tag}"

    @property
    def disk(self) -> Path:
        return self.directory / "disk.qcow2"

    @property
    def kernel(self) -> Path:
        return self.directory / "vmlinuz"

    @property
    def initrd(self) -> Path:
        return self.directory / "initrd.img"

    def is_built(self) -> bool:
        return all(path.is_file() for path in (self.disk, self.kernel, self.initrd))


def vm_image(
    suite: str = SUITE, packages: Sequence[str] = VM_PACKAGES, script: Path = SCRIPT, cache: Path | None = None
) -> VmImage:
    try:
        text = script.read_text(encoding="utf-8")
    except OSError as exc:
        raise LabError(f"{script}: cannot read the VM image build script ({exc})", EXIT_USAGE) from None
    return VmImage(image_key(suite, packages, text), cache or cache_dir())


def _build(image: VmImage, suite: str, packages: Sequence[str], script: Path, progress: Progress) -> None:
    require("debootstrap", "mkfs.ext4", "qemu-img", what="the lab VM")
    run_build_script(
        script, suite, packages, image.directory, image.cache, "lab VM image", progress, timeout=BUILD_TIMEOUT
    )


def ensure_vm_image(
    progress: Progress = _quiet,
    suite: str = SUITE,
    packages: Sequence[str] = VM_PACKAGES,
    script: Path = SCRIPT,
    cache: Path | None = None,
    rebuild: bool = False,
) -> VmImage:
    """The VM image in the cache: reuse it or build it (debootstrap, a few minutes)."""
    image = vm_image(suite, packages, script, cache)
    if not rebuild and image.is_built():
        progress(f"VM image {image.directory}: present")
        return image
    progress(f"VM image {image.directory}: building (debootstrap + mkfs.ext4, a few minutes)")
    _build(image, suite, packages, script, progress)
    if not image.is_built():
        raise LabError(f"building the lab VM image left no disk/kernel/initrd in {image.directory}")
    return image

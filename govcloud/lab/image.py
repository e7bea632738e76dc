"""The lab's base image: debootstrap's Debian, cached as a tarball outside the repo, keyed by its inputs.

The key is the sha256 of the suite, the package list and the build script's own text, so
changing any of them builds a new image and nothing stale is reused. A build leaves the
root filesystem as `<cache>/govcloud-lab-base-<tag>.tar`; `podman import` makes it
`localhost/govcloud-lab-base:<tag>` (tag: the key's first 16 hex digits). The next build
finds the image (well under a second) or the tarball (an import, a few seconds).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from govcloud.lab.podman import EXIT_USAGE, LabError, podman, require

SUITE = "bookworm"
# The base system plus what the hardening roles install, baked in so that converging a lab
# host (which has no route to a mirror) finds every package already there.
BASE_PACKAGES: tuple[str, ...] = ("openssh-server", "python3", "systemd", "systemd-sysv", "iproute2", "sudo")
ROLE_PACKAGES: tuple[str, ...] = (
    "python3-apt",  # Ansible's apt module
    "auditd", "aide", "chrony", "rsyslog", "rsyslog-gnutls", "logrotate", "nftables",
    "libpam-pwquality", "cracklib-runtime", "libpam-tmpdir", "procps", "kmod", "openssl", "ca-certificates", "debsums",
    "acct", "apt-show-versions", "needrestart",
    # trust services (roles/kms, roles/pki, roles/tsa): SoftHSM2 tokens, pkcs11-tool, OpenSSL's engine, PyKCS11
    "softhsm2", "opensc", "libengine-pkcs11-openssl", "python3-asn1crypto", "python3-pykcs11",
    # audit-log server (roles/audit_log): TLS with revocation in front of RELP, which acknowledges every message
    "stunnel4", "rsyslog-relp",
    # directory (roles/directory, roles/directory_client): OpenLDAP, sssd, sudo from directory groups, TOTP
    "slapd", "ldap-utils", "sssd-ldap", "sssd-tools", "libnss-sss", "libpam-sss", "libsss-sudo",
    "libpam-oath", "oathtool",
    # name resolution (roles/dns)
    "unbound", "bind9-dnsutils",
    # host keys and CSRs made on the host (roles/pki_enrol for NTS, LDAPS, the audit log): community.crypto needs it
    "python3-cryptography", "python3-cffi-backend",  # debootstrap does not resolve the virtual cffi ABI package
)  # fmt: skip
PACKAGES: tuple[str, ...] = BASE_PACKAGES + ROLE_PACKAGES
REPOSITORY = "localhost/govcloud-lab-base"
CACHE_ENV = "GOVCLOUD_LAB_CACHE"
MIRROR_ENV = "GOVCLOUD_LAB_MIRROR"
DEFAULT_CACHE = Path("/var/cache/govcloud/lab")
APT_SOURCES = (Path("/etc/apt/sources.list.d"), Path("/etc/apt/sources.list"))


def apt_mirror(sources: tuple[Path, ...] = APT_SOURCES) -> str | None:
    """The Debian mirror this machine's apt already uses (deb822 `URIs:` or a `deb` line)."""
    files: list[Path] = []
    for source in sources:
        if source.is_dir():
            files += sorted(source.glob("*.sources")) + sorted(source.glob("*.list"))
        elif source.is_file():
            files.append(source)
    for path in files:
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] == "URIs:" and "/debian" in words[1]:
                return words[1]
            if words[:1] == ["deb"]:
                uri = next((w for w in words[1:] if not w.startswith("[")), "")
                if "/debian" in uri:
                    return uri
    return None


SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build-lab-image.sh"
TAG_LENGTH = 16

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def image_key(suite: str, packages: Sequence[str], script_text: str) -> str:
    """sha256 over what decides the image's content (the package order does not matter)."""
    doc = {"suite": suite, "packages": sorted(set(packages)), "script": script_text}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def cache_dir(environ: dict[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get(CACHE_ENV) or DEFAULT_CACHE)


@dataclass(frozen=True)
class BaseImage:
    key: str
    cache: Path

    @property
    def tag(self) -> str:
        return self.key[:TAG_LENGTH]

    @property
    def ref(self) -> str:
        return f"{REPOSITORY}:{self.tag}"

    @property
    def tarball(self) -> Path:
        return self.cache / f"govcloud-lab-base-{self.tag}.tar"


def base_image(
    suite: str = SUITE, packages: Sequence[str] = PACKAGES, script: Path = SCRIPT, cache: Path | None = None
) -> BaseImage:
    try:
        text = script.read_text(encoding="utf-8")
    except OSError as exc:
        raise LabError(f"{script}: cannot read the image build script ({exc})", EXIT_USAGE) from None
    return BaseImage(image_key(suite, packages, text), cache or cache_dir())


def run_build_script(
    script: Path,
    suite: str,
    packages: Sequence[str],
    out: Path,
    cache: Path,
    what: str,
    progress: Progress,
    timeout: float | None = None,
) -> None:
    """Run a debootstrap build script (SUITE PACKAGES OUT MIRROR) as root, showing each line."""
    if os.geteuid() != 0:
        raise LabError(f"building the {what} runs debootstrap: run as root", EXIT_USAGE)
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LabError(f"{cache}: cannot create the image cache ({exc}); set {CACHE_ENV}", EXIT_USAGE) from None
    mirror = os.environ.get(MIRROR_ENV) or apt_mirror()
    if not mirror:
        raise LabError(f"no Debian mirror in this machine's apt sources: set {MIRROR_ENV}", EXIT_USAGE)
    command = ["bash", str(script), suite, ",".join(packages), str(out), mirror]
    started = time.monotonic()
    tail: list[str] = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip()
            tail = [*tail[-19:], line]
            progress(f"[{time.monotonic() - started:5.0f} s] {line}")
        code = proc.wait(timeout=timeout)
    if code != 0:
        detail = "\n".join(tail)
        raise LabError(f"building the {what} failed (exit {code}); last lines:\n{detail}")


def _build_tarball(image: BaseImage, suite: str, packages: Sequence[str], script: Path, progress: Progress) -> None:
    require("debootstrap")
    run_build_script(script, suite, packages, image.tarball, image.cache, "lab image", progress)


def ensure_image(
    progress: Progress = _quiet,
    suite: str = SUITE,
    packages: Sequence[str] = PACKAGES,
    script: Path = SCRIPT,
    cache: Path | None = None,
    rebuild: bool = False,
) -> BaseImage:
    """The base image in podman's store: reuse it, import the cached tarball, or build both."""
    require("podman")
    image = base_image(suite, packages, script, cache)
    with _building(image):
        return _ensure(image, progress, suite, packages, script, rebuild)


@contextmanager
def _building(image: BaseImage) -> Iterator[None]:
    """One build or import at a time: two test runs side by side (make test) both need the image."""
    image.cache.mkdir(parents=True, exist_ok=True)
    with (image.cache / ".build.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _ensure(
    image: BaseImage, progress: Progress, suite: str, packages: Sequence[str], script: Path, rebuild: bool
) -> BaseImage:
    if not rebuild and podman(["image", "exists", image.ref], check=False).returncode == 0:
        progress(f"image {image.ref}: present")
        return image
    if rebuild or not image.tarball.is_file():
        progress(f"image {image.ref}: building {image.tarball} (debootstrap, a few minutes)")
        _build_tarball(image, suite, packages, script, progress)
    progress(f"image {image.ref}: importing {image.tarball}")
    podman(
        [
            "import",
            "--change", "CMD=/sbin/init",
            "--change", "STOPSIGNAL=SIGRTMIN+3",
            "--change", f"LABEL=govcloud.image.key={image.key}",
            "--message", f"govcloud lab base: debootstrap --variant=minbase {suite} {','.join(packages)}",
            str(image.tarball),
            image.ref,
        ],
        timeout=600,
    )  # fmt: skip
    return image

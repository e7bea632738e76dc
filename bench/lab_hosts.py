"""What the hardening yardsticks share: a throwaway container of the lab image, Debian packages
fetched with the machine's own apt sources, and copying them into a host that has no mirror."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from govcloud.lab.image import ensure_image
from govcloud.lab.podman import podman
from govcloud.lab.vm import VmConfig, VmConnection, status

APT_SOURCES = Path("/etc/apt/sources.list.d/debian.sources")


@contextmanager
def throwaway_lab_host(name: str) -> Iterator[ContainerTarget]:
    """A container of the lab image as `lab up` starts one (systemd as PID 1), no network; removed after."""
    image = ensure_image()
    podman(["run", "--detach", "--rm", "--name", name, "--runtime", "runc", "--systemd=always",
            "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=8192:8192", "--cap-drop", "SYS_TIME",
            "--cap-add", "NET_ADMIN", "--network", "none", image.ref, "/sbin/init"])  # fmt: skip
    try:
        podman(["exec", name, "systemctl", "is-system-running", "--wait"], timeout=120, check=False)
        yield ContainerTarget(name)
    finally:
        podman(["rm", "--force", "--time", "0", name], check=False)


def apt_download(packages: Iterable[str], folder: Path, apt_options: Iterable[str] = ()) -> list[Path]:
    """`apt-get download` into `folder` (one used for nothing else); returns the .deb files there."""
    names = sorted(set(packages))
    if names:
        subprocess.run(["apt-get", *apt_options, "download", *names], cwd=folder, check=True, capture_output=True)
    return sorted(folder.glob("*.deb"))


@contextmanager
def suite_apt_options(suite: str) -> Iterator[list[str]]:
    """apt options that read `suite` (e.g. trixie) from the machine's own Debian mirror, in a temporary
    state folder: the machine's apt configuration is left as it is."""
    with tempfile.TemporaryDirectory(prefix=f"apt-{suite}-") as scratch:
        root = Path(scratch)
        (root / "lists" / "partial").mkdir(parents=True)
        (root / "cache" / "archives" / "partial").mkdir(parents=True)
        stanzas = [s for s in APT_SOURCES.read_text().split("\n\n") if s.strip() and "debian-security" not in s]
        sources = root / f"{suite}.sources"
        sources.write_text("\n\n".join(_with_suite(stanza, suite) for stanza in stanzas[:1]) + "\n")
        options = [
            "-o", f"Dir::Etc::sourcelist={sources}", "-o", "Dir::Etc::sourceparts=-",
            "-o", f"Dir::State::Lists={root / 'lists'}", "-o", f"Dir::Cache={root / 'cache'}",
        ]  # fmt: skip
        subprocess.run(["apt-get", *options, "update"], check=True, capture_output=True)
        yield options


def _with_suite(stanza: str, suite: str) -> str:
    return "\n".join(f"Suites: {suite}" if line.startswith("Suites:") else line for line in stanza.splitlines())


class Target(Protocol):
    """A lab host the yardsticks run in: a container or the VM."""

    @property
    def name(self) -> str: ...

    def run(self, command: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]: ...

    def put(self, local: Path, remote: str) -> None: ...


@dataclass(frozen=True)
class ContainerTarget:
    name: str

    def run(self, command: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
        return podman(["exec", self.name, "sh", "-c", command], timeout=timeout, check=check)

    def put(self, local: Path, remote: str) -> None:
        podman(["cp", str(local), f"{self.name}:{remote}"])


@dataclass(frozen=True)
class VmTarget:
    vm: VmConnection
    name: str = "lab VM"

    def run(self, command: str, timeout: float = 600, check: bool = True) -> subprocess.CompletedProcess[str]:
        done = self.vm.run(command, timeout=timeout, sudo=True)
        if check and done.returncode != 0:
            raise SystemExit(f"{self.name}: {command[:80]}: exit {done.returncode}: {done.stderr.strip()[-1000:]}")
        return done

    def put(self, local: Path, remote: str) -> None:
        # Through the account's own /tmp, then into place as root.
        staged = f"/tmp/{local.name}"
        ssh = self.vm.ssh_command()
        copy = ["scp", *ssh[1:-1], str(local), f"{ssh[-1]}:{staged}"]
        copy[copy.index("-p")] = "-P"  # scp names the port -P
        subprocess.run(copy, check=True, capture_output=True, timeout=600)
        if staged != remote:
            self.run(f"mv {staged} {remote}")


def running_vm() -> VmTarget:
    found = status(VmConfig())
    if found.connection is None:
        raise SystemExit("no lab VM running (govcloud lab vm up; govcloud lab vm converge hardens it)")
    return VmTarget(found.connection)


def missing_in(target: Target, packages: Iterable[str], folder: Path) -> list[str]:
    """What installing `packages` would add to the target: apt's own resolver, simulated on the
    machine against a copy of the target's dpkg status (so alternatives are chosen as apt would)."""
    status_file = folder / "status"
    status_file.write_text(target.run("cat /var/lib/dpkg/status", timeout=120).stdout)
    command = ["apt-get", "install", "--simulate", "--no-install-recommends", "-o", f"Dir::State::status={status_file}"]
    done = subprocess.run([*command, *packages], check=True, capture_output=True, text=True)
    return [line.split()[1] for line in done.stdout.splitlines() if line.startswith("Inst ")]


def install_debs(target: Target, debs: Iterable[Path]) -> None:
    """Copy .deb files into a target and install them with one dpkg run (it orders them itself)."""
    files = list(debs)
    if not files:
        return
    target.run("mkdir -p /tmp/bench-debs")
    for deb in files:
        target.put(deb, f"/tmp/bench-debs/{deb.name}")
    target.run("DEBIAN_FRONTEND=noninteractive dpkg -i /tmp/bench-debs/*.deb >/dev/null && rm -rf /tmp/bench-debs")

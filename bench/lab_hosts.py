"""What the hardening yardsticks share: a throwaway container of the lab image, Debian packages
fetched with the machine's own apt sources, and copying them into a host that has no mirror."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from govcloud.lab.image import ensure_image
from govcloud.lab.podman import podman

APT_SOURCES = Path("/etc/apt/sources.list.d/debian.sources")


@contextmanager
def throwaway_lab_host(name: str) -> Iterator[str]:
    """A container of the lab image as `lab up` starts one (systemd as PID 1), no network; removed after."""
    image = ensure_image()
    podman(["run", "--detach", "--rm", "--name", name, "--runtime", "runc", "--systemd=always",
            "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=8192:8192", "--cap-drop", "SYS_TIME",
            "--cap-add", "NET_ADMIN", "--network", "none", image.ref, "/sbin/init"])  # fmt: skip
    try:
        podman(["exec", name, "systemctl", "is-system-running", "--wait"], timeout=120, check=False)
        yield name
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


def missing_in(host: str, packages: Iterable[str], folder: Path) -> list[str]:
    """What installing `packages` would add to `host`: apt's own resolver, simulated on the machine
    against a copy of the host's dpkg status (so alternatives are chosen as apt would choose them)."""
    status = folder / "status"
    podman(["cp", f"{host}:/var/lib/dpkg/status", str(status)])
    command = ["apt-get", "install", "--simulate", "--no-install-recommends", "-o", f"Dir::State::status={status}"]
    done = subprocess.run([*command, *packages], check=True, capture_output=True, text=True)
    return [line.split()[1] for line in done.stdout.splitlines() if line.startswith("Inst ")]


def install_debs(host: str, debs: Iterable[Path]) -> None:
    """Copy .deb files into a host and install them with one dpkg run (it orders them itself)."""
    files = list(debs)
    if not files:
        return
    podman(["exec", host, "mkdir", "-p", "/tmp/bench-debs"])
    for deb in files:
        podman(["cp", str(deb), f"{host}:/tmp/bench-debs/{deb.name}"])
    install = "DEBIAN_FRONTEND=noninteractive dpkg -i /tmp/bench-debs/*.deb >/dev/null && rm -rf /tmp/bench-debs"
    podman(["exec", host, "sh", "-c", install], timeout=600)

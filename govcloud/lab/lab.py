"""`lab up`, `lab down` and `lab status`: one podman container per host, systemd as PID 1.

Every container is named `govcloud-<host>`, carries the labels `govcloud.lab=1` and
`govcloud.host=<host>`, has the host's own hostname and, for now, no network
(`--network none`; the plan's networks come in a later slice). Flags that work on this
kind of machine (hybrid cgroups): runc, not crun; raised nofile/nproc limits; systemd
mode. Never CAP_SYS_TIME, never /proc/sys unmasked.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from govcloud.inventory.model import Host
from govcloud.lab.access import disconnect
from govcloud.lab.image import BaseImage
from govcloud.lab.network import NetworkSource
from govcloud.lab.network import teardown as teardown_network
from govcloud.lab.podman import LabError, podman, podman_json, require

LABEL = "govcloud.lab"
HOST_LABEL = "govcloud.host"
PREFIX = "govcloud-"
BOOT_TIMEOUT = 120.0
SYSTEM_OK = ("running", "degraded")  # degraded: booted, some unit failed (shown by `lab status`)

Progress = Callable[[str], None]


def container_name(host: str) -> str:
    return f"{PREFIX}{host}"


def run_args(host: Host, image: BaseImage) -> list[str]:
    """`podman run` arguments for one lab host."""
    return [
        "run", "--detach",
        "--name", container_name(host.name),
        "--hostname", host.name,
        "--runtime", "runc",
        "--systemd=always",
        "--ulimit", "nofile=4096:4096",
        "--ulimit", "nproc=8192:8192",
        "--cap-drop", "SYS_TIME",
        "--cap-add", "NET_ADMIN",  # the host firewall (nftables) inside; never CAP_SYS_TIME
        "--network", "none",
        "--label", f"{LABEL}=1",
        "--label", f"{HOST_LABEL}={host.name}",
        "--label", f"govcloud.tenant={host.tenant}",
        "--label", f"govcloud.image.key={image.key}",
        image.ref,
        "/sbin/init",
    ]  # fmt: skip


@dataclass(frozen=True)
class LabHost:
    """A lab container as podman lists it, with systemd's state inside when asked."""

    host: str
    name: str
    id: str
    state: str  # podman's: running, exited, created, ...
    image: str
    system: str = ""  # `systemctl is-system-running` inside; "" when not asked or not running


def _listed(entry: dict[str, Any]) -> LabHost:
    labels = entry.get("Labels") or {}
    names = entry.get("Names") or [""]
    return LabHost(
        host=str(labels.get(HOST_LABEL, "")),
        name=str(names[0]),
        id=str(entry.get("Id", "")),
        state=str(entry.get("State", "")),
        image=str(entry.get("Image", "")),
    )


def lab_containers() -> list[LabHost]:
    """Every container labelled govcloud.lab=1, running or not, by host name."""
    listed = podman_json(["ps", "--all", "--filter", f"label={LABEL}=1", "--format", "json"]) or []
    return sorted((_listed(e) for e in listed), key=lambda c: (c.host, c.name))


def system_state(name: str, wait: float | None = None) -> str:
    """systemd's overall state inside the container; with `wait`, until it settles (at most `wait` s)."""
    args = ["exec", name, "systemctl", "is-system-running"]
    if wait is not None:
        args.append("--wait")
    done = podman(args, timeout=(wait or 30.0) + 10, check=False)
    if done.stdout.strip():
        return done.stdout.strip().splitlines()[-1]  # running, degraded, starting, ...
    lines = done.stderr.strip().splitlines()
    return f"no answer ({lines[-1]})" if lines else "no answer"


def failed_units(name: str) -> list[str]:
    done = podman(["exec", name, "systemctl", "--failed", "--no-legend", "--plain"], check=False)
    return [line.split()[0] for line in done.stdout.splitlines() if line.strip()]


def _wait_booted(name: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    state = ""
    while True:
        left = deadline - time.monotonic()
        try:
            state = system_state(name, wait=max(left, 1.0))
        except LabError:
            state = "no answer"
        if state in SYSTEM_OK:
            return state
        if time.monotonic() >= deadline:
            return state
        time.sleep(0.5)  # exec can fail while PID 1 is still starting: try again


def up(
    hosts: Sequence[Host],
    image: BaseImage,
    progress: Progress,
    timeout: float = BOOT_TIMEOUT,
    network: NetworkSource | None = None,
) -> list[LabHost]:
    """Start the hosts' containers (keeping those already running) and wait for systemd in each."""
    require("podman", "runc")
    existing = {c.name: c for c in lab_containers()}
    for host in hosts:
        name = container_name(host.name)
        found = existing.get(name)
        if found is not None and found.state == "running":
            progress(f"{host.name}: running already ({found.id[:12]})")
            continue
        if found is not None:
            progress(f"{host.name}: starting the stopped container")
            podman(["start", name])
            continue
        podman(run_args(host, image))
        progress(f"{host.name}: started {name}")
    names = [container_name(h.name) for h in hosts]
    with ThreadPoolExecutor(max_workers=max(1, min(8, len(names)))) as pool:
        states = dict(zip(names, pool.map(lambda n: _wait_booted(n, timeout), names), strict=True))
    bad = {n: s for n, s in states.items() if s not in SYSTEM_OK}
    for name, state in states.items():
        if state == "degraded":
            progress(f"{name}: systemd degraded (failed: {', '.join(failed_units(name)) or '?'})")
    if bad:
        listing = ", ".join(f"{n} ({s or 'no state'})" for n, s in sorted(bad.items()))
        raise LabError(f"systemd did not finish booting within {timeout:.0f} s in: {listing}")
    current = {c.name: c for c in lab_containers()}
    if network is not None:  # the plan's networks for every running lab host (docs/lab.md, Network)
        network.up({c.host: c.name for c in current.values() if c.state == "running" and c.host}, progress)
    return [replace(current[n], system=states[n]) if n in current else LabHost("", n, "", "gone", "") for n in names]


def down(progress: Progress) -> list[LabHost]:
    """Remove every container labelled govcloud.lab=1 (and nothing else), the plan's networks and
    the control network."""
    require("podman")
    found = lab_containers()
    if found:
        podman(["rm", "--force", "--time", "10", *(c.id for c in found)], timeout=180)
        for c in found:
            progress(f"{c.host or c.name}: removed {c.name}")
    teardown_network(progress)
    unplugged = disconnect()
    if unplugged:
        progress(f"control network: removed {', '.join(unplugged)}")
    return found


def status() -> list[LabHost]:
    """The lab containers and, for the running ones, systemd's state inside."""
    require("podman")
    found = lab_containers()
    return [replace(c, system=system_state(c.name) if c.state == "running" else "") for c in found]

"""Running ip, nft and nsenter: in a named namespace (`/run/netns/<name>`) or a container's (by PID)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from typing import Any

from govcloud.lab.podman import EXIT_USAGE, TOOLS, LabError, podman, require

NETWORK_TOOLS = ("ip", "nft", "nsenter")
TIMEOUT = 60.0


def require_network_tools() -> None:
    require(*NETWORK_TOOLS, what="the lab network")
    if os.geteuid() != 0:
        raise LabError("the lab network creates namespaces, links and nftables tables: run as root", EXIT_USAGE)


def run(command: Sequence[str], stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(list(command), input=stdin, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except FileNotFoundError:
        raise LabError(
            f"{command[0]} not found (Debian: apt-get install {TOOLS.get(command[0], command[0])})", EXIT_USAGE
        ) from None
    except subprocess.TimeoutExpired:
        raise LabError(f"{' '.join(command)}: no answer within {TIMEOUT:.0f} s") from None
    if check and done.returncode != 0:
        detail = done.stderr.strip() or done.stdout.strip() or f"exit {done.returncode}"
        raise LabError(f"{' '.join(command[:4])}...: failed: {detail}")
    return done


def in_ns(namespace: str) -> list[str]:
    """Prefix that runs a command in a named network namespace."""
    return ["nsenter", f"--net=/run/netns/{namespace}"]


def in_pid(pid: int) -> list[str]:
    """Prefix that runs a command in a container's network namespace (nothing else of it)."""
    return ["nsenter", "-t", str(pid), "-n"]


def ip_batch(prefix: Sequence[str], lines: Sequence[str]) -> None:
    if lines:
        run([*prefix, "ip", "-batch", "-"], stdin="\n".join(lines) + "\n")


def nft_load(prefix: Sequence[str], ruleset: str) -> None:
    run([*prefix, "nft", "-f", "-"], stdin=ruleset)


def write_sysctls(prefix: Sequence[str], values: Mapping[str, str]) -> None:
    """Write /proc/sys entries as seen from the namespace (net.* is per network namespace)."""
    script = "; ".join(f"echo {v} > /proc/sys/{k.replace('.', '/')}" for k, v in values.items())
    run([*prefix, "sh", "-c", script])


def ip_json(prefix: Sequence[str], args: Sequence[str]) -> list[dict[str, Any]]:
    done = run([*prefix, "ip", "-json", *args], check=False)
    if done.returncode != 0 or not done.stdout.strip():
        return []
    try:
        parsed = json.loads(done.stdout)
    except json.JSONDecodeError:
        return []
    return [p for p in parsed if isinstance(p, dict)] if isinstance(parsed, list) else []


def namespaces() -> list[str]:
    """Named network namespaces (`ip netns list`)."""
    done = run(["ip", "netns", "list"], check=False)
    return [line.split()[0] for line in done.stdout.splitlines() if line.strip()]


def container_pids(containers: Sequence[str]) -> dict[str, int]:
    """Container name -> PID of its init (whose network namespace is the container's); running ones only."""
    if not containers:
        return {}
    done = podman(["inspect", "--format", "{{.Name}} {{.State.Pid}}", *containers], check=False)
    out: dict[str, int] = {}
    for line in done.stdout.splitlines():
        name, _, pid = line.strip().partition(" ")
        if pid.isdigit() and int(pid) > 0:
            out[name.lstrip("/")] = int(pid)
    return out

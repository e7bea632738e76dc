"""Running podman (and checking the tools the lab needs are there)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from typing import Any

EXIT_FAILED, EXIT_USAGE = 1, 2

# The Debian package that provides each tool the lab runs (containers, network, access, VM).
TOOLS = {
    "podman": "podman",
    "runc": "runc",
    "debootstrap": "debootstrap",
    "ip": "iproute2",
    "bridge": "iproute2",
    "nft": "nftables",
    "nsenter": "util-linux",
    "ssh": "openssh-client",
    "ssh-keygen": "openssh-client",
    "qemu-system-x86_64": "qemu-system-x86",
    "qemu-img": "qemu-utils",
    "mkfs.ext4": "e2fsprogs",
}
DEFAULT_TIMEOUT = 120.0


class LabError(Exception):
    """The lab cannot do what was asked; `exit_code` is 1 (it failed) or 2 (bad input or setup)."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def require(*tools: str, what: str = "the lab") -> None:
    """Exit 2 naming the apt packages to install when a tool is missing (`what` needs them)."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        packages = " ".join(dict.fromkeys(TOOLS.get(tool, tool) for tool in missing))
        raise LabError(
            f"{', '.join(missing)} not found: {what} needs it (Debian: apt-get install {packages})", EXIT_USAGE
        )


def podman(
    args: Sequence[str], timeout: float = DEFAULT_TIMEOUT, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run `podman ARGS`; with `check`, a non-zero exit becomes a LabError quoting podman's message."""
    command = ["podman", *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise LabError("podman not found: the lab needs it (Debian: apt-get install podman runc)", EXIT_USAGE) from None
    except subprocess.TimeoutExpired:
        raise LabError(f"{' '.join(command)}: no answer within {timeout:.0f} s") from None
    if check and done.returncode != 0:
        detail = done.stderr.strip() or done.stdout.strip() or f"exit {done.returncode}"
        raise LabError(f"{' '.join(command[:3])}...: failed: {detail}")
    return done


def podman_json(args: Sequence[str], timeout: float = DEFAULT_TIMEOUT) -> Any:
    done = podman(args, timeout)
    try:
        return json.loads(done.stdout or "null")
    except json.JSONDecodeError as exc:
        raise LabError(f"podman {' '.join(args[:2])}: unexpected output ({exc.msg})") from None

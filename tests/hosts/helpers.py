"""Readers the host checks share."""

from __future__ import annotations

from typing import Any


def in_container(host: Any) -> bool:
    """A container shows configuration only (no kernel audit, no kernel.* sysctls, no clock)."""
    return bool(host.run("systemd-detect-virt --container").rc == 0)


def key_values(host: Any, path: str) -> dict[str, str]:
    """`key = value` files (auditd.conf, pwquality.conf, faillock.conf); a bare word is a flag ("1")."""
    out: dict[str, str] = {}
    for line in host.file(path).content_string.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            key, _, value = line.partition("=")
            out[key.strip()] = value.strip() or "1"
    return out

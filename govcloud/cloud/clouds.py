"""The `govcloud-local` entry of clouds.yaml: openstacksdk, the openstack CLI and Ansible find it.

Written to <state>/clouds.yaml and merged into /etc/openstack/clouds.yaml (or the file
GOVCLOUD_CLOUDS_YAML names), both mode 0600: the admin password is in it.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from govcloud.cloud import ports
from govcloud.cloud.connect import CLOUD_NAME, auth
from govcloud.cloud.state import CloudState

DEFAULT_CLOUDS_YAML = Path("/etc/openstack/clouds.yaml")


def clouds_yaml_path() -> Path:
    return Path(os.environ.get("GOVCLOUD_CLOUDS_YAML") or DEFAULT_CLOUDS_YAML)


def entry(password: str) -> dict[str, Any]:
    return {
        "auth": auth(password),
        "region_name": ports.REGION,
        "interface": "public",
        "identity_api_version": 3,
    }


def _write_private(path: Path, data: dict[str, Any]) -> bool:
    stream = io.StringIO()
    YAML(typ="safe", pure=True).dump(data, stream)
    text = stream.getvalue()
    if path.exists() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    path.chmod(0o600)
    return True


def write_clouds(state: CloudState, password: str, shared: Path | None = None) -> list[Path]:
    """Write our own file and merge our entry into the shared one; return the files changed."""
    changed: list[Path] = []
    ours = state.root / "clouds.yaml"
    if _write_private(ours, {"clouds": {CLOUD_NAME: entry(password)}}):
        changed.append(ours)
    target = shared or clouds_yaml_path()
    existing: dict[str, Any] = {}
    if target.exists():
        existing = YAML(typ="safe", pure=True).load(target.read_text()) or {}
    clouds = dict(existing.get("clouds") or {})
    clouds[CLOUD_NAME] = entry(password)
    if _write_private(target, {**existing, "clouds": clouds}):
        changed.append(target)
    return changed

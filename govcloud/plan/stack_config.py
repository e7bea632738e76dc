"""Read a stack's Pulumi.<stack>.yaml the way the Pulumi CLI hands it to the program."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from govcloud.catalog.errors import CatalogError, CatalogInvalid, relative

# Encrypted values cannot be read offline; the program still sees a secret.
OFFLINE_SECRET = "offline-placeholder"
# Keys the program requires as secrets; offline they may be unset on a developer machine.
OFFLINE_DEFAULT_SECRETS = ("openstack:password",)


def _as_config_value(value: Any) -> str:
    # The CLI passes objects and lists to the program as JSON text.
    return value if isinstance(value, str) else json.dumps(value)


def read_stack_config(project_dir: Path, stack: str) -> tuple[dict[str, str], list[str]]:
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        raise CatalogInvalid([CatalogError(relative(path), 1, "", f"no stack settings file for stack {stack!r}")])
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8")) or {}
    raw = data.get("config") or {}
    if not isinstance(raw, dict):
        raise CatalogInvalid([CatalogError(relative(path), 1, "config", "must be a mapping of keys")])
    config: dict[str, str] = {}
    secrets: list[str] = []
    for key, value in raw.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            config[key] = OFFLINE_SECRET
            secrets.append(key)
        else:
            config[key] = _as_config_value(value)
    for key in OFFLINE_DEFAULT_SECRETS:
        if key not in config:
            config[key] = OFFLINE_SECRET
            secrets.append(key)
    return config, sorted(secrets)

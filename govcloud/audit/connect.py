"""Open the named cloud of clouds.yaml; an unknown name says which file was read and what it has."""

from __future__ import annotations

import os
from typing import Any

import openstack.connection
from openstack import exceptions
from openstack.config import loader


class CloudNotFound(Exception):
    """A cloud name clouds.yaml does not have, or a cloud that cannot be reached."""


def _config() -> loader.OpenStackConfig:
    # GOVCLOUD_CLOUDS_YAML is where `govcloud cloud up` writes its entry: read it first
    extra = os.environ.get("GOVCLOUD_CLOUDS_YAML")
    files = [extra, *loader.CONFIG_FILES] if extra else None
    return loader.OpenStackConfig(config_files=files, load_envvars=False)


def known_clouds() -> tuple[str | None, list[str]]:
    """The clouds.yaml openstacksdk reads and the cloud names in it."""
    config = _config()
    return config.config_filename, sorted(config.get_cloud_names())


def connect(cloud: str) -> Any:
    """An openstacksdk Connection to `cloud`, authenticated (a token is fetched here)."""
    path, names = known_clouds()
    if cloud not in names:
        where = path or f"no clouds.yaml found (looked in {', '.join(loader.CONFIG_FILES)})"
        raise CloudNotFound(f"--cloud {cloud}: no such cloud in {where}; clouds there: {', '.join(names) or 'none'}")
    try:
        conn = openstack.connection.Connection(config=_config().get_one(cloud))
        conn.authorize()
    except exceptions.SDKException as exc:
        raise CloudNotFound(f"--cloud {cloud} (from {path}): cannot authenticate: {exc}") from None
    return conn

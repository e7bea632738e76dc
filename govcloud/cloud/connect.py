"""An openstacksdk connection as the cloud's admin (keystone's bootstrap user)."""

from __future__ import annotations

import openstack
from openstack.block_storage.v3._proxy import Proxy as BlockStorage
from openstack.connection import Connection
from openstack.identity.v3._proxy import Proxy as Identity

from govcloud.cloud import ports

CLOUD_NAME = "govcloud-local"


def auth(password: str) -> dict[str, str]:
    return {
        "auth_url": ports.KEYSTONE_URL,
        "username": "admin",
        "password": password,
        "project_name": "admin",
        "user_domain_name": "Default",
        "project_domain_name": "Default",
    }


def admin(password: str) -> Connection:
    return openstack.connect(
        auth=auth(password),
        region_name=ports.REGION,
        interface="public",
        identity_api_version="3",
        load_yaml_config=False,
        load_envvars=False,
    )


# openstacksdk types conn.identity and conn.block_storage as "v2 or v3"; this cloud is v3 only


def identity(conn: Connection) -> Identity:
    proxy = conn.identity
    assert isinstance(proxy, Identity), "keystone v3 expected"
    return proxy


def block_storage(conn: Connection) -> BlockStorage:
    proxy = conn.block_storage
    assert isinstance(proxy, BlockStorage), "cinder v3 expected"
    return proxy

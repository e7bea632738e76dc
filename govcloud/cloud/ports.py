"""Where each API listens: 127.0.0.1 only, the services' usual ports."""

from __future__ import annotations

HOST = "127.0.0.1"
REGION = "RegionOne"
MARIADB = 3306
EPMD = 4369
RABBITMQ = 5672
RABBITMQ_DIST = 25672
KEYSTONE = 5000
PLACEMENT = 8778
GLANCE = 9292
NEUTRON = 9696
NOVA = 8774
CINDER = 8776

KEYSTONE_URL = f"http://{HOST}:{KEYSTONE}/v3"


def url(port: int, path: str = "") -> str:
    return f"http://{HOST}:{port}{path}"

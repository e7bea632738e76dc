"""A small cloud as openstacksdk hands it over (resources that are dicts with to_dict), recorded
in the shape of the local cloud's answers: one compliant level-3 intranet tenant `fin` with a
server, its port, security group and rules, an encrypted volume attached, plus the cloud's
own projects, service users and the platform's exit router."""

from __future__ import annotations

import copy
from typing import Any


class SdkResource(dict[str, Any]):
    """Enough of openstack.resource.Resource: a dict with to_dict() and attribute reads."""

    def to_dict(self, computed: bool = True) -> dict[str, Any]:
        return copy.deepcopy(dict(self))

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


PROJECTS = {"admin": "p-admin", "service": "p-service", "fin": "p-fin"}
BACKBONE, INTERNET, EXTRANET_BB = "net-bb-intranet", "net-internet", "net-bb-extranet"
RULE = {"ether_type": "IPv4", "remote_group_id": None, "project_id": "p-fin", "security_group_id": "sg-fin-app"}
APPROVAL = "approval 科信发〔2024〕1号"


def cloud() -> dict[str, list[dict[str, Any]]]:
    """Raw answers per list call (dicts; SdkResource wraps them in FakeConnection)."""
    fin_tags = ["govcloud", "dept:fin", "zone:intranet", "mlps:3"]
    meta = {
        "govcloud_tenant": "fin",
        "mlps_level": "3",
        "govcloud_group": "app",
        "govcloud_role": "app",
        "govcloud_image": "kylin-server-v10-sp3",
    }
    return {
        "projects": [
            {"id": "p-admin", "name": "admin", "tags": []},
            {"id": "p-service", "name": "service", "tags": []},
            {
                "id": "p-fin",
                "name": "fin",
                "description": "Finance",
                "tags": ["govcloud", "dept:fin", "mlps:3", "sensitivity:sensitive", "zone:intranet"],
            },
        ],
        "users": [
            {"id": "u-admin", "name": "admin"},
            {"id": "u-nova", "name": "nova"},
        ],
        "groups": [
            {"id": f"g-{k}", "name": f"fin-{k}", "description": f"fin: {k}"}
            for k in ("admins", "members", "readers", "auditors")
        ],
        "roles": [
            {"id": f"r-{n}", "name": n} for n in ("admin", "member", "reader", "service", "tenant-admin", "auditor")
        ],
        "role_assignments": [
            _grant("admin", user=("u-admin", "admin"), project=("p-admin", "admin")),
            _grant("admin", user=("u-nova", "nova"), project=("p-service", "service")),
            _grant("service", user=("u-nova", "nova"), project=("p-service", "service")),
            *[
                _grant(role, group=(f"g-{kind}", f"fin-{kind}"), project=("p-fin", "fin"))
                for kind, role in (
                    ("admins", "tenant-admin"),
                    ("members", "member"),
                    ("readers", "reader"),
                    ("auditors", "auditor"),
                )
            ],
        ],
        "networks": [
            {"id": BACKBONE, "name": "gov-intranet-backbone", "project_id": "p-admin", "is_router_external": True},
            {
                "id": "net-fin-app",
                "name": "fin-app",
                "project_id": "p-fin",
                "tags": fin_tags,
                "is_shared": False,
                "is_router_external": False,
                "is_port_security_enabled": True,
            },
        ],
        "subnets": [
            {
                "id": "sn-fin-app",
                "name": "fin-app",
                "project_id": "p-fin",
                "network_id": "net-fin-app",
                "cidr": "10.10.16.0/24",
                "ip_version": 4,
                "gateway_ip": "10.10.16.1",
                "is_dhcp_enabled": True,
                "dns_nameservers": ["10.30.1.10"],
                "allocation_pools": [{"start": "10.10.16.2", "end": "10.10.16.9"}],
                "tags": fin_tags,
            },
        ],
        "routers": [
            {
                "id": "rt-exit",
                "name": "internet-exit",
                "project_id": "p-admin",
                "tags": ["govcloud", "role:internet-exit", "zone:extranet"],
                "external_gateway_info": {"network_id": INTERNET, "enable_snat": True},
                "routes": [],
            },
            {
                "id": "rt-fin",
                "name": "fin-intranet-router",
                "project_id": "p-fin",
                "tags": fin_tags,
                "external_gateway_info": {"network_id": BACKBONE, "enable_snat": False},
                "routes": [],
            },
        ],
        "ports": [
            {
                "id": "pt-exit",
                "name": "internet-exit-backbone",
                "project_id": "p-admin",
                "network_id": EXTRANET_BB,
                "device_owner": "network:router_interface",
                "device_id": "rt-exit",
                "fixed_ips": [{"subnet_id": "sn-bb-extranet", "ip_address": "10.20.255.1"}],
            },
            {
                "id": "pt-fin-app-1",
                "name": "fin-app-1-app",
                "project_id": "p-fin",
                "network_id": "net-fin-app",
                "device_owner": "compute:nova",
                "device_id": "srv-fin-app-1",
                "fixed_ips": [{"subnet_id": "sn-fin-app", "ip_address": "10.10.16.10"}],
                "security_group_ids": ["sg-fin-app"],
                "is_port_security_enabled": True,
                "allowed_address_pairs": [],
                "tags": ["govcloud", "dept:fin", "group:app", "role:app", "zone:intranet"],
            },
            {
                "id": "pt-fin-rif",
                "name": "",
                "project_id": "p-fin",
                "network_id": "net-fin-app",
                "device_owner": "network:router_interface",
                "device_id": "rt-fin",
                "fixed_ips": [{"subnet_id": "sn-fin-app", "ip_address": "10.10.16.1"}],
                "security_group_ids": [],
            },
        ],
        "security_groups": [
            {
                "id": "sg-fin-app",
                "name": "fin-app",
                "project_id": "p-fin",
                "description": "fin app: default deny",
                "tags": ["govcloud", "dept:fin", "group:app"],
            },
            {"id": "sg-fin-default", "name": "default", "project_id": "p-fin", "description": "Default", "tags": []},
        ],
        "security_group_rules": [
            {
                **RULE,
                "id": "rl-ssh",
                "direction": "ingress",
                "protocol": "tcp",
                "port_range_min": 22,
                "port_range_max": 22,
                "remote_ip_prefix": "10.30.2.10/32",
                "description": f"flow bastion-ssh; {APPROVAL}",
            },
            {
                **RULE,
                "id": "rl-dns",
                "direction": "egress",
                "protocol": "udp",
                "port_range_min": 53,
                "port_range_max": 53,
                "remote_ip_prefix": "10.30.1.10/32",
                "description": f"flow resolve-names; {APPROVAL}",
            },
            {
                **RULE,
                "id": "rl-default-egress",
                "security_group_id": "sg-fin-default",
                "direction": "egress",
                "protocol": None,
                "port_range_min": None,
                "port_range_max": None,
                "remote_ip_prefix": None,
            },
        ],
        "floating_ips": [],
        "servers": [
            {
                "id": "srv-fin-app-1",
                "name": "fin-app-1",
                "project_id": "p-fin",
                "status": "ACTIVE",
                "flavor": {"original_name": "g1.small"},
                "image": {"id": "img-kylin"},
                "key_name": "fin-admin",
                "metadata": meta,
                "tags": ["govcloud", "dept:fin", "group:app", "role:app"],
            },
        ],
        "server_groups": [],
        "flavors": [{"id": "fl-small", "name": "g1.small", "vcpus": 1, "ram": 2048, "disk": 20, "is_public": True}],
        "images": [
            {
                "id": "img-kylin",
                "name": "kylin-server-v10-sp3",
                "visibility": "public",
                "status": "active",
                "owner": "p-admin",
            },
        ],
        "volumes": [
            {
                "id": "vol-fin-data",
                "name": "fin-app-1-data",
                "project_id": "p-fin",
                "size": 10,
                "volume_type": "encrypted",
                "is_encrypted": True,
                "metadata": {"govcloud_tenant": "fin", "mlps_level": "3"},
                "attachments": [{"server_id": "srv-fin-app-1", "attachment_id": "att-1", "device": "/dev/vdb"}],
            },
        ],
        "volume_types": [
            {"id": "vt-enc", "name": "encrypted", "is_public": True, "extra_specs": {}},
            {"id": "vt-std", "name": "standard", "is_public": True, "extra_specs": {}},
        ],
    }


def _grant(
    role: str, *, project: tuple[str, str], user: tuple[str, str] | None = None, group: tuple[str, str] | None = None
) -> dict[str, Any]:
    return {
        "role": {"id": f"r-{role}", "name": role},
        "scope": {"project": {"id": project[0], "name": project[1]}},
        "user": {"id": user[0], "name": user[1]} if user else None,
        "group": {"id": group[0], "name": group[1]} if group else None,
    }


QUOTAS = {
    "compute": {
        "cores": 8,
        "instances": 4,
        "ram": 16384,
        "key_pairs": 1,
        "server_groups": 1,
        "server_group_members": 2,
    },
    "network": {
        "floating_ips": 0,
        "networks": 1,
        "subnets": 1,
        "ports": 8,
        "routers": 1,
        "security_groups": 3,
        "security_group_rules": 20,
    },
    "volume": {"volumes": 4, "gigabytes": 20, "snapshots": 2, "backups": 2, "backup_gigabytes": 20},
}


class _Proxy:
    def __init__(self, calls: dict[str, Any]) -> None:
        self.calls = calls

    def __getattr__(self, name: str) -> Any:
        return self.calls[name]


class FakeConnection:
    """The proxies `read_cloud` calls, answering from `data`; `requests` counts list calls."""

    def __init__(self, data: dict[str, list[dict[str, Any]]]) -> None:
        self.requests = 0

        def lister(key: str) -> Any:
            def call(*args: Any, **kwargs: Any) -> list[SdkResource]:
                self.requests += 1
                return [SdkResource(copy.deepcopy(item)) for item in data[key]]

            return call

        def encryption(type_id: str) -> SdkResource:
            found = type_id == "vt-enc"
            return SdkResource({"encryption_id": "enc-1" if found else None, "provider": "luks" if found else None})

        self.identity = _Proxy({k: lister(k) for k in ("projects", "users", "groups", "roles", "role_assignments")})
        self.network = _Proxy(
            {
                "networks": lister("networks"),
                "subnets": lister("subnets"),
                "routers": lister("routers"),
                "ports": lister("ports"),
                "security_groups": lister("security_groups"),
                "security_group_rules": lister("security_group_rules"),
                "ips": lister("floating_ips"),
                "get_quota": lambda pid: SdkResource(QUOTAS["network"]),
            }
        )
        self.compute = _Proxy(
            {
                "servers": lister("servers"),
                "server_groups": lister("server_groups"),
                "flavors": lister("flavors"),
                "get_quota_set": lambda pid: SdkResource(QUOTAS["compute"]),
            }
        )
        self.image = _Proxy({"images": lister("images")})
        self.block_storage = _Proxy(
            {
                "volumes": lister("volumes"),
                "types": lister("volume_types"),
                "get_type_encryption": encryption,
                "get_quota_set": lambda pid: SdkResource(QUOTAS["volume"]),
            }
        )

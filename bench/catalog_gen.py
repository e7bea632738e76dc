"""Synthetic but valid catalogs of any size, built like the sample catalog's finance tenant.

The generated catalog keeps the sample's platform.yaml (capacity raised to fit) and its
management tenant (mgmt.yaml), and adds `tenants` synthetic departments `dept-000`, ...:

- alternately in the intranet (10.10.0.0/16) and the extranet (10.20.0.0/16), each with
  two /24s (app, data) below x.x.255.0/24, the zone's backbone: at most 127 departments
  per zone; more resources come from more replicas (`replicas`, at most 32), not networks;
- two replicated host groups like finance: app (g1.medium, 50 GB encrypted volume) and
  db (g1.large, 500 GB encrypted volume), `replicas` replicas each;
- flows app-to-db and db-replication, and, when a zone holds two or more departments,
  an approved cross-tenant flow from each department's app to the next one's app in the
  same zone (a ring, so every department gets the same number of rules);
- quotas at least what the department declares (computed, with headroom).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

ZONES = (("intranet", 10), ("extranet", 20))
NETWORKS_PER_TENANT = 2
MAX_PER_ZONE = 254 // NETWORKS_PER_TENANT  # third octets 0-253; 255 is the backbone
MAX_REPLICAS = 32  # HostSpec.count's upper bound
# Rules each host group gets from platform.yaml's baseline flows in the sample catalog
# (dns 2 ports x 2 resolvers, time 2 x 2, audit-log 1, identity 1 x 2, bastion 1).
BASELINE_RULES_PER_GROUP = 12
DEFAULT_GROUP_RULES = 4  # Neutron's default security group


@dataclass(frozen=True)
class Shape:
    """How many synthetic departments and how many replicas per host group."""

    tenants: int
    replicas: int = 2

    def __post_init__(self) -> None:
        if not 0 <= self.tenants <= MAX_PER_ZONE * len(ZONES):
            raise ValueError(f"at most {MAX_PER_ZONE * len(ZONES)} departments (use more replicas)")
        if not 1 <= self.replicas <= MAX_REPLICAS:
            raise ValueError(f"replicas run 1-{MAX_REPLICAS}")


def slug(index: int) -> str:
    return f"dept-{index:03d}"


def zone_members(tenants: int) -> dict[str, list[int]]:
    """Department indices per zone: even ones in the intranet, odd ones in the extranet."""
    return {zone: list(range(z, tenants, len(ZONES))) for z, (zone, _) in enumerate(ZONES)}


def quotas(replicas: int, cross_flow: bool) -> dict[str, int]:
    hosts = 2 * replicas
    # per group: baseline rules + intra-tenant flows (r each way) + the cross-tenant ring
    flow_rules = 4 * replicas + (2 * replicas if cross_flow else 0)
    rules = 2 * BASELINE_RULES_PER_GROUP + flow_rules + DEFAULT_GROUP_RULES
    return {
        "instances": hosts + 2,
        "cores": replicas * (2 + 4) + 4,
        "ram_mb": replicas * (4096 + 8192) + 8192,
        "volumes": hosts + 2,
        "gigabytes": replicas * (50 + 500) + 500,
        "networks": NETWORKS_PER_TENANT,
        "subnets": NETWORKS_PER_TENANT,
        "ports": hosts + NETWORKS_PER_TENANT + 4,
        "routers": 1,
        "security_groups": 4,
        "security_group_rules": rules + 20,
    }


def tenant(index: int, shape: Shape) -> dict[str, Any]:
    z = index % len(ZONES)
    zone, octet = ZONES[z]
    members = zone_members(shape.tenants)[zone]
    position = members.index(index)
    base = position * NETWORKS_PER_TENANT
    name = slug(index)
    flows: list[dict[str, Any]] = [
        {"name": "app-to-db", "from": "app", "to": "db", "ports": ["5432/tcp"]},
        {"name": "db-replication", "from": "db", "to": "db", "ports": ["5432/tcp"]},
    ]
    cross = len(members) >= 2
    if cross:
        peer = slug(members[(position + 1) % len(members)])
        flows.append(
            {
                "name": "call-peer-api",
                "from": "app",
                "to": f"{peer}/app",
                "ports": ["443/tcp"],
                "approval": f"杨管办发〔2024〕{index + 100}号",
                "purpose": "synthetic cross-department data sharing",
            }
        )
    return {
        "slug": name,
        "name": f"合成部门 {index}",
        "name_en": f"Synthetic department {index}",
        "owner": {"department": f"合成部门 {index}", "contact": "信息科", "email": f"it@{name}.example.gov.cn"},
        "mlps_level": 3,
        "sensitivity": "sensitive",
        "zones": [zone],
        "networks": [
            {"name": "app", "zone": zone, "cidr": f"10.{octet}.{base}.0/24"},
            {"name": "data", "zone": zone, "cidr": f"10.{octet}.{base + 1}.0/24"},
        ],
        "quotas": quotas(shape.replicas, cross),
        "hosts": [
            {
                "name": "app",
                "group": "app",
                "role": "app",
                "count": shape.replicas,
                "flavor": "g1.medium",
                "image": "kylin-server-v10-sp3",
                "nics": [{"network": "app"}],
                "volumes": [{"name": "logs", "size_gb": 50, "type": "encrypted"}],
            },
            {
                "name": "db",
                "group": "db",
                "role": "db",
                "count": shape.replicas,
                "flavor": "g1.large",
                "image": "kylin-server-v10-sp3",
                "nics": [{"network": "data"}],
                "volumes": [{"name": "data", "size_gb": 500, "type": "encrypted"}],
            },
        ],
        "flows": flows,
    }


def generate(source: Path, dest: Path, shape: Shape) -> Path:
    """Write the catalog for `shape` into `dest` (replaced if present); return `dest`."""
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "tenants").mkdir(parents=True)
    shutil.copyfile(source / "tenants" / "mgmt.yaml", dest / "tenants" / "mgmt.yaml")
    safe = YAML(typ="safe", pure=True)
    safe.default_flow_style = False
    safe.allow_unicode = True
    # keep the fields in the order written (ruamel annotates this attribute as None)
    safe.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    totals: dict[str, int] = dict(safe.load((source / "tenants" / "mgmt.yaml").read_text("utf-8"))["quotas"])
    for index in range(shape.tenants):
        doc = tenant(index, shape)
        for key, value in doc["quotas"].items():
            totals[key] = totals.get(key, 0) + value
        with (dest / "tenants" / f"{doc['slug']}.yaml").open("w", encoding="utf-8") as fh:
            safe.dump(doc, fh)
    # Keep platform.yaml as it is (comments included); only raise capacity to fit.
    rt = YAML(typ="rt")
    platform = rt.load((source / "platform.yaml").read_text("utf-8"))
    capacity = platform["capacity"]
    for key, total in totals.items():
        capacity[key] = max(int(capacity.get(key, 0)), total)
    with (dest / "platform.yaml").open("w", encoding="utf-8") as fh:
        rt.dump(platform, fh)
    return dest

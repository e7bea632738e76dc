"""Synthetic but valid catalogs of any size, built like the sample catalog's finance tenant.

The generated catalog keeps the sample's platform.yaml (only `capacity` raised to fit) and
the tenants platform.yaml names (the management tenant mgmt.yaml, the exchange tenant, ...;
their flows to tenants that are not in the generated catalog are dropped), and adds
`tenants` synthetic departments `dept-000`, `dept-001`, ...:

- alternately in the intranet and the extranet, each with two /24s (app, data) taken from
  the zone's supernet, skipping the backbone (x.x.255.0/24) and every range a kept tenant
  uses: about 125 departments per zone; more resources come from more replicas
  (`replicas`, at most 32), not from more networks;
- two replicated host groups like finance: app (g1.medium, 50 GB encrypted volume) and
  db (g1.large, 500 GB encrypted volume), `replicas` replicas each;
- flows app-to-db and db-replication, and, when a zone holds two or more departments, an
  approved cross-tenant flow from each department's app to the next one's app in the same
  zone (a ring, so every department gets the same number of rules);
- quotas at least what the department declares (computed, with headroom).
"""

from __future__ import annotations

import ipaddress
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

ZONES = ("intranet", "extranet")
NETWORKS_PER_TENANT = 2
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
        if self.tenants < 0:
            raise ValueError("the number of departments cannot be negative")
        if not 1 <= self.replicas <= MAX_REPLICAS:
            raise ValueError(f"replicas run 1-{MAX_REPLICAS}")


def _yaml_rt() -> YAML:
    rt = YAML(typ="rt")
    rt.width = 4096  # don't fold long lines
    rt.indent(mapping=2, sequence=4, offset=2)  # the sample catalog's style
    return rt


def _load(path: Path) -> Any:
    return _yaml_rt().load(path.read_text("utf-8"))


def _slugs_in(value: Any, slugs: set[str]) -> set[str]:
    """Every tenant slug that appears as a value anywhere in `value`."""
    if isinstance(value, dict):
        return set().union(*(_slugs_in(v, slugs) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_slugs_in(v, slugs) for v in value))
    return {value} if isinstance(value, str) and value in slugs else set()


@dataclass
class Base:
    """What the generated catalog keeps from the source catalog."""

    source: Path
    platform: Any  # round-trip YAML of platform.yaml
    kept: dict[str, Any]  # slug -> round-trip YAML of the tenant, flows trimmed
    trimmed: set[str]  # kept tenants that lost flows (the others are copied byte for byte)
    free: dict[str, list[str]]  # zone -> /24s no kept range touches, in address order

    @property
    def max_departments(self) -> int:
        return len(ZONES) * min(len(self.free[z]) // NETWORKS_PER_TENANT for z in ZONES)


def read_base(source: Path) -> Base:
    platform = _load(source / "platform.yaml")
    available = {p.stem for p in (source / "tenants").glob("*.yaml")}
    kept_slugs = _slugs_in(platform, available)
    kept: dict[str, Any] = {}
    trimmed: set[str] = set()
    for slug in sorted(kept_slugs):
        doc = _load(source / "tenants" / f"{slug}.yaml")
        flows = doc.get("flows") or []
        for i in reversed(range(len(flows))):
            ends = (str(flows[i].get("from", "")), str(flows[i].get("to", "")))
            if any("/" in e and e.split("/", 1)[0] not in kept_slugs for e in ends):
                del flows[i]
                trimmed.add(slug)
        kept[slug] = doc
    used = [
        ipaddress.IPv4Network(str(net["cidr"]))
        for doc in kept.values()
        for net in doc.get("networks") or []
    ]
    free: dict[str, list[str]] = {}
    for zone in ZONES:
        spec = platform["zones"][zone]
        taken = [*used, ipaddress.IPv4Network(str(spec["backbone"]["cidr"]))]
        free[zone] = [
            str(net)
            for net in ipaddress.IPv4Network(str(spec["supernet"])).subnets(new_prefix=24)
            if not any(net.overlaps(t) for t in taken)
        ]
    return Base(source, platform, kept, trimmed, free)


def slug(index: int) -> str:
    return f"dept-{index:03d}"


def zone_members(tenants: int) -> dict[str, list[int]]:
    """Department indices per zone: even ones in the intranet, odd ones in the extranet."""
    return {zone: list(range(z, tenants, len(ZONES))) for z, zone in enumerate(ZONES)}


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


def tenant(index: int, shape: Shape, base: Base) -> dict[str, Any]:
    zone = ZONES[index % len(ZONES)]
    members = zone_members(shape.tenants)[zone]
    position = members.index(index)
    app_cidr, data_cidr = base.free[zone][NETWORKS_PER_TENANT * position : NETWORKS_PER_TENANT * (position + 1)]
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
            {"name": "app", "zone": zone, "cidr": app_cidr},
            {"name": "data", "zone": zone, "cidr": data_cidr},
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
    base = read_base(source)
    if shape.tenants > base.max_departments:
        raise ValueError(
            f"at most {base.max_departments} departments fit the address plan (use more replicas)"
        )
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "tenants").mkdir(parents=True)
    rt = _yaml_rt()
    safe = YAML(typ="safe", pure=True)
    safe.default_flow_style = False
    safe.allow_unicode = True
    # keep the fields in the order written (ruamel annotates this attribute as None)
    safe.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    totals: dict[str, int] = {}
    docs: list[tuple[str, Any, YAML]] = [(s, doc, rt) for s, doc in base.kept.items()]
    docs += [(slug(i), tenant(i, shape, base), safe) for i in range(shape.tenants)]
    for name, doc, dumper in docs:
        for key, value in (doc.get("quotas") or {}).items():
            totals[str(key)] = totals.get(str(key), 0) + int(value)
        path = dest / "tenants" / f"{name}.yaml"
        if name in base.kept and name not in base.trimmed:
            shutil.copyfile(base.source / "tenants" / f"{name}.yaml", path)
            continue
        with path.open("w", encoding="utf-8") as fh:
            dumper.dump(doc, fh)
    # platform.yaml as it is (comments included); only the capacity is raised to fit.
    capacity = base.platform["capacity"]
    for key, total in totals.items():
        capacity[key] = max(int(capacity.get(key, 0)), total)
    with (dest / "platform.yaml").open("w", encoding="utf-8") as fh:
        rt.dump(base.platform, fh)
    return dest

"""Hosts and Ansible groups built from the stack's `hosts` output (plan or real stack).

Standard library only: the production dynamic-inventory script imports this with whatever
Python Ansible runs it under.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PYTHON_INTERPRETER = "/usr/bin/python3"  # set explicitly: no interpreter discovery warnings, same on every host
MANAGEMENT_ZONE = "management"
GROUP_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")  # what Ansible accepts without a warning
_NOT_IN_NAME = re.compile(r"[^A-Za-z0-9_]")


class InventoryError(Exception):
    """Input that cannot become an inventory: the message names the source and the place."""


@dataclass(frozen=True)
class Ingress:
    """One ingress rule of a host's security group (ports None: every port of the protocol)."""

    protocol: str
    port_min: int | None
    port_max: int | None
    source: str
    flow: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "port_max": self.port_max,
            "port_min": self.port_min,
            "protocol": self.protocol,
            "source": self.source,
        }


@dataclass(frozen=True)
class Host:
    """One host of the `hosts` stack output, keyed by "<tenant>-<host>"."""

    name: str
    tenant: str
    group: str
    role: str
    mlps_level: int
    zones: tuple[str, ...]  # sorted
    addresses: tuple[tuple[str, str], ...]  # (network, ip), sorted by network
    address_zones: tuple[tuple[str, str], ...] = ()  # (network, zone) where the source says (the cloud does)
    # What its security group lets in (the host firewall opens the same); None: the source does not
    # say, and the playbook refuses to guess.
    ingress: tuple[Ingress, ...] | None = None

    @property
    def address(self) -> str:
        """The address Ansible connects to (`ansible_host`).

        Its management-zone address if it has one (the first in network-name order), else its
        first address in network-name order. A host whose only zone is management has nothing
        but management addresses; per-address zones are needed only for a host in several
        zones, which the catalog allows only to the exchange gateways, and only in the
        intranet and the extranet.
        """
        zone_of = dict(self.address_zones)
        if not zone_of and self.zones == (MANAGEMENT_ZONE,):
            zone_of = {network: MANAGEMENT_ZONE for network, _ in self.addresses}
        managed = [ip for network, ip in self.addresses if zone_of.get(network) == MANAGEMENT_ZONE]
        return managed[0] if managed else self.addresses[0][1]

    def hostvars(self) -> dict[str, Any]:
        known = {} if self.ingress is None else {"govcloud_ingress": [rule.as_dict() for rule in self.ingress]}
        return known | {
            "ansible_host": self.address,
            "ansible_python_interpreter": PYTHON_INTERPRETER,
            "govcloud_addresses": dict(self.addresses),
            "govcloud_group": self.group,
            "govcloud_mlps_level": self.mlps_level,
            "govcloud_role": self.role,
            "govcloud_tenant": self.tenant,
            "govcloud_zones": list(self.zones),
        }


@dataclass(frozen=True)
class Group:
    hosts: tuple[str, ...] = ()
    children: tuple[str, ...] = ()


@dataclass
class Inventory:
    """Every host with its variables, and every group (sorted by name) with hosts and children."""

    hosts: dict[str, Host] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    top: tuple[str, ...] = ()  # the groups directly under `all`
    vars: dict[str, Any] = field(default_factory=dict)  # `all.vars`: the platform services' addresses
    connection: dict[str, dict[str, Any]] = field(default_factory=dict)  # per host, over its own vars (the lab's)

    def hostvars(self, name: str) -> dict[str, Any]:
        return {**self.hosts[name].hostvars(), **self.connection.get(name, {})}

    def members(self, group: str) -> set[str]:
        """The hosts of `group` as Ansible sees them: its own and its children's, recursively."""
        if group == "all":
            return set(self.hosts)
        found = set(self.groups[group].hosts)
        for child in self.groups[group].children:
            found |= self.members(child)
        return found

    def groups_of(self, host: str) -> set[str]:
        return {name for name in self.groups if host in self.members(name)}


def group_name(prefix: str, *parts: str) -> str:
    """An Ansible group name: `prefix_part_part`, '-' (and anything else outside letters, digits
    and '_') mapped to '_'."""
    return "_".join(_NOT_IN_NAME.sub("_", p) for p in (prefix, *parts))


def tenant_group(slug: str) -> str:
    return group_name("tenant", slug)


def zone_group(zone: str) -> str:
    return group_name("zone", zone)


def level_group(level: int) -> str:
    return group_name("level", str(level))


def role_group(role: str) -> str:
    return group_name("role", role)


def host_group(tenant: str, group: str) -> str:
    return group_name("group", tenant, group)


def _text(value: object) -> bool:
    return isinstance(value, str) and value != ""


def parse_host(name: str, raw: object, where: str) -> Host:
    """One entry of the `hosts` output, its shape checked (messages name `where` and the host)."""
    at = f"{where}: hosts.{name}"
    if not isinstance(raw, Mapping):
        raise InventoryError(f"{at}: must be a mapping with tenant, group, role, mlps_level, zones and addresses")
    for key in ("tenant", "group", "role"):
        if not _text(raw.get(key)):
            raise InventoryError(f"{at}.{key}: must be non-empty text")
    level = raw.get("mlps_level")
    if isinstance(level, str) and level.isdigit():
        level = int(level)
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 4:
        raise InventoryError(f"{at}.mlps_level: must be an MLPS level 1-4 (got {level!r})")
    zones = raw.get("zones")
    if not isinstance(zones, list) or not zones or not all(_text(z) for z in zones):
        raise InventoryError(f"{at}.zones: must be a non-empty list of zone names")
    addresses = raw.get("addresses")
    if (
        not isinstance(addresses, Mapping)
        or not addresses
        or not all(_text(k) and _text(v) for k, v in addresses.items())
    ):
        raise InventoryError(f"{at}.addresses: must map each network to the host's address on it")
    return Host(
        ingress=parse_ingress(raw["ingress"], at) if "ingress" in raw else None,
        name=name,
        tenant=str(raw["tenant"]),
        group=str(raw["group"]),
        role=str(raw["role"]),
        mlps_level=level,
        zones=tuple(sorted(set(zones))),
        addresses=tuple(sorted((str(k), str(v)) for k, v in addresses.items())),
    )


def _port(value: object) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 65535)


def parse_ingress(raw: object, at: str) -> tuple[Ingress, ...]:
    """A host's `ingress` list: its security group's ingress rules."""
    if not isinstance(raw, list):
        raise InventoryError(f"{at}.ingress: must be a list of rules")
    rules = []
    for index, rule in enumerate(raw):
        where = f"{at}.ingress[{index}]"
        if not isinstance(rule, Mapping):
            raise InventoryError(f"{where}: must be a mapping with protocol, port_min, port_max, source and flow")
        if rule.get("protocol") not in ("tcp", "udp", "icmp"):
            raise InventoryError(f"{where}.protocol: must be tcp, udp or icmp (got {rule.get('protocol')!r})")
        for key in ("port_min", "port_max"):
            if not _port(rule.get(key)):
                raise InventoryError(f"{where}.{key}: must be a port 0-65535 or null (got {rule.get(key)!r})")
        for key in ("source", "flow"):
            if not _text(rule.get(key)):
                raise InventoryError(f"{where}.{key}: must be non-empty text")
        rules.append(
            Ingress(
                protocol=str(rule["protocol"]),
                port_min=rule.get("port_min"),
                port_max=rule.get("port_max"),
                source=str(rule["source"]),
                flow=str(rule["flow"]),
            )
        )
    return tuple(rules)


def parse_services(raw: object, where: str) -> dict[str, list[str]]:
    """The `services` output: platform service name → its hosts' addresses."""
    if not isinstance(raw, Mapping) or not all(
        _text(k) and isinstance(v, list) and all(_text(a) for a in v) for k, v in raw.items()
    ):
        raise InventoryError(f"{where}: services: must map each platform service to a list of addresses")
    return {str(k): [str(a) for a in v] for k, v in sorted(raw.items())}


def parse_hosts(raw: object, where: str) -> list[Host]:
    """The `hosts` output (host name → tenant, group, role, mlps_level, zones, addresses)."""
    if not isinstance(raw, Mapping):
        raise InventoryError(f"{where}: hosts: must map each host name to its tenant, group, role, level and addresses")
    return [parse_host(str(name), entry, where) for name, entry in sorted(raw.items())]


def select(hosts: Iterable[Host], tenants: Sequence[str] = ()) -> list[Host]:
    """The hosts of `tenants` (all when empty); an unknown tenant is an error."""
    hosts = list(hosts)
    if not tenants:
        return hosts
    known = sorted({h.tenant for h in hosts})
    unknown = [t for t in dict.fromkeys(tenants) if t not in known]
    if unknown:
        names = ", ".join(repr(t) for t in unknown)
        what = "is not a tenant" if len(unknown) == 1 else "are not tenants"
        raise InventoryError(f"--tenant: {names} {what} with hosts (allowed: {', '.join(known)})")
    return [h for h in hosts if h.tenant in tenants]


def build_inventory(
    hosts: Iterable[Host], tenants: Sequence[str] = (), services: Mapping[str, list[str]] | None = None
) -> Inventory:
    """Groups by tenant (with a child per host group), zone, MLPS level and role.

    `tenant_<slug>` holds no hosts of its own: its children `group_<slug>_<group>` do.
    `zone_<zone>`, `level_<n>` and `role_<role>` hold their hosts directly. A host in two
    zones (the exchange gateways) is in both zone groups. `services` (the platform services'
    addresses) become `all.vars.govcloud_services`.
    """
    chosen = select(hosts, tenants)
    inventory = Inventory(hosts={h.name: h for h in sorted(chosen, key=lambda h: h.name)})
    if services:
        inventory.vars = {"govcloud_services": {name: list(ips) for name, ips in sorted(services.items())}}
    members: dict[str, set[str]] = {}
    children: dict[str, set[str]] = {}
    sources: dict[str, str] = {}  # group name → what it stands for: two things must not share a name

    def claim(name: str, meaning: str) -> str:
        if not GROUP_NAME.match(name):
            raise InventoryError(f"{meaning}: {name!r} is not a valid Ansible group name")
        if sources.setdefault(name, meaning) != meaning:
            raise InventoryError(f"{sources[name]} and {meaning} both map to the Ansible group {name}: rename one")
        return name

    for host in inventory.hosts.values():
        tenant = claim(tenant_group(host.tenant), f"tenant {host.tenant}")
        own = claim(host_group(host.tenant, host.group), f"host group {host.tenant}/{host.group}")
        children.setdefault(tenant, set()).add(own)
        members.setdefault(tenant, set())
        members.setdefault(own, set()).add(host.name)
        for zone in host.zones:
            members.setdefault(claim(zone_group(zone), f"zone {zone}"), set()).add(host.name)
        members.setdefault(claim(level_group(host.mlps_level), f"level {host.mlps_level}"), set()).add(host.name)
        members.setdefault(claim(role_group(host.role), f"role {host.role}"), set()).add(host.name)
    nested = set().union(*children.values()) if children else set()
    inventory.groups = {
        name: Group(hosts=tuple(sorted(members[name])), children=tuple(sorted(children.get(name, ()))))
        for name in sorted(members)
    }
    inventory.top = tuple(name for name in inventory.groups if name not in nested)
    return inventory


def script_list(inventory: Inventory) -> dict[str, Any]:
    """`--list` output of a dynamic-inventory script (Ansible's script plugin), `_meta` included
    so Ansible never calls `--host`."""
    doc: dict[str, Any] = {
        "_meta": {"hostvars": {name: inventory.hostvars(name) for name in inventory.hosts}},
        "all": {"children": list(inventory.top), "hosts": list(inventory.hosts), "vars": inventory.vars},
    }
    for name, group in inventory.groups.items():
        entry: dict[str, Any] = {}
        if group.children:
            entry["children"] = list(group.children)
        if group.hosts:
            entry["hosts"] = list(group.hosts)
        doc[name] = entry
    return doc


def script_host(inventory: Inventory, name: str) -> dict[str, Any]:
    """`--host NAME` output: the host's variables, `{}` for a host not in the inventory (Ansible's convention)."""
    return inventory.hostvars(name) if name in inventory.hosts else {}

"""Where the hosts come from: an offline plan, `pulumi stack output --json` (live or saved),
or the cloud itself (openstacksdk). Standard library only, like model.py; the cloud source
imports openstacksdk and the catalog's loader when it runs."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from govcloud.inventory.model import Host, Ingress, InventoryError, parse_host, parse_hosts, parse_services

STACK_ENV = "GOVCLOUD_STACK"  # the stack to read (default: pulumi's current stack)
STACK_OUTPUT_ENV = "GOVCLOUD_STACK_OUTPUT"  # a file holding `pulumi stack output --json` ('-': stdin)
SOURCE_ENV = "GOVCLOUD_INVENTORY_SOURCE"  # "stack" (default) or "cloud"
CATALOG_ENV = "GOVCLOUD_CATALOG"  # the catalog the cloud source places the platform services by
PROTOCOLS = ("tcp", "udp", "icmp")
RULE_FIELDS = ("id", "direction", "protocol", "port_range_min", "port_range_max", "remote_ip_prefix",
               "remote_group_id", "description")  # fmt: skip
PULUMI_TIMEOUT = 300


def load_json(source: str, what: str) -> Any:
    """Parse JSON from a file, or from standard input when `source` is '-'."""
    name = "<stdin>" if source == "-" else source
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InventoryError(f"{name}: {what} not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InventoryError(f"{name}: cannot read the {what} ({exc})") from None
    return parse_json(text, name)


def parse_json(text: str, name: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InventoryError(f"{name}:{exc.lineno}: not valid JSON ({exc.msg})") from None


def hosts_from_plan(plan: Mapping[str, Any], where: str) -> list[Host]:
    """`outputs.hosts` of an offline plan (docs/plan-format.md)."""
    outputs = plan.get("outputs")
    if not isinstance(outputs, Mapping) or "hosts" not in outputs:
        raise InventoryError(
            f"{where}: outputs.hosts: missing (the plan must come from a program that exports `hosts`: "
            "re-run govcloud plan)"
        )
    return parse_hosts(outputs["hosts"], where)


def services_from_outputs(outputs: Mapping[str, Any], where: str) -> dict[str, list[str]]:
    """The `services` output (platform service → addresses); {} from a stack exported before it existed."""
    return parse_services(outputs["services"], where) if "services" in outputs else {}


def hosts_from_stack_output(doc: object, where: str) -> list[Host]:
    """The `hosts` output of `pulumi stack output --json` ({"hosts": ..., "projects": ..., ...})."""
    if not isinstance(doc, Mapping):
        raise InventoryError(f"{where}: not the JSON object `pulumi stack output --json` prints")
    if "hosts" not in doc:
        present = ", ".join(sorted(str(k) for k in doc)) or "none"
        raise InventoryError(
            f"{where}: no `hosts` output (outputs present: {present}); was the stack deployed by this program?"
        )
    return parse_hosts(doc["hosts"], where)


def pulumi_stack_output(stack: str | None, cwd: Path) -> tuple[Any, str]:
    """Run `pulumi stack output --json` in the Pulumi project `cwd`; the parsed JSON and its name."""
    command = ["pulumi", "stack", "output", "--json"]
    if stack:
        command += ["--stack", stack]
    where = " ".join(command)
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=PULUMI_TIMEOUT, check=False)
    except FileNotFoundError:
        raise InventoryError(
            f"{where}: the Pulumi CLI is not installed here; save the output on a machine that has it and "
            f"set {STACK_OUTPUT_ENV}=<file>"
        ) from None
    except subprocess.TimeoutExpired:
        raise InventoryError(f"{where}: no answer within {PULUMI_TIMEOUT} s") from None
    if done.returncode != 0:
        detail = done.stderr.strip() or done.stdout.strip() or f"exit {done.returncode}"
        raise InventoryError(f"{where}: failed: {detail}")
    return parse_json(done.stdout, where), where


def flow_of(description: object) -> str:
    """The flow a rule's description names ("flow <name>; approval <ref>", stacks/host_group.py)."""
    text = str(description or "")
    return text.removeprefix("flow ").split(";", 1)[0].strip() if text.startswith("flow ") else ""


def ingress_from_cloud(
    server: str, group_ids: Iterable[str], rules: Mapping[str, list[Mapping[str, Any]]]
) -> tuple[Ingress, ...]:
    """What the server's security groups let in (`rules`: Neutron's rule fields), as the plan's `ingress`
    rules (the host firewall opens the same). A rule the host firewall cannot express (a remote group,
    another protocol) is an error, not something to leave out: `govcloud drift` shows where it came from."""
    found: set[Ingress] = set()
    for group_id in sorted(set(group_ids)):
        for rule in rules.get(group_id, []):
            if rule.get("direction") != "ingress" or rule.get("ethertype", "IPv4") != "IPv4":
                continue
            where = f"the cloud: server {server}: security group rule {rule.get('id')}"
            if rule.get("remote_group_id"):
                raise InventoryError(f"{where}: admits a remote group; the host firewall takes addresses only")
            protocol = rule.get("protocol")
            if protocol not in PROTOCOLS:
                raise InventoryError(f"{where}: protocol {protocol!r} (allowed: {', '.join(PROTOCOLS)})")
            found.add(
                Ingress(
                    protocol=str(protocol),
                    port_min=rule.get("port_range_min"),
                    port_max=rule.get("port_range_max"),
                    source=str(rule.get("remote_ip_prefix") or "0.0.0.0/0"),
                    flow=flow_of(rule.get("description")) or "undeclared",
                )
            )
    return tuple(sorted(found, key=lambda r: (r.flow, r.protocol, r.port_min or 0, r.source)))


def hosts_from_cloud(
    servers: Iterable[Mapping[str, Any]],
    ports: Iterable[Mapping[str, Any]],
    rules: Mapping[str, list[Mapping[str, Any]]] | None = None,
) -> list[Host]:
    """The hosts the program created, read back from Nova servers and Neutron ports (as dicts).

    A server counts when its metadata carries `govcloud_tenant` (stacks/ sets it, with
    `govcloud_group`, `govcloud_role` and `mlps_level`). Its ports are named
    "<server>-<network>" and tagged `zone:<zone>`: they give the catalog's network names,
    the addresses and each address's zone. With `rules` (security group ID → its rules), the
    ports' security groups give the host's ingress.
    """
    by_device: dict[str, list[Mapping[str, Any]]] = {}
    for port in ports:
        by_device.setdefault(str(port.get("device_id") or ""), []).append(port)
    hosts: list[Host] = []
    for server in servers:
        meta = server.get("metadata") or {}
        if not isinstance(meta, Mapping) or "govcloud_tenant" not in meta:
            continue
        name = str(server.get("name") or "")
        addresses: dict[str, str] = {}
        zones: dict[str, str] = {}
        groups: list[str] = []
        for port in by_device.get(str(server.get("id") or ""), []):
            port_name = str(port.get("name") or "")
            network = port_name[len(name) + 1 :] if port_name.startswith(f"{name}-") else port_name
            fixed = [f.get("ip_address") for f in port.get("fixed_ips") or [] if isinstance(f, Mapping)]
            if not network or not fixed:
                continue
            addresses[network] = str(fixed[0])
            groups += [str(g) for g in port.get("security_group_ids") or []]
            for tag in port.get("tags") or []:
                if isinstance(tag, str) and tag.startswith("zone:"):
                    zones[network] = tag.removeprefix("zone:")
        if not addresses:
            raise InventoryError(f"the cloud: server {name}: no ports named {name}-<network> with an address")
        raw = {
            "tenant": meta.get("govcloud_tenant"),
            "group": meta.get("govcloud_group"),
            "role": meta.get("govcloud_role"),
            "mlps_level": meta.get("mlps_level"),
            "zones": sorted(set(zones.values())),
            "addresses": addresses,
        }
        host = parse_host(name, raw, "the cloud")
        ingress = None if rules is None else ingress_from_cloud(name, groups, rules)
        hosts.append(replace(host, address_zones=tuple(sorted(zones.items())), ingress=ingress))
    return sorted(hosts, key=lambda h: h.name)


def services_from_cloud(hosts: Iterable[Host], platform_file: Path) -> dict[str, list[str]]:
    """The `services` output rebuilt from the live hosts: the catalog's platform.yaml says which
    tenant's group runs each platform service, the cloud says the addresses its hosts have now."""
    try:
        loader = importlib.import_module("govcloud.catalog.loader")
        errors = importlib.import_module("govcloud.catalog.errors")
        model = importlib.import_module("govcloud.catalog.model")
    except ImportError as exc:
        raise InventoryError(f"{platform_file}: cannot read the catalog ({exc}): use the project's .venv") from None
    try:
        platform, _ = loader.load_model(platform_file, model.Platform)
    except errors.CatalogInvalid as exc:
        raise InventoryError(f"{platform_file}: not a valid platform catalog:\n{exc}") from None
    hosts = list(hosts)
    placed = platform.service_addresses(
        lambda tenant, group: (ip for h in hosts if h.tenant == tenant and h.group == group for _, ip in h.addresses)
    )
    return dict(sorted(placed.items()))


def read_cloud(cloud: str | None) -> list[Host]:
    """Servers and ports of every project, through openstacksdk (clouds.yaml entry `cloud`, or OS_* variables)."""
    try:
        openstack = importlib.import_module("openstack")
    except ImportError:
        raise InventoryError("the cloud: openstacksdk is not installed (pip install openstacksdk)") from None
    try:
        conn = openstack.connect(cloud=cloud) if cloud else openstack.connect()
        servers = [s.to_dict() for s in conn.compute.servers(details=True, all_projects=True)]
        ports = [p.to_dict() for p in conn.network.ports(tags="govcloud")]
        rules: dict[str, list[Mapping[str, Any]]] = {}
        for rule in conn.network.security_group_rules():
            # Neutron's own field names (openstacksdk's to_dict() says ether_type)
            rules.setdefault(str(rule.security_group_id), []).append(
                {"ethertype": rule.ether_type} | {k: getattr(rule, k) for k in RULE_FIELDS}
            )
    except Exception as exc:  # openstacksdk raises many kinds (auth, endpoint, HTTP)
        raise InventoryError(f"the cloud: {type(exc).__name__}: {exc}") from None
    return hosts_from_cloud(servers, ports, rules)


def production_hosts(
    project_dir: Path, environ: Mapping[str, str] | None = None
) -> tuple[list[Host], dict[str, list[str]], str]:
    """The real stack's hosts, its platform services' addresses, and where they were read from.

    GOVCLOUD_STACK_OUTPUT=<file> (or '-') reads saved `pulumi stack output --json`;
    GOVCLOUD_INVENTORY_SOURCE=cloud asks the cloud (openstacksdk, OS_CLOUD) and places the platform
    services by the catalog (GOVCLOUD_CATALOG, default `project_dir`/catalog); otherwise
    `pulumi stack output --json` runs in `project_dir`, for GOVCLOUD_STACK or the current stack.
    """
    env = os.environ if environ is None else environ
    saved = env.get(STACK_OUTPUT_ENV)
    if saved:
        where = "<stdin>" if saved == "-" else saved
        doc = load_json(saved, "stack output")
        return hosts_from_stack_output(doc, where), services_from_outputs(doc, where), where
    source = env.get(SOURCE_ENV, "stack") or "stack"
    if source == "cloud":
        hosts = read_cloud(env.get("OS_CLOUD"))
        catalog = Path(env.get(CATALOG_ENV) or project_dir / "catalog")
        return hosts, services_from_cloud(hosts, catalog / "platform.yaml"), "the cloud"
    if source != "stack":
        raise InventoryError(f"{SOURCE_ENV}: {source!r} is not a source (allowed: stack, cloud)")
    doc, where = pulumi_stack_output(env.get(STACK_ENV) or None, project_dir)
    return hosts_from_stack_output(doc, where), services_from_outputs(doc, where), where

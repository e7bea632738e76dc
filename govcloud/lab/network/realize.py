"""Building the lab network with ip and nft, and removing it.

Nothing goes into the machine's root namespace: bridges, marks and security groups live in
`gcl-fabric`, each router in `gcl-r-<name>`, the platform core in `gcl-core`, the stand-in
internet in `gcl-inet`; each host's ports are veths moved into its container's network
namespace (eth0, eth1, ... with the ifalias `gcl:<plan port>`). `build` starts by removing
what a previous build left, so running it twice gives the same addresses and no duplicate
rules. `teardown` deletes every `gcl-*` namespace (taking their links and nft tables along)
and the interfaces and policy-routing rules it put into running containers.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from govcloud.lab.network import commands as cmd
from govcloud.lab.network import names
from govcloud.lab.network.model import LabNetwork, RouterNs
from govcloud.lab.network.nft import core_hub_legs, fabric_ruleset, router_ruleset
from govcloud.lab.podman import LabError

Progress = Callable[[str], None]
TABLE_BASE = 2000  # policy-routing tables of a host's second, third... port: 2001, 2002, ...


@dataclass(frozen=True)
class BuildStats:
    segments: int
    routers: int
    ports: int
    seconds: float


def _fabric_lines(lab: LabNetwork, pids: Mapping[str, int]) -> list[str]:
    lines = ["link set lo up"]
    for seg in lab.segments.values():
        lines += [f"link add {seg.bridge} type bridge", f"link set {seg.bridge} up"]
    for router in lab.routers:
        for leg in router.legs:
            lines += [
                f"link add {leg.outer} type veth peer name {leg.inner}",
                f"link set {leg.inner} netns {router.ns}",
                f"link set {leg.outer} master {lab.segments[leg.segment].bridge} up",
            ]
    for port in lab.ports:
        lines += [
            f"link add {port.outer} type veth peer name {port.temp}",
            f"link set {port.temp} netns {pids[port.container]}",
            f"link set {port.outer} master {lab.segments[port.segment].bridge} up",
        ]
    return lines


def _router_lines(router: RouterNs) -> list[str]:
    lines = ["link set lo up"]
    for leg in router.legs:
        lines += [f"addr add {a} dev {leg.inner}" for a in leg.addresses]
        lines.append(f"link set {leg.inner} up")
    lines += [f"route add {cidr} via {via}" for cidr, via in router.routes]
    return lines


def _host_lines(lab: LabNetwork, container: str) -> list[str]:
    lines: list[str] = []
    ports = [p for p in lab.ports if p.container == container]
    for i, port in enumerate(ports):
        lines += [
            f"link set {port.temp} name {port.inner}",
            f"link set {port.inner} alias {names.ALIAS_PREFIX}{port.name}",
            f"addr add {port.address} dev {port.inner}",
            f"link set {port.inner} up",
        ]
        if port.gateway is None:
            continue
        if i == 0:
            lines.append(f"route add default via {port.gateway} dev {port.inner}")
        else:
            # a second NIC answers from its own address through its own gateway (no asymmetric paths)
            table = TABLE_BASE + i
            lines += [
                f"route add {port.address.network} dev {port.inner} src {port.address.ip} table {table}",
                f"route add default via {port.gateway} dev {port.inner} table {table}",
                f"rule add from {port.address.ip} table {table}",
            ]
    return lines


def apply_core(lab: LabNetwork, hub_zone: str | None) -> None:
    """(Re)load the platform core's forward filter: nothing, or the hub zone's backbone <-> the others."""
    core = lab.core
    if core is not None:
        ruleset = f"flush ruleset\n{router_ruleset(core, core_hub_legs(lab, hub_zone))}"
        cmd.nft_load(cmd.in_ns(core.ns), ruleset)


def build(lab: LabNetwork, progress: Progress) -> BuildStats:
    cmd.require_network_tools()
    started = time.monotonic()
    containers = sorted({p.container for p in lab.ports})
    pids = cmd.container_pids(containers)
    missing = [c for c in containers if c not in pids]
    if missing:
        raise LabError(f"lab network: containers not running: {', '.join(missing)}")
    teardown(progress, pids, quiet=True)
    for namespace in lab.namespaces:
        cmd.run(["ip", "netns", "add", namespace])
    fabric = cmd.in_ns(names.FABRIC_NS)
    # br_netfilter: bridged IPv4 also passes the inet hooks (conntrack for the security groups)
    cmd.write_sysctls(fabric, {"net.bridge.bridge-nf-call-iptables": "1"})
    cmd.ip_batch(fabric, _fabric_lines(lab, pids))
    for router in lab.routers:
        prefix = cmd.in_ns(router.ns)
        cmd.ip_batch(prefix, _router_lines(router))
        if router.forwards:
            cmd.write_sysctls(prefix, {"net.ipv4.ip_forward": "1"})
            cmd.nft_load(prefix, router_ruleset(router))
    for container in containers:
        cmd.ip_batch(cmd.in_pid(pids[container]), _host_lines(lab, container))
    cmd.nft_load(fabric, fabric_ruleset(lab))
    seconds = time.monotonic() - started
    stats = BuildStats(len(lab.segments), len([r for r in lab.routers if r.forwards]), len(lab.ports), seconds)
    progress(
        f"network: {stats.segments} networks (bridges in {names.FABRIC_NS}), {stats.routers} routers, "
        f"{stats.ports} host ports, security groups in nftables: {seconds:.2f} s"
    )
    return stats


def _clean_container(pid: int) -> int:
    prefix = cmd.in_pid(pid)
    lines = [
        f"link del {link['ifname']}"
        for link in cmd.ip_json(prefix, ["link", "show"])
        if str(link.get("ifalias", "")).startswith(names.ALIAS_PREFIX) or names.is_ours(str(link.get("ifname", "")))
    ]
    for rule in cmd.ip_json(prefix, ["rule", "show"]):
        table = rule.get("table")
        if isinstance(table, str) and table.isdigit() and TABLE_BASE < int(table) < TABLE_BASE + 100:
            lines.append(f"rule del from {rule.get('src', 'all')} table {table}")
    cmd.ip_batch(prefix, lines)
    return len(lines)


def teardown(progress: Progress, pids: Mapping[str, int] | None = None, quiet: bool = False) -> list[str]:
    """Remove every `gcl-*` namespace and what this package put into the given containers."""
    if shutil.which("ip") is None:
        return []  # without iproute2 nothing of this package can exist
    started = time.monotonic()
    for pid in (pids or {}).values():
        _clean_container(pid)
    removed = [ns for ns in cmd.namespaces() if ns.startswith(names.NS_PREFIX)]
    for namespace in removed:
        cmd.run(["ip", "netns", "del", namespace])
    if removed and not quiet:
        progress(f"network: removed {len(removed)} namespaces in {time.monotonic() - started:.2f} s")
    return removed


def present() -> bool:
    return names.FABRIC_NS in cmd.namespaces()

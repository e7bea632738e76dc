"""`govcloud lab verify`: the isolation proof checked with real TCP connections between lab hosts.

For every ordered pair of lab endpoints (each plan port of a running lab host, and the
stand-in internet) and every probed TCP port, the proof's endpoint-level reachability says
allowed or not; a listener in the destination and a connection attempt from the source's
own address say what the packets did. Allowed must mean connected, refused must mean not
(a RST counts as reached: the packet got through; a timeout, an ICMP error or no route
count as refused).

Probed ports: both ends of every TCP range security groups open between lab endpoints
(routed or not: a routing fault shows on the unrouted ones), 22 (the administration port
ISO-4 guards) and one port nothing opens. With `--core-hub ZONE`, the
platform core namespace forwards between ZONE's backbone and the others for the run (as the
proof assumes), and forwards nothing again afterwards.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from pathlib import Path
from typing import Any

from govcloud.isolation import prove
from govcloud.isolation import services as sv
from govcloud.isolation.intent import Intent
from govcloud.isolation.reach import Analysis, Endpoint
from govcloud.lab.lab import lab_containers
from govcloud.lab.network import commands as cmd
from govcloud.lab.network import names
from govcloud.lab.network.model import LabNetwork, build_lab_network
from govcloud.lab.network.realize import apply_core, present
from govcloud.lab.podman import EXIT_USAGE, LabError

PROBE = Path(__file__).with_name("probe.py")
ADMIN_PORT = 22
CLOSED_CANDIDATES = (9, 7, 13, 19, 37, 79, 113)
MAX_PORTS = 40
REACHED = ("connected", "refused")
FORMAT = "govcloud.lab-verify/v1"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Place:
    """One end of a probe: a lab host's port, or the internet."""

    label: str  # host (port) or "internet"
    host: str | None
    address: IPv4Address
    endpoint: int  # the proof's endpoint index
    zone_node: str  # internet | intranet | extranet | management | bastion
    tenant_node: str  # internet | tenant:<slug>
    where: list[str]  # command prefix entering its network namespace


@dataclass(frozen=True)
class Attempt:
    src: Place
    dst: Place
    port: int
    expected: bool
    observed: str = ""

    @property
    def reached(self) -> bool:
        return self.observed in REACHED

    @property
    def agrees(self) -> bool:
        return self.expected == self.reached

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.src.label, "from_address": str(self.src.address),
            "to": self.dst.label, "to_address": str(self.dst.address),
            "port": f"{self.port}/tcp", "expected": "allowed" if self.expected else "refused",
            "observed": self.observed, "cells": [f"{self.src.zone_node}->{self.dst.zone_node}",
                                                 f"{self.src.tenant_node}->{self.dst.tenant_node}"],
        }  # fmt: skip


@dataclass
class Cell:
    attempts: int = 0
    expected_allowed: int = 0
    reached: int = 0
    disagreements: int = 0

    def add(self, attempt: Attempt) -> None:
        self.attempts += 1
        self.expected_allowed += attempt.expected
        self.reached += attempt.reached
        self.disagreements += not attempt.agrees


@dataclass
class Verdict:
    attempts: list[Attempt]
    ports: list[int]
    places: int
    core_hub: str | None
    seconds: float
    listeners_busy: dict[str, list[int]] = field(default_factory=dict)

    @property
    def disagreements(self) -> list[Attempt]:
        return [a for a in self.attempts if not a.agrees]

    def cells(self, kind: str) -> dict[tuple[str, str], Cell]:
        out: dict[tuple[str, str], Cell] = {}
        for a in self.attempts:
            key = (a.src.zone_node, a.dst.zone_node) if kind == "zone" else (a.src.tenant_node, a.dst.tenant_node)
            out.setdefault(key, Cell()).add(a)
        return dict(sorted(out.items()))

    def as_dict(self) -> dict[str, Any]:
        def cells(kind: str) -> list[dict[str, Any]]:
            return [
                {"from": k[0], "to": k[1], "attempts": c.attempts, "expected_allowed": c.expected_allowed,
                 "reached": c.reached, "disagreements": c.disagreements}
                for k, c in self.cells(kind).items()
            ]  # fmt: skip

        return {
            "format": FORMAT,
            "core_hub": self.core_hub,
            "ports": [f"{p}/tcp" for p in self.ports],
            "endpoints": self.places,
            "attempts": len(self.attempts),
            "expected_allowed": sum(a.expected for a in self.attempts),
            "reached": sum(a.reached for a in self.attempts),
            "disagreements": [a.as_dict() for a in self.disagreements],
            "zone_cells": cells("zone"),
            "tenant_cells": cells("tenant"),
            "listeners_busy": self.listeners_busy,
            "seconds": round(self.seconds, 2),
        }


def _zone_node(endpoint: Endpoint) -> str:
    if endpoint.internet:
        return "internet"
    if endpoint.bastion:
        return "bastion"
    return endpoint.zone or "(no zone)"


def places(lab: LabNetwork, analysis: Analysis, pids: dict[str, int]) -> list[Place]:
    """Every lab port and the internet, with the proof's endpoint each belongs to."""
    by_member: dict[tuple[str, int], Endpoint] = {}
    for endpoint in analysis.endpoints:
        for member in endpoint.members:
            if member.port is not None:
                by_member[(member.port.urn, member.address)] = endpoint
    out: list[Place] = []
    for port in lab.ports:
        found = by_member.get((port.port.urn, int(port.address.ip)))
        if found is None:
            raise LabError(f"port {port.name} ({port.address.ip}): not an endpoint of the proof", EXIT_USAGE)
        out.append(
            Place(
                f"{port.host} ({port.port.name})",
                port.host,
                port.address.ip,
                found.index,
                _zone_node(found),
                f"tenant:{found.tenant}",
                cmd.in_pid(pids[port.container]),
            )
        )
    address = lab.internet_address
    if address is not None:
        cls = analysis.classes.of_address(int(address))
        internet = next((e for e in analysis.endpoints if e.internet and e.cls == cls), None)
        if internet is not None:
            out.append(
                Place("internet", None, address, internet.index, "internet", "internet", cmd.in_ns(names.INTERNET_NS))
            )
    return out


def probe_ports(opened: dict[tuple[int, int], sv.Services], pairs: Sequence[tuple[Place, Place]]) -> list[int]:
    """Both ends of every TCP range opened between the pairs, 22, and one port nothing opens.

    `opened`: (source endpoint, destination endpoint) -> services security groups let through.
    """
    union = sv.union(*(opened.get((s.endpoint, d.endpoint), sv.NOTHING) for s, d in pairs))
    tcp = sv.intersect(union, ((0, sv.PORTS - 1),))
    ports = {ADMIN_PORT}
    for low, high in tcp:
        ports |= {max(low, 1), max(high, 1)}
    closed = next((p for p in CLOSED_CANDIDATES if not sv.overlaps(tcp, ((p, p),))), None)
    if closed is not None:
        ports.add(closed)
    return sorted(ports)[:MAX_PORTS]


class _Listeners:
    """One listener process per destination, in its namespace, for the duration of the probes."""

    def __init__(self, targets: Sequence[Place], ports: Sequence[int]) -> None:
        self.procs: list[tuple[Place, subprocess.Popen[str]]] = []
        self.busy: dict[str, list[int]] = {}
        try:
            for place in targets:
                command = [*place.where, sys.executable, "-I", str(PROBE), "listen", *map(str, ports)]
                proc = subprocess.Popen(
                    command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
                )
                self.procs.append((place, proc))
            for place, proc in self.procs:
                assert proc.stdout is not None
                line = proc.stdout.readline()
                if not line:
                    detail = proc.stderr.read().strip() if proc.stderr else ""
                    raise LabError(f"listener in {place.label} did not start: {detail or 'no output'}")
                busy = json.loads(line).get("busy") or []
                if busy:
                    self.busy[place.label] = busy
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        for _, proc in self.procs:
            if proc.stdin is not None and not proc.stdin.closed:
                proc.stdin.close()
        for _, proc in self.procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()


def _probe(src: Place, batch: list[Attempt], timeout: float) -> list[Attempt]:
    request = [[str(src.address) if src.host else "", str(a.dst.address), a.port] for a in batch]
    done = cmd.run([*src.where, sys.executable, "-I", str(PROBE), "connect", str(timeout)], stdin=json.dumps(request))
    outcomes = json.loads(done.stdout)
    return [Attempt(a.src, a.dst, a.port, a.expected, str(o)) for a, o in zip(batch, outcomes, strict=True)]


def verify(
    plan: dict[str, Any],
    intent: Intent,
    progress: Progress,
    core_hub: str | None = None,
    timeout: float = 1.0,
    parallel: int = 8,
) -> Verdict:
    cmd.require_network_tools()
    started = time.monotonic()
    running = [c for c in lab_containers() if c.state == "running" and c.host]
    if not running:
        raise LabError("no running lab hosts: start them with `govcloud lab up`", EXIT_USAGE)
    if not present():
        raise LabError(f"no lab network ({names.FABRIC_NS} missing): run `govcloud lab up`", EXIT_USAGE)
    lab = build_lab_network(plan, intent, {c.host: c.name for c in running})
    if not lab.ports:
        raise LabError("the plan has no ports for the running lab hosts (another plan?)", EXIT_USAGE)
    pids = cmd.container_pids(sorted({p.container for p in lab.ports}))
    _check_built(lab, pids)
    proof = prove(plan, intent, core_hub=core_hub)
    analysis = proof.analysis
    reach: dict[tuple[int, int], sv.Services] = {}
    for r in analysis.reaches:
        reach[(r.src, r.dst)] = sv.union(reach.get((r.src, r.dst), sv.NOTHING), r.services)
    ends = places(lab, analysis, pids)
    pairs = [
        (s, d)
        for s in ends
        for d in ends
        if s is not d and (s.host is None or s.host != d.host) and not (s.host is None and d.host is None)
    ]
    # ports security groups open but no route carries are probed too: a routing fault shows there
    opened = dict(reach)
    for r in analysis.unrouted:
        opened[(r.src, r.dst)] = sv.union(opened.get((r.src, r.dst), sv.NOTHING), r.services)
    ports = probe_ports(opened, pairs)
    planned = [
        Attempt(s, d, port, sv.overlaps(reach.get((s.endpoint, d.endpoint), sv.NOTHING), ((port, port),)))
        for s, d in pairs for port in ports
    ]  # fmt: skip
    progress(
        f"verify: {len(ends)} endpoints, {len(pairs)} ordered pairs x {len(ports)} ports "
        f"({', '.join(map(str, ports))}) = {len(planned)} connection attempts"
        + (f"; platform core as hub: {core_hub}" if core_hub else "")
    )
    if core_hub:  # otherwise the core is left as it is: verify observes the network, it does not mend it
        apply_core(lab, core_hub)
    results: list[Attempt] = []
    try:
        listeners = _Listeners([e for e in ends], ports)
        try:
            by_source: dict[str, list[Attempt]] = {}
            for a in planned:
                by_source.setdefault(a.src.label, []).append(a)
            with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
                futures = [pool.submit(_probe, batch[0].src, batch, timeout) for batch in by_source.values()]
                for done, future in enumerate(futures, start=1):
                    batch_result = future.result()
                    results += batch_result
                    bad = sum(not a.agrees for a in batch_result)
                    progress(
                        f"verify: [{done}/{len(futures)}] {batch_result[0].src.label}: "
                        f"{len(batch_result)} attempts, {bad} disagreements"
                    )
        finally:
            listeners.close()
    finally:
        if core_hub:
            apply_core(lab, None)
    return Verdict(results, ports, len(ends), core_hub, time.monotonic() - started, listeners.busy)


def _check_built(lab: LabNetwork, pids: dict[str, int]) -> None:
    """Each lab port's address is on its container's interface: else the network is stale."""
    missing: list[str] = []
    for container in sorted(pids):
        have = {
            a.get("local")
            for link in cmd.ip_json(cmd.in_pid(pids[container]), ["addr", "show"])
            for a in link.get("addr_info") or []
        }
        missing += [
            f"{p.host} {p.address.ip}" for p in lab.ports if p.container == container and str(p.address.ip) not in have
        ]
    missing += [p.container for p in lab.ports if p.container not in pids]
    if missing:
        raise LabError(f"the lab network is not built for: {', '.join(missing)} (run `govcloud lab up`)", EXIT_USAGE)

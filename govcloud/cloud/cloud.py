"""`up`, `down` and `status` of the local cloud: the steps in order, each timed.

up: packages -> configs -> MariaDB + RabbitMQ -> databases and schemas -> keystone and the
catalog -> the other services -> nova's compute host mapped -> platform basics -> clouds.yaml.
Every step checks before it acts, so `up` on a running cloud only looks.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from openstack.connection import Connection

from govcloud.catalog.model import Platform
from govcloud.cloud import bootstrap, clouds, config, identity, packages, schema, services
from govcloud.cloud.config import COMPUTE_HOSTS
from govcloud.cloud.connect import admin
from govcloud.cloud.errors import CloudError
from govcloud.cloud.services import Service, config_args, entry
from govcloud.cloud.state import CloudState

Say = Callable[[str], None]
COMPUTE_TIMEOUT = 180.0


@contextmanager
def step(say: Say, name: str) -> Iterator[None]:
    """One progress line per step on stderr, with the seconds it took."""
    started = time.monotonic()
    say(f"{name} ...")
    yield
    say(f"{name}: done in {time.monotonic() - started:.1f} s")


def _start(state: CloudState, group: list[Service], say: Say) -> None:
    started = [s.name for s in group if services.running_pid(state, s) is None]
    for service in group:
        services.start(state, service)
    services.wait_healthy(state, group)
    say(f"  started: {', '.join(started)}" if started else "  all already running")


def up(state: CloudState, platform: Platform, say: Say) -> list[str]:
    """Bring the cloud up (or check that it is); return what changed."""
    changed: list[str] = []
    with step(say, "packages"):
        changed += [f"package {p}" for p in packages.install(say)]
    with step(say, "configs"):
        state.make_dirs()
        secrets = state.secrets()
        written = config.write(state, secrets)
        changed += [f"config {p.relative_to(state.root)}" for p in written]
        if written and any(services.running_pid(state, s) for s in services.all_services(state)):
            say("  configs changed while services run: `govcloud cloud down` then `up` to apply them")
    with step(say, "mariadb + rabbitmq"):
        if schema.init_datadir(state):
            changed.append("mariadb data folder")
        _start(state, services.infrastructure(state), say)
    with step(say, "databases and schemas"):
        schema.create_databases(state, secrets)
        changed += [f"schema {name}" for name in schema.setup_schemas(state, secrets, say)]
    openstack_services = services.openstack(state)
    with step(say, "keystone and the service catalog"):
        _start(state, openstack_services[:1], say)
        conn = admin(secrets["admin"])
        changed += identity.ensure_identity(conn, secrets["service"])
        conn = admin(secrets["admin"])  # a new token: the first one's catalog predates the endpoints
    with step(say, "placement, glance, neutron, nova, cinder"):
        _start(state, openstack_services[1:], say)
        changed += _map_compute_host(state, conn, say)
    with step(say, "platform basics from the catalog"):
        made = bootstrap.ensure_platform(conn, platform)
        say(f"  created: {', '.join(made)}" if made else "  all present")
        changed += made
    # a service may pass its first health check and die a moment later (a bad option is
    # read only when first used): look once more before calling the cloud up
    dead = [s.name for s in services.all_services(state) if not services.healthy(state, s)]
    if dead:
        tails = "\n".join(f"{name}:\n{services.log_tail(state, name, 5)}" for name in dead)
        raise CloudError(f"not running after start: {', '.join(dead)}\n{tails}")
    with step(say, "clouds.yaml"):
        for path in clouds.write_clouds(state, secrets["admin"]):
            say(f"  wrote {path}")
            changed.append(f"file {path}")
    return changed


def _map_compute_host(state: CloudState, conn: Connection, say: Say) -> list[str]:
    """Wait for both nova-computes to register, map them into cell1 once, wait for their hypervisors."""
    marker = state.marker("compute-hosts-mapped")
    if marker.exists():
        return []
    wanted = set(COMPUTE_HOSTS)
    deadline = time.monotonic() + COMPUTE_TIMEOUT
    while not wanted <= {s.host for s in conn.compute.services() if s.binary == "nova-compute"}:
        if time.monotonic() > deadline:
            raise CloudError("nova-compute did not register within 180 s (logs: nova-compute*.log)")
        time.sleep(2)
    services.run(
        entry("nova.cmd.manage", "nova-manage", *config_args(state, "nova/nova.conf"), "cell_v2", "discover_hosts")
    )
    while len(list(conn.compute.hypervisors())) < len(wanted):
        if time.monotonic() > deadline:
            raise CloudError("the fake hypervisors did not appear within 180 s (logs: nova-compute*.log)")
        time.sleep(2)
    marker.write_text("done\n")
    say(f"  compute hosts {', '.join(COMPUTE_HOSTS)} mapped into cell1")
    return ["compute host mapped"]


def down(state: CloudState, say: Say) -> list[str]:
    """Stop every daemon started here: the OpenStack services together, then RabbitMQ, epmd, MariaDB."""
    stopped: list[str] = []
    groups = [services.openstack(state)] + [[s] for s in reversed(services.infrastructure(state))]
    for group in groups:
        names = services.stop_all(state, group)
        if names:
            say(f"  stopped {', '.join(names)}")
        stopped += names
    return stopped


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    pid: int | None
    port: int | None
    healthy: bool


def status(state: CloudState) -> list[ServiceStatus]:
    return [
        ServiceStatus(s.name, services.running_pid(state, s), s.port, services.healthy(state, s))
        for s in services.all_services(state)
    ]


def memory_mib(state: CloudState) -> float:
    """Proportional memory (PSS, shared pages split) of every process the cloud started."""
    total_kib = 0
    for service in services.all_services(state):
        pgid = services.running_pid(state, service)
        for pid in services.group_members(pgid) if pgid else []:
            try:
                rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
            except OSError:
                continue
            total_kib += sum(int(line.split()[1]) for line in rollup.splitlines() if line.startswith("Pss:"))
    return total_kib / 1024


def listening(state: CloudState) -> list[int]:
    """Our ports that still accept connections (down must leave none)."""
    from govcloud.cloud import ports

    candidates = [s.port for s in services.all_services(state) if s.port is not None] + [ports.RABBITMQ_DIST]
    return [p for p in candidates if services.port_open(p)]

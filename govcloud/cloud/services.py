"""The daemons: how each starts, how it is known to be up, and how it is stopped.

No systemd here: each daemon is a child started with setsid (its own process group),
stdout/stderr to <state>/log/NAME.log, its pid in <state>/run/NAME.pid. Stopping signals
the whole group, so workers forked by a service go with it. The OpenStack services run on
Debian's /usr/bin/python3 (their packages live in its dist-packages, not in any venv).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from govcloud.cloud import ports
from govcloud.cloud.errors import CloudError
from govcloud.cloud.state import CloudState

PYTHON = "/usr/bin/python3"
START_TIMEOUT = 180.0
STOP_TIMEOUT = 30.0


@dataclass(frozen=True)
class Service:
    name: str
    argv: list[str]
    port: int | None = None  # health: the port accepts connections; None: the process lives
    env: dict[str, str] = field(default_factory=dict)


def entry(module: str, name: str, *args: str) -> list[str]:
    """Run a console-script entry point on Debian's python (the daemon packages are not installed)."""
    code = f"import sys; from {module} import main; sys.argv[0] = {name!r}; sys.exit(main())"
    return [PYTHON, "-c", code, *args]


def config_args(state: CloudState, *files: str) -> list[str]:
    return [arg for f in files for arg in ("--config-file", str(state.etc / f))]


def rabbitmq_env(state: CloudState) -> dict[str, str]:
    etc = state.etc / "rabbitmq"
    return {
        "HOME": str(state.data / "rabbitmq"),  # the Erlang cookie lives in $HOME
        "RABBITMQ_NODENAME": "govcloud@localhost",
        "RABBITMQ_NODE_IP_ADDRESS": ports.HOST,
        "RABBITMQ_NODE_PORT": str(ports.RABBITMQ),
        "RABBITMQ_DIST_PORT": str(ports.RABBITMQ_DIST),
        "ERL_EPMD_ADDRESS": ports.HOST,
        "ERL_EPMD_PORT": str(ports.EPMD),
        "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        "RABBITMQ_CTL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        "RABBITMQ_CONFIG_FILE": str(etc / "rabbitmq.conf"),
        "RABBITMQ_CONF_ENV_FILE": str(etc / "rabbitmq-env.conf"),
        "RABBITMQ_ENABLED_PLUGINS_FILE": str(etc / "enabled_plugins"),
        "RABBITMQ_MNESIA_BASE": str(state.data / "rabbitmq" / "mnesia"),
        "RABBITMQ_LOG_BASE": str(state.log / "rabbitmq"),
        "RABBITMQ_LOGS": "-",
        "RABBITMQ_PID_FILE": str(state.run / "rabbitmq-beam.pid"),
    }


def infrastructure(state: CloudState) -> list[Service]:
    """MariaDB, epmd and RabbitMQ: needed before any schema or service."""
    return [
        Service(
            "mariadb", ["/usr/sbin/mariadbd", f"--defaults-file={state.etc / 'mariadb' / 'my.cnf'}"], ports.MARIADB
        ),
        # started by us (not by the Erlang VM) so that it binds 127.0.0.1 and `down` finds it
        Service("epmd", ["/usr/bin/epmd", "-address", ports.HOST, "-port", str(ports.EPMD)], ports.EPMD),
        Service("rabbitmq", ["/usr/lib/rabbitmq/bin/rabbitmq-server"], ports.RABBITMQ, rabbitmq_env(state)),
    ]


def openstack(state: CloudState) -> list[Service]:
    """The OpenStack daemons, in start order (keystone first: everyone validates tokens there)."""
    etc = state.etc
    pythonpath = {"PYTHONPATH": str(state.pylib)}
    uwsgi = "/usr/bin/uwsgi-core"
    return [
        Service("keystone", [uwsgi, "--ini", str(etc / "keystone" / "uwsgi.ini")], ports.KEYSTONE),
        Service("placement", [uwsgi, "--ini", str(etc / "placement" / "uwsgi.ini")], ports.PLACEMENT),
        Service(
            "glance-api",
            entry("glance.cmd.api", "glance-api", *config_args(state, "glance/glance-api.conf")),
            ports.GLANCE,
        ),
        Service(
            "neutron-server",
            entry(
                "neutron.cmd.eventlet.server",
                "neutron-server",
                *config_args(state, "neutron/neutron.conf", "neutron/ml2_conf.ini"),
            ),
            ports.NEUTRON,
            pythonpath,
        ),
        Service("nova-api", entry("nova.cmd.api", "nova-api", *config_args(state, "nova/nova.conf")), ports.NOVA),
        Service("nova-conductor", entry("nova.cmd.conductor", "nova-conductor", *config_args(state, "nova/nova.conf"))),
        Service("nova-scheduler", entry("nova.cmd.scheduler", "nova-scheduler", *config_args(state, "nova/nova.conf"))),
        Service("nova-compute", entry("nova.cmd.compute", "nova-compute", *config_args(state, "nova/nova.conf"))),
        Service(
            "nova-compute-2",
            entry(
                "nova.cmd.compute", "nova-compute", *config_args(state, "nova/nova.conf", "nova/nova-compute-2.conf")
            ),
        ),
        Service(
            "cinder-api", entry("cinder.cmd.api", "cinder-api", *config_args(state, "cinder/cinder.conf")), ports.CINDER
        ),
        Service(
            "cinder-scheduler",
            entry("cinder.cmd.scheduler", "cinder-scheduler", *config_args(state, "cinder/cinder.conf")),
        ),
        Service(
            "cinder-volume", entry("cinder.cmd.volume", "cinder-volume", *config_args(state, "cinder/cinder.conf"))
        ),
    ]


def all_services(state: CloudState) -> list[Service]:
    return infrastructure(state) + openstack(state)


def pid_file(state: CloudState, service: Service) -> Path:
    return state.run / f"{service.name}.pid"


def running_pid(state: CloudState, service: Service) -> int | None:
    """The pid from the pid file when that process still lives (and is not a zombie)."""
    path = pid_file(state, service)
    try:
        pid = int(path.read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return None if stat.rsplit(")", 1)[1].split()[0] == "Z" else pid


def port_open(port: int, host: str = ports.HOST) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def healthy(state: CloudState, service: Service) -> bool:
    if running_pid(state, service) is None:
        return False
    return service.port is None or port_open(service.port)


def start(state: CloudState, service: Service) -> int:
    """Start one daemon in its own session unless it already runs; return its pid."""
    pid = running_pid(state, service)
    if pid is not None:
        return pid
    if service.port is not None and port_open(service.port):
        raise CloudError(f"{service.name}: port {ports.HOST}:{service.port} is taken by a process not started here")
    log = open(state.log / f"{service.name}.log", "ab")  # noqa: SIM115  (the child keeps it)
    env = {**os.environ, **service.env}
    for name in ("VIRTUAL_ENV", "PYTHONHOME"):  # keep the govcloud venv out of Debian's python
        env.pop(name, None)
    env["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"
    process = subprocess.Popen(
        service.argv,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=state.root,
        start_new_session=True,
    )
    log.close()
    pid_file(state, service).write_text(f"{process.pid}\n")
    return process.pid


def wait_healthy(state: CloudState, services: list[Service], timeout: float = START_TIMEOUT) -> None:
    """Wait until every service is healthy; a process that dies fails at once with its log's tail."""
    deadline = time.monotonic() + timeout
    pending = list(services)
    while pending:
        for service in list(pending):
            if running_pid(state, service) is None:
                raise CloudError(f"{service.name} exited; last lines of its log:\n{log_tail(state, service.name)}")
            if healthy(state, service):
                pending.remove(service)
        if not pending:
            return
        if time.monotonic() > deadline:
            names = ", ".join(s.name for s in pending)
            raise CloudError(f"not up after {timeout:.0f} s: {names} (logs in {state.log})")
        time.sleep(0.5)


def log_tail(state: CloudState, name: str, lines: int = 15) -> str:
    try:
        text = (state.log / f"{name}.log").read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _group_alive(pgid: int) -> bool:
    # zombies do not count: kill(0) succeeds on them until someone reaps them
    return bool(group_members(pgid))


def stop_all(state: CloudState, group: list[Service], timeout: float = STOP_TIMEOUT) -> list[str]:
    """SIGTERM the services' process groups together, SIGKILL what is left after `timeout`.

    Returns the names of the services that were running.
    """
    pgids: dict[str, int] = {}
    for service in group:
        try:
            pgid = int(pid_file(state, service).read_text().strip())
        except (OSError, ValueError):
            continue
        if _group_alive(pgid):
            os.killpg(pgid, signal.SIGTERM)
            pgids[service.name] = pgid
        else:
            pid_file(state, service).unlink(missing_ok=True)
    deadline = time.monotonic() + timeout
    while any(_group_alive(p) for p in pgids.values()) and time.monotonic() < deadline:
        for pgid in pgids.values():
            _reap(pgid)
        time.sleep(0.2)
    for pgid in pgids.values():
        if _group_alive(pgid):
            os.killpg(pgid, signal.SIGKILL)
    for service in group:
        if service.name in pgids:
            _reap(pgids[service.name])
            pid_file(state, service).unlink(missing_ok=True)
    return list(pgids)


def _reap(pid: int) -> None:
    """Collect our own child's exit status (when `up` and `down` run in one process, e.g. tests)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def group_members(pgid: int) -> list[int]:
    """Live processes whose process group is `pgid` (what `down` must leave none of)."""
    members: list[int] = []
    for entry_dir in Path("/proc").iterdir():
        if not entry_dir.name.isdigit():
            continue
        try:
            fields = (entry_dir / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry_dir.name))
    return members


def label(argv: list[str]) -> str:
    """A command as a person would name it: `nova-manage cell_v2 discover_hosts`, without config paths."""
    if len(argv) > 2 and argv[1] == "-c":
        found = re.search(r"sys\.argv\[0\] = '([^']+)'", argv[2])
        words = [found.group(1) if found else argv[0]]
        args = argv[3:]
        for i, arg in enumerate(args):
            if arg != "--config-file" and (i == 0 or args[i - 1] != "--config-file"):
                words.append(arg)
        return " ".join(words)
    return " ".join(argv)


def run(argv: list[str], say: Callable[[str], None] | None = None, env: dict[str, str] | None = None) -> str:
    """Run a one-shot command (db sync, keystone-manage); raise CloudError with its output on failure."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("VIRTUAL_ENV", None)
    full_env["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"
    result = subprocess.run(argv, capture_output=True, text=True, env=full_env, check=False)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-15:])
        raise CloudError(f"{label(argv)} failed (exit {result.returncode}):\n{tail}")
    return result.stdout

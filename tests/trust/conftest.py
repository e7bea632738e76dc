"""A throwaway trust-services zone: two containers of the lab image, hardened by playbooks/site.yml.

`trust-server` is the management tenant's trust host: every trust-service group of the inventory
(CA, time, log, directory, DNS) is this one container. `trust-client` is an ordinary level-3
host that uses the services. Both share one network namespace, held by a third, idle container
(so a restart of either keeps it) and created with `--network none`: all their traffic stays on
its loopback; the server's services answer on 127.0.0.1, the client's sshd on 127.0.0.2. The
containers are this suite's own (`govcloud-trust-test-<id>-*`, no `govcloud.lab` label): the
lab's containers are never touched. site.yml runs over the `containers.podman.podman` connection;
the containers are removed at the end, pass or fail (GOVCLOUD_TRUST_KEEP=1 keeps them).

GOVCLOUD_TRUST_TAGS=trust_ca,trust_log (while developing one service) converges only those tags.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from govcloud.lab.image import ensure_image
from trust.credentials import write_extra_vars

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "playbooks" / "site.yml"
VARS = ROOT / "tests" / "trust" / "vars"
PUBLIC_URL = "http://127.0.0.1"
SERVER_ADDRESS, CLIENT_ADDRESS = "127.0.0.1", "127.0.0.2"
# The CA host's long-running services (roles/pki, roles/tsa).
CA_UNITS = "govcloud-ocsp govcloud-tsa govcloud-pki-http"
TRUST_GROUPS = ("group_mgmt_pki", "group_mgmt_time", "group_mgmt_log", "group_mgmt_directory", "group_mgmt_dns")
# What the plan would give both hosts: every trust service on the server's address.
SERVICES = {name: [SERVER_ADDRESS] for name in (
    "certificate-authority", "registration-authority", "timestamping", "key-management", "time", "audit-log",
    "identity", "authorization", "dns", "bastion")}  # fmt: skip
# Ports the server's security group opens (the catalog's baseline flows and the CA's publication).
SERVER_INGRESS = [("tcp", 22), ("tcp", 80), ("udp", 123), ("tcp", 4460), ("tcp", 6514), ("tcp", 636),
                  ("udp", 53), ("tcp", 53)]  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "controls(*ids): the controls (policies/controls.yaml) a check evidences")


@dataclass
class Converge:
    returncode: int
    output: str

    @property
    def changed(self) -> int:
        found = re.findall(r"changed=(\d+)", self.output.split("PLAY RECAP", 1)[-1])
        return sum(int(n) for n in found) if found else -1

    @property
    def changed_tasks(self) -> list[str]:
        tasks, current = [], ""
        for line in self.output.splitlines():
            if line.startswith(("TASK [", "RUNNING HANDLER [")):
                current = line.rstrip(" *")
            elif line.startswith("changed:"):
                tasks.append(f"{current}: {line}")
        return tasks

    @property
    def failed(self) -> int:
        found = re.findall(r"failed=(\d+)", self.output.split("PLAY RECAP", 1)[-1])
        return sum(int(n) for n in found) if found else -1


@dataclass
class TrustHost:
    name: str  # the container
    alias: str  # the inventory name
    zone: TrustZone = field(repr=False)

    def run(self, script: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["podman", "exec", self.name, "bash", "-c", script],
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip

    def ok(self, script: str, timeout: float = 180) -> str:
        done = self.run(script, timeout)
        assert done.returncode == 0, f"{self.alias}: {script!r} failed ({done.returncode}): {done.stderr}{done.stdout}"
        return done.stdout

    @property
    def runs(self) -> list[Converge]:
        return self.zone.runs

    def converge(self, tags: str | None = None) -> Converge:
        """The whole zone again (both hosts: the server's changes reach the client's files)."""
        return self.zone.converge(tags)


@dataclass
class TrustZone:
    prefix: str
    inventory: Path
    runs: list[Converge] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.server = TrustHost(f"{self.prefix}-server", "trust-server", self)
        self.client = TrustHost(f"{self.prefix}-client", "trust-client", self)
        self.holder = f"{self.prefix}-net"

    def converge(self, tags: str | None = None) -> Converge:
        env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                   PATH=f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}")  # fmt: skip
        tags = tags or os.environ.get("GOVCLOUD_TRUST_TAGS")
        # Test-only values (the directory's people...) as extra vars, one file per service, then the
        # people's credentials made for this run (tests/trust/credentials.py).
        files = [*sorted(VARS.glob("*.yml")), write_extra_vars(self.inventory.parent / "test-credentials.yml")]
        extra = [arg for path in files for arg in ("-e", f"@{path}")]
        done = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "ansible-playbook"), "-i", str(self.inventory), str(PLAYBOOK),
             *extra, *(["--tags", tags] if tags else [])],
            capture_output=True, text=True, timeout=1800, env=env, cwd=ROOT, check=False,
        )  # fmt: skip
        result = Converge(done.returncode, done.stdout + done.stderr)
        self.runs.append(result)
        return result


def inventory_doc(zone: TrustZone) -> dict[str, Any]:
    # podman exec is root already: no sudo (the hardened sudoers require a tty for root's own use)
    podman = {"ansible_connection": "containers.podman.podman", "ansible_python_interpreter": "/usr/bin/python3",
              "ansible_become": False}  # fmt: skip
    ingress = [{"flow": "trust-services", "protocol": proto, "port_min": port, "port_max": port,
                "source": "127.0.0.0/8"} for proto, port in SERVER_INGRESS]  # fmt: skip
    common = {"govcloud_services": SERVICES, "govcloud_mlps_level": 3, "govcloud_tenant": "mgmt",
              "govcloud_zones": ["management"], "pki_public_url": PUBLIC_URL}  # fmt: skip
    hosts = {
        "trust-server": {**podman, **common, "ansible_host": zone.server.name, "govcloud_group": "pki",
                         "govcloud_role": "pki", "govcloud_addresses": {"trust": SERVER_ADDRESS},
                         "govcloud_ingress": ingress, "ssh_listen_addresses": [SERVER_ADDRESS]},
        "trust-client": {**podman, **common, "ansible_host": zone.client.name, "govcloud_group": "app",
                         "govcloud_role": "app", "govcloud_addresses": {"trust": CLIENT_ADDRESS},
                         "govcloud_ingress": [{"flow": "bastion-ssh", "protocol": "tcp", "port_min": 22,
                                               "port_max": 22, "source": "127.0.0.0/8"}],
                         "ssh_listen_addresses": [CLIENT_ADDRESS],
                         # one network namespace: the server's chronyd holds the command port
                         "time_sync_cmdport": 0},
    }  # fmt: skip
    groups = {group: {"hosts": {"trust-server": None}} for group in TRUST_GROUPS}
    groups["level_3"] = {"hosts": {"trust-server": None, "trust-client": None}}
    return {"all": {"hosts": hosts, "children": groups}}


PODMAN_RUN = ["podman", "run", "--detach", "--runtime", "runc", "--ulimit", "nofile=4096:4096",
              "--ulimit", "nproc=8192:8192"]  # fmt: skip


def start_zone(zone: TrustZone) -> None:
    image = ensure_image()
    # The idle holder owns the loopback-only network namespace both hosts join.
    subprocess.run([*PODMAN_RUN, "--name", zone.holder, "--network", "none", image.ref, "sleep", "infinity"],
                   capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    for host in (zone.server, zone.client):
        subprocess.run(
            [*PODMAN_RUN, "--name", host.name, "--hostname", host.alias, "--systemd=always",
             "--cap-drop", "SYS_TIME", "--cap-add", "NET_ADMIN", "--network", f"container:{zone.holder}",
             image.ref, "/sbin/init"],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
    for host in (zone.server, zone.client):
        host.run("systemctl is-system-running --wait", timeout=120)


def remove_zone(zone: TrustZone) -> None:
    for name in (zone.client.name, zone.server.name, zone.holder):
        subprocess.run(["podman", "rm", "--force", "--time", "0", name], capture_output=True, timeout=120,
                       check=False)  # fmt: skip


@pytest.fixture(scope="session")
def trust_zone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrustZone]:
    for tool in ("podman", "runc"):
        assert shutil.which(tool), f"{tool} not found: the trust-services tests need it (apt-get install {tool})"
    inventory = tmp_path_factory.mktemp("trust") / "hosts.yml"
    zone = TrustZone(f"govcloud-trust-test-{uuid.uuid4().hex[:8]}", inventory)
    inventory.write_text(yaml.safe_dump(inventory_doc(zone), sort_keys=False), encoding="utf-8")
    try:
        start_zone(zone)
        first = zone.converge()
        assert first.returncode == 0 and first.failed == 0, first.output[-6000:]
        yield zone
    finally:
        if os.environ.get("GOVCLOUD_TRUST_KEEP") == "1":  # debugging: keep them, remove them by hand
            print(f"kept {zone.prefix}-*")
        else:
            remove_zone(zone)


def ca_state(host: TrustHost) -> str:
    """What a reissue would change: the CAs' databases and certificates, the signers' certificates, the requests."""
    return host.ok(
        "sha256sum /var/lib/govcloud/pki/*/index.txt /var/lib/govcloud/pki/*/ca.crt /etc/govcloud/pki/ocsp.crt "
        "/etc/govcloud/tsa/tsa.crt; ls /var/lib/govcloud/pki/ra/requests | wc -l"
    )


def daemon_pids(zone: TrustZone) -> str:
    """chronyd's and unbound's PIDs on both hosts: a restart shows as a new PID."""
    return "".join(f"{h.alias}: " + h.ok("pgrep -x chronyd | sort; pgrep -x unbound || true").replace("\n", " ") + "\n"
                   for h in (zone.server, zone.client))  # fmt: skip


@dataclass
class SecondRun:
    converge: Converge
    ca_before: str  # ca_state before the CA's services were restarted
    ca_after: str  # and after the run
    pids_before: str  # daemon_pids before the run
    pids_after: str


@pytest.fixture(scope="session")
def second_converge(trust_zone: TrustZone) -> SecondRun:
    """The whole site.yml once more over the converged zone, right after a restart of the CA's services:
    the one run every idempotence check reads (each role's own check included), which also shows that
    nothing is reissued after a restart and that no daemon is restarted by a run that changes nothing."""
    ca_before = ca_state(trust_zone.server)
    trust_zone.server.ok(f"systemctl restart {CA_UNITS}")
    pids_before = daemon_pids(trust_zone)
    run = trust_zone.converge()
    return SecondRun(run, ca_before, ca_state(trust_zone.server), pids_before, daemon_pids(trust_zone))


@pytest.fixture(scope="session")
def trust_host(trust_zone: TrustZone) -> TrustHost:
    """The trust server: CA, RA, TSA, NTS, audit-log server, directory, resolver."""
    return trust_zone.server


@pytest.fixture(scope="session")
def trust_client(trust_zone: TrustZone) -> TrustHost:
    """A hardened level-3 host using the trust services."""
    return trust_zone.client

"""A throwaway trust-services host: one container of the lab image, the kms, pki and tsa roles applied.

The container is this suite's own (`govcloud-trust-test-<id>`, no `govcloud.lab` label, `--network
none`): the lab's containers are never touched. The roles run with `ansible-playbook` over the
`containers.podman.podman` connection, twice (the second run must change nothing); the container
is removed at the end, pass or fail.
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

import pytest

from govcloud.lab.image import ensure_image

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "tests" / "trust" / "playbook.yml"
PUBLIC_URL = "http://127.0.0.1"


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
    name: str
    inventory: Path
    runs: list[Converge] = field(default_factory=list, repr=False)

    def run(self, script: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["podman", "exec", self.name, "bash", "-c", script],
            capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip

    def ok(self, script: str, timeout: float = 180) -> str:
        done = self.run(script, timeout)
        assert done.returncode == 0, f"{script!r} failed ({done.returncode}): {done.stderr}{done.stdout}"
        return done.stdout

    def converge(self) -> Converge:
        env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                   PATH=f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}")  # fmt: skip
        done = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "ansible-playbook"), "-i", str(self.inventory), str(PLAYBOOK),
             "-e", f"pki_public_url={PUBLIC_URL}"],
            capture_output=True, text=True, timeout=900, env=env, cwd=ROOT, check=False,
        )  # fmt: skip
        result = Converge(done.returncode, done.stdout + done.stderr)
        self.runs.append(result)
        return result


def start_container(name: str) -> None:
    image = ensure_image()
    subprocess.run(
        ["podman", "run", "--detach", "--name", name, "--hostname", "pki-test", "--runtime", "runc",
         "--systemd=always", "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=8192:8192",
         "--cap-drop", "SYS_TIME", "--network", "none", image.ref, "/sbin/init"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    subprocess.run(["podman", "exec", name, "systemctl", "is-system-running", "--wait"],
                   capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def remove_container(name: str) -> None:
    subprocess.run(["podman", "rm", "--force", "--time", "0", name], capture_output=True, timeout=120, check=False)


@pytest.fixture(scope="session")
def trust_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrustHost]:
    for tool in ("podman", "runc"):
        assert shutil.which(tool), f"{tool} not found: the trust-services tests need it (apt-get install {tool})"
    name = f"govcloud-trust-test-{uuid.uuid4().hex[:8]}"
    inventory = tmp_path_factory.mktemp("trust") / "hosts.ini"
    inventory.write_text(
        f"{name} ansible_connection=containers.podman.podman ansible_python_interpreter=/usr/bin/python3\n",
        encoding="utf-8",
    )
    host = TrustHost(name, inventory)
    try:
        start_container(name)
        first = host.converge()
        assert first.returncode == 0 and first.failed == 0, first.output[-4000:]
        yield host
    finally:
        if os.environ.get("GOVCLOUD_TRUST_KEEP") == "1":  # debugging: keep it, remove it by hand
            print(f"kept {name}")
        else:
            remove_container(name)

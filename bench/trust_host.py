"""A throwaway CA host for the trust-service benchmarks: one container of the lab image with the CA
play of playbooks/trust-services.yml applied (kms, pki, tsa; tag trust_ca).

The container is the bench's own (`govcloud-trust-bench-<id>`, no `govcloud.lab` label, `--network
none`: clients run inside it against 127.0.0.1). `ca_host()` yields its name and removes it at the
end, pass or fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from govcloud.lab.image import ensure_image

ROOT = Path(__file__).resolve().parents[1]
PLAYBOOK = ROOT / "playbooks" / "trust-services.yml"


def podman(*args: str, timeout: float = 300, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], input=stdin, capture_output=True, text=True, timeout=timeout, check=False)


def start_host(hostname: str) -> str:
    name = f"govcloud-trust-bench-{uuid.uuid4().hex[:8]}"
    image = ensure_image()
    started = podman("run", "--detach", "--name", name, "--hostname", hostname, "--runtime", "runc",
                     "--systemd=always", "--ulimit", "nofile=4096:4096", "--ulimit", "nproc=8192:8192",
                     "--cap-drop", "SYS_TIME", "--network", "none", image.ref, "/sbin/init")  # fmt: skip
    if started.returncode != 0:
        raise SystemExit(f"podman run failed: {started.stderr.strip()}")
    podman("exec", name, "systemctl", "is-system-running", "--wait", timeout=120)
    return name


def converge(name: str) -> None:
    """The CA play on the container, as site.yml applies it to the pki group."""
    host = {"ansible_host": name, "ansible_connection": "containers.podman.podman",
            "ansible_python_interpreter": "/usr/bin/python3", "ansible_become": False,
            "pki_public_url": "http://127.0.0.1",
            # what the inventory gives every host; the clients' play validates its roles' arguments
            # (tag always) even when only trust_ca runs
            "govcloud_addresses": {"trust": "127.0.0.1"}, "govcloud_services": {}, "govcloud_ingress": []}  # fmt: skip
    doc = {"all": {"children": {"group_mgmt_pki": {"hosts": {"trust-bench": host}}}}}
    env = dict(
        os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), PATH=f"{ROOT / '.venv' / 'bin'}:{os.environ['PATH']}"
    )
    # JSON is YAML: the yaml inventory plugin reads it.
    with tempfile.NamedTemporaryFile("w", suffix=".yml", encoding="utf-8") as inventory:
        json.dump(doc, inventory)
        inventory.flush()
        done = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "ansible-playbook"), "-i", inventory.name, str(PLAYBOOK),
             "--tags", "trust_ca"],
            capture_output=True, text=True, env=env, cwd=ROOT, timeout=1800, check=False,
        )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"applying the CA play failed:\n{done.stdout[-3000:]}")


@contextmanager
def ca_host(existing: str | None = None, hostname: str = "trust-bench") -> Iterator[str]:
    """`existing` (a running host with the CA play applied) or a fresh one, removed afterwards."""
    if existing:
        yield existing
        return
    print("starting a container and applying the CA play (kms, pki, tsa) ...", file=sys.stderr)
    started = time.monotonic()
    name = start_host(hostname)
    try:
        converge(name)
        print(f"... ready in {time.monotonic() - started:.0f} s", file=sys.stderr)
        yield name
    finally:
        podman("rm", "--force", "--time", "0", name)

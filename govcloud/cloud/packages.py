"""Debian's own OpenStack Zed packages, installed without letting any of them start.

Only the python3-* libraries are installed, not the daemon packages (keystone, nova-api,
...): those bring init scripts, dbconfig-common questions and default configs listening
on 0.0.0.0. The daemons are started by services.py from the state folder instead.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from govcloud.cloud.errors import CloudError

PACKAGES = (
    "python3-keystone",
    "python3-placement",
    "python3-glance",
    "python3-neutron",
    "python3-nova",
    "python3-cinder",
    "python3-pymysql",
    "mariadb-server",
    "rabbitmq-server",
    "uwsgi-core",
    "uwsgi-plugin-python3",
)
POLICY_RC_D = Path("/usr/sbin/policy-rc.d")
# exit 101 = "action forbidden": invoke-rc.d then starts nothing (mariadb, rabbitmq would
# otherwise start on install, rabbitmq's epmd on 0.0.0.0)
POLICY_RC_D_TEXT = "#!/bin/sh\n# govcloud cloud: start nothing while packages install\nexit 101\n"


def missing(packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """Packages not installed (dpkg-query's status is not 'install ok installed')."""
    result = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Package} ${Status}\n", *packages],
        capture_output=True,
        text=True,
        check=False,
    )
    installed = {line.split()[0] for line in result.stdout.splitlines() if line.endswith("install ok installed")}
    return [p for p in packages if p not in installed]


def install(say: Callable[[str], None], packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """apt-get install what is missing (nothing started meanwhile); return what was installed."""
    todo = missing(packages)
    if not todo:
        return []
    if os.geteuid() != 0:
        raise CloudError(f"installing {' '.join(todo)} needs root", exit_code=2)
    say(f"  apt-get install {len(todo)} packages (with dependencies): {' '.join(todo)}")
    made_policy = not POLICY_RC_D.exists()
    if made_policy:
        POLICY_RC_D.write_text(POLICY_RC_D_TEXT)
        POLICY_RC_D.chmod(0o755)
    try:
        result = _apt("install", "-y", "-q", "--no-install-recommends", *todo)
        if result.returncode != 0:  # stale package lists are the usual cause: refresh once, try again
            say("  apt-get install failed; apt-get update and one more try")
            _apt("update", "-q")
            result = _apt("install", "-y", "-q", "--no-install-recommends", *todo)
    finally:
        if made_policy:
            POLICY_RC_D.unlink(missing_ok=True)
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-15:])
        raise CloudError(f"apt-get install failed (exit {result.returncode}):\n{tail}", exit_code=2)
    return todo


def _apt(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    return subprocess.run(["apt-get", *args], capture_output=True, text=True, env=env, check=False)

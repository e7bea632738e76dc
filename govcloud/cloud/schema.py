"""The MariaDB data folder, the databases, and each service's one-time schema setup.

Each chain of commands runs once: a marker in <state>/done records it, so `up` on a cloud
that was set up before skips straight to starting the daemons. The chains do not depend
on each other, so they run side by side (the neutron migrations alone take about a minute).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from govcloud.cloud import ports
from govcloud.cloud.config import DATABASES
from govcloud.cloud.errors import CloudError
from govcloud.cloud.services import config_args, entry, run
from govcloud.cloud.state import CloudState


def init_datadir(state: CloudState) -> bool:
    """mariadb-install-db into <state>/data/mysql once; root logs in through the socket only."""
    if (state.data / "mysql" / "mysql").is_dir():
        return False
    run(
        [
            "/usr/bin/mariadb-install-db",
            f"--defaults-file={state.etc / 'mariadb' / 'my.cnf'}",
            "--auth-root-authentication-method=socket",
            "--skip-test-db",
        ]
    )
    return True


def create_databases(state: CloudState, secrets: dict[str, str]) -> None:
    """The databases and the one account the services use, from 127.0.0.1 only (idempotent)."""
    statements = [f"CREATE DATABASE IF NOT EXISTS {db} CHARACTER SET utf8;" for db in DATABASES]
    for host in (ports.HOST, "localhost"):
        account = f"'govcloud'@'{host}'"
        statements.append(f"CREATE USER IF NOT EXISTS {account} IDENTIFIED BY '{secrets['database']}';")
        statements.append(f"ALTER USER {account} IDENTIFIED BY '{secrets['database']}';")
        statements += [f"GRANT ALL PRIVILEGES ON {db}.* TO {account};" for db in DATABASES]
    # SQL on stdin: the password never appears in a process list
    result = subprocess.run(
        ["/usr/bin/mariadb", f"--socket={state.socket}", "--user=root"],
        input="\n".join(statements),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise CloudError(f"creating the databases failed: {result.stderr.strip()}")


def chains(state: CloudState, secrets: dict[str, str]) -> dict[str, list[tuple[list[str], dict[str, str]]]]:
    """Per service, the commands (argv, extra env) that set up its schema and keys."""
    ks = config_args(state, "keystone/keystone.conf")
    nova = config_args(state, "nova/nova.conf")
    owner = ("--keystone-user", "root", "--keystone-group", "root")
    bootstrap_env = {"OS_BOOTSTRAP_PASSWORD": secrets["admin"]}
    identity = ports.KEYSTONE_URL
    return {
        "keystone": [
            (entry("keystone.cmd.manage", "keystone-manage", *ks, "db_sync"), {}),
            (entry("keystone.cmd.manage", "keystone-manage", *ks, "fernet_setup", *owner), {}),
            (entry("keystone.cmd.manage", "keystone-manage", *ks, "credential_setup", *owner), {}),
            (
                entry(
                    "keystone.cmd.manage",
                    "keystone-manage",
                    *ks,
                    "bootstrap",
                    "--bootstrap-admin-url",
                    identity,
                    "--bootstrap-internal-url",
                    identity,
                    "--bootstrap-public-url",
                    identity,
                    "--bootstrap-region-id",
                    ports.REGION,
                ),
                bootstrap_env,
            ),
        ],
        "placement": [
            (
                entry(
                    "placement.cmd.manage",
                    "placement-manage",
                    *config_args(state, "placement/placement.conf"),
                    "db",
                    "sync",
                ),
                {},
            ),
        ],
        "glance": [
            (entry("glance.cmd.manage", "glance-manage", *config_args(state, "glance/glance-api.conf"), "db_sync"), {}),
        ],
        "neutron": [
            (
                entry(
                    "neutron.db.migration.cli",
                    "neutron-db-manage",
                    *config_args(state, "neutron/neutron.conf", "neutron/ml2_conf.ini"),
                    "upgrade",
                    "heads",
                ),
                {},
            ),
        ],
        "nova": [
            (entry("nova.cmd.manage", "nova-manage", *nova, "api_db", "sync"), {}),
            # cell0's database is derived from [database] connection: nova -> nova_cell0
            (entry("nova.cmd.manage", "nova-manage", *nova, "cell_v2", "map_cell0"), {}),
            (entry("nova.cmd.manage", "nova-manage", *nova, "cell_v2", "create_cell", "--name", "cell1"), {}),
            (entry("nova.cmd.manage", "nova-manage", *nova, "db", "sync"), {}),
        ],
        "cinder": [
            (entry("cinder.cmd.manage", "cinder-manage", *config_args(state, "cinder/cinder.conf"), "db", "sync"), {}),
        ],
    }


def setup_schemas(state: CloudState, secrets: dict[str, str], say: Callable[[str], None]) -> list[str]:
    """Run every chain not done before, side by side; return the names run."""
    todo = {name: cmds for name, cmds in chains(state, secrets).items() if not state.marker(f"schema-{name}").exists()}

    def one(name: str) -> str:
        for argv, env in todo[name]:
            run(argv, env=env)
        state.marker(f"schema-{name}").write_text("done\n")
        return name

    with ThreadPoolExecutor(max_workers=max(len(todo), 1)) as pool:
        futures = [pool.submit(one, name) for name in todo]
        for future in futures:
            say(f"  schema: {future.result()} ready")
    return list(todo)

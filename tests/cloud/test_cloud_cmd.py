"""`govcloud cloud` arguments, help and the process handling, without any OpenStack service."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import govcloud.cloud_cmd  # noqa: F401  (registers `cloud` on the app)
from govcloud.cli import app
from govcloud.cloud import packages, services
from govcloud.cloud.state import CloudState


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["cloud", *args])
    return result.exit_code, result.output


def test_help_teaches_what_where_and_exit_codes() -> None:
    code, text = invoke("--help")
    assert code == 0
    flat = " ".join(text.split())
    for words in (
        "keystone",
        "neutron",
        "/var/lib/govcloud/cloud",
        "GOVCLOUD_CLOUD_STATE",
        "govcloud-local",
        "Exit codes",
    ):
        assert words in flat, words
    for command in ("up", "status", "down"):
        assert invoke(command, "--help")[0] == 0


def test_status_of_a_cloud_never_started(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GOVCLOUD_CLOUD_STATE", str(tmp_path / "nothing"))
    code, text = invoke("status")
    assert code == 1
    every = len(services.all_services(CloudState(tmp_path / "nothing")))
    assert every == 15  # MariaDB, epmd, RabbitMQ and 12 OpenStack daemons (two nova-computes)
    assert f"0/{every} up" in text


def test_up_with_a_bad_catalog_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GOVCLOUD_CLOUD_STATE", str(tmp_path / "state"))
    code, _ = invoke("up", "--catalog", str(tmp_path / "no-such-catalog"))
    assert code == 2
    assert not (tmp_path / "state").exists()  # nothing was set up


def test_unknown_option_is_a_usage_error() -> None:
    assert invoke("up", "--no-such-option")[0] == 2


def test_entry_runs_debian_python() -> None:
    argv = services.entry("nova.cmd.compute", "nova-compute", "--config-file", "x.conf")
    assert argv[0] == "/usr/bin/python3"
    assert argv[-2:] == ["--config-file", "x.conf"]


def test_commands_are_named_without_config_paths() -> None:
    argv = services.entry("nova.cmd.manage", "nova-manage", "--config-file", "/x/nova.conf", "cell_v2", "map_cell0")
    assert services.label(argv) == "nova-manage cell_v2 map_cell0"
    assert (
        services.label(["/usr/bin/mariadb-install-db", "--skip-test-db"])
        == "/usr/bin/mariadb-install-db --skip-test-db"
    )


def test_missing_packages_are_named() -> None:
    assert packages.missing(("no-such-package-govcloud",)) == ["no-such-package-govcloud"]


def test_start_and_stop_a_process_group(tmp_path: Path) -> None:
    state = CloudState(tmp_path / "cloud")
    state.make_dirs()
    # a parent with a child: stopping must take the whole group
    service = services.Service("sleeper", ["/bin/sh", "-c", "sleep 60 & sleep 60"])
    pid = services.start(state, service)
    assert services.start(state, service) == pid  # already running: not started twice
    deadline = time.monotonic() + 5
    while len(services.group_members(pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(services.group_members(pid)) >= 2
    assert services.stop_all(state, [service], timeout=5) == ["sleeper"]
    assert services.group_members(pid) == []
    assert services.running_pid(state, service) is None
    assert services.stop_all(state, [service]) == []

"""`govcloud lab verify` usage errors and probe-port choice (no lab needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

import govcloud.lab_verify_cmd  # noqa: F401  (registers `lab verify`)
from govcloud.isolation import services as sv
from govcloud.lab import podman as lab_tools
from govcloud.lab.network.verify import Place, probe_ports
from lab.helpers import CATALOG, lab_listing, run_lab


def test_missing_plan_exits_2(tmp_path: Path) -> None:
    result = run_lab("verify", "--plan", str(tmp_path / "none.json"), "--catalog", str(CATALOG))
    assert result.exit_code == 2
    assert "none.json" in result.output


def test_core_hub_must_be_a_zone(plan_file: Path) -> None:
    result = run_lab("verify", "--plan", str(plan_file), "--catalog", str(CATALOG), "--core-hub", "moon")
    assert result.exit_code == 2
    assert "not a zone" in result.output


def test_missing_nft_names_the_package(plan_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = lab_tools.shutil.which
    monkeypatch.setattr(lab_tools.shutil, "which", lambda tool: None if tool == "nft" else real(tool))
    result = run_lab("verify", "--plan", str(plan_file), "--catalog", str(CATALOG))
    assert result.exit_code == 2
    assert "apt-get install nftables" in result.output


def test_no_running_lab_exits_2(plan_file: Path, tools: None) -> None:
    if lab_listing():
        pytest.fail("lab containers exist: run `govcloud lab down` first")
    result = run_lab("verify", "--plan", str(plan_file), "--catalog", str(CATALOG))
    assert result.exit_code == 2
    assert "govcloud lab up" in result.output


def _place(endpoint: int) -> Place:
    from ipaddress import IPv4Address

    return Place(str(endpoint), str(endpoint), IPv4Address("10.0.0.1"), endpoint, "intranet", "tenant:t", [])


def test_probe_ports_take_both_ends_of_each_range_22_and_a_closed_port() -> None:
    reach = {(0, 1): sv.union(sv.of_spec("443/tcp"), sv.of_spec("8000-8080/tcp"), sv.of_spec("53/udp"))}
    assert probe_ports(reach, [(_place(0), _place(1))]) == [9, 22, 443, 8000, 8080]
    everything = {(0, 1): sv.EVERYTHING}
    assert probe_ports(everything, [(_place(0), _place(1))]) == [1, 22, 65535]  # nothing is closed

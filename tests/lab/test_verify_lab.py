"""The lab network and `govcloud lab verify` with real hosts: packets agree with the proof.

One module fixture brings five hosts up (bastion, two management hosts, one audit app and
its database) and always takes them down. Tests run in file order: the last one checks that
`lab down` leaves nothing.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

import govcloud.lab_verify_cmd  # noqa: F401  (registers `lab verify`)
from govcloud.catalog.loader import Catalog
from govcloud.isolation.intent import build_intent
from govcloud.lab import BaseImage
from govcloud.lab.lab import down
from govcloud.lab.network import names
from govcloud.lab.network.model import LabNetwork, build_lab_network
from govcloud.lab.network.realize import apply_core
from lab.helpers import CATALOG, lab_listing, run_lab, sh

HOSTS = ("mgmt-bastion", "mgmt-dns-intranet", "mgmt-ldap-1", "audit-audit-app-1", "audit-audit-db-1")


def _up(plan_file: Path) -> Result:
    args = [arg for host in HOSTS for arg in ("--host", host)]
    return run_lab("up", "--plan", str(plan_file), "--catalog", str(CATALOG), "--no-converge", *args)


def _verify(plan_file: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = run_lab("verify", "--plan", str(plan_file), "--catalog", str(CATALOG), "--format", "json", *extra)
    text = result.output
    start = text.find("\n{") + 1 if not text.startswith("{") else 0
    assert result.exit_code in (0, 1), text
    return result.exit_code, json.loads(text[start:])


def _ns(namespace: str, *command: str) -> str:
    return sh("nsenter", f"--net=/run/netns/{namespace}", *command)


def _in_container(host: str, *command: str) -> str:
    pid = sh("podman", "inspect", "--format", "{{.State.Pid}}", f"govcloud-{host}")
    return sh("nsenter", "-t", pid, "-n", *command)


def _our_tables(listing: str) -> list[str]:
    """This package's tables (`<family> govcloud`), not the control network's (`govcloud_lab_ctl`)."""
    return [line for line in listing.splitlines() if line.split()[-1:] == ["govcloud"]]


def _snapshot() -> dict[str, str]:
    """What `lab up` twice must keep the same: rulesets, addresses, routes, namespaces."""
    state = {"namespaces": sh("ip", "netns", "list"), "fabric": _ns(names.FABRIC_NS, "nft", "list", "ruleset")}
    for host in HOSTS:
        # the peer's ifindex (eth0@if12) changes with every new veth; the rest must not
        addresses = re.sub(r"@if\d+", "", _in_container(host, "ip", "-4", "-br", "addr"))
        state[host] = addresses + _in_container(host, "ip", "route") + _in_container(host, "ip", "rule")
    return state


@pytest.fixture(scope="module")
def net_lab(base_image: BaseImage, plan_file: Path) -> Iterator[Path]:
    leftovers = lab_listing()
    if leftovers:
        pytest.fail(f"lab containers exist before the test ({len(leftovers)}): run `govcloud lab down` first")
    try:
        result = _up(plan_file)
        assert result.exit_code == 0, result.output
        yield plan_file
    finally:
        down(lambda _: None)


@pytest.fixture(scope="module")
def model(net_lab: Path, sample_plan: dict[str, Any], catalog: Catalog) -> LabNetwork:
    return build_lab_network(sample_plan, build_intent(catalog), {h: f"govcloud-{h}" for h in HOSTS})


def test_up_builds_the_plans_network_outside_the_root_namespace(net_lab: Path, model: LabNetwork) -> None:
    listed = sh("ip", "netns", "list")
    for namespace in model.namespaces:
        assert namespace in listed
    assert _in_container("mgmt-bastion", "ip", "-br", "addr", "show", "eth0").split()[2] == "10.30.2.10/24"
    assert "default via 10.30.2.1 dev eth0" in _in_container("mgmt-bastion", "ip", "route")
    assert _in_container("audit-audit-db-1", "ip", "-br", "addr", "show", "eth0").split()[2] == "10.10.49.10/24"
    root_links = sh("ip", "-o", "link").split("\n")
    assert not [line for line in root_links if names.is_ours(line.split(":")[1].strip().split("@")[0])]
    assert not _our_tables(sh("nft", "list", "tables"))  # every table of ours lives in a lab namespace
    assert "table inet govcloud" in _ns(names.FABRIC_NS, "nft", "list", "tables")


def test_verify_agrees_with_the_proof(net_lab: Path) -> None:
    code, report = _verify(net_lab)
    assert code == 0, report["disagreements"][:5]
    assert report["disagreements"] == []
    assert report["attempts"] >= 150  # 6 endpoints: 30 ordered pairs x 5 ports
    assert 0 < report["expected_allowed"] < report["attempts"]
    assert report["reached"] == report["expected_allowed"]
    cells = {(c["from"], c["to"]): c for c in report["zone_cells"]}
    for cell in [("bastion", "management"), ("management", "management"), ("intranet", "intranet"),
                 ("intranet", "management"), ("management", "intranet"), ("internet", "intranet"),
                 ("internet", "management"), ("intranet", "internet"), ("bastion", "intranet")]:  # fmt: skip
        assert cell in cells, cell
    assert cells[("bastion", "management")]["expected_allowed"] > 0  # the bastion's SSH
    assert cells[("intranet", "intranet")]["expected_allowed"] > 0  # audit app -> its database
    assert cells[("intranet", "management")]["expected_allowed"] == 0  # no route without the core hub
    assert cells[("internet", "intranet")]["expected_allowed"] == 0
    tenants = {(c["from"], c["to"]) for c in report["tenant_cells"]}
    assert {("tenant:audit", "tenant:mgmt"), ("internet", "tenant:audit"), ("tenant:mgmt", "tenant:mgmt")} <= tenants


def test_verify_with_the_core_hub_opens_the_baseline_flows_and_closes_them_after(net_lab: Path) -> None:
    code, report = _verify(net_lab, "--core-hub", "management")
    assert code == 0, report["disagreements"][:5]
    cells = {(c["from"], c["to"]): c for c in report["zone_cells"]}
    assert cells[("intranet", "management")]["reached"] > 0  # DNS, time, logs, directory
    assert cells[("intranet", "management")]["disagreements"] == 0
    assert " accept" not in _ns(names.CORE_NS, "nft", "list", "ruleset")


def test_a_seeded_accept_all_in_one_ports_chain_is_reported(net_lab: Path, model: LabNetwork) -> None:
    before = _snapshot()
    ldap = next(p for p in model.ports if p.host == "mgmt-ldap-1")
    _ns(names.FABRIC_NS, "nft", "insert", "rule", "inet", "govcloud", f"eg_{ldap.outer}", "accept")
    code, report = _verify(net_lab)
    assert code == 1
    assert report["disagreements"]
    assert all(d["from"].startswith("mgmt-ldap-1") for d in report["disagreements"])
    assert {d["expected"] for d in report["disagreements"]} == {"refused"}
    # `lab up` again rebuilds the same network: same addresses and routes, the fault gone, no duplicates
    result = _up(net_lab)
    assert result.exit_code == 0, result.output
    assert _snapshot() == before


def test_a_seeded_route_between_zones_is_reported(net_lab: Path, model: LabNetwork) -> None:
    apply_core(model, "management")  # the core routes management <-> intranet, but the proof is told nothing
    try:
        code, report = _verify(net_lab)
    finally:
        apply_core(model, None)
    assert code == 1
    cells = {(d["cells"][0]) for d in report["disagreements"]}
    assert "intranet->management" in cells
    assert {d["observed"] for d in report["disagreements"]} == {"connected"}


def test_down_leaves_no_namespace_link_or_table(net_lab: Path) -> None:
    result = run_lab("down")
    assert result.exit_code == 0, result.output
    assert not [ns for ns in sh("ip", "netns", "list").split() if ns.startswith("gcl")]
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout
    assert not [line for line in links.splitlines() if names.is_ours(line.split(":")[1].strip().split("@")[0])]
    assert not _our_tables(sh("nft", "list", "tables"))
    assert lab_listing() == []

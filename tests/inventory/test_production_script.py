"""inventories/production/govcloud_inventory.py: the same groups and hosts from the real stack's outputs."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from govcloud.inventory import InventoryError, build_inventory, hosts_from_cloud, script_list
from govcloud.inventory.sources import services_from_cloud
from inventory.helpers import ROOT, SCRIPT
from inventory.views import from_script, from_yaml


def run_script(*args: str, env: dict[str, str] | None = None, direct: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the script as Ansible does (its own shebang) or with this test's Python."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("GOVCLOUD_")}
    base["PYTHONPATH"] = ""  # the script finds govcloud next to itself
    command = [str(SCRIPT), *args] if direct else [sys.executable, str(SCRIPT), *args]
    return subprocess.run(
        command, env={**base, **(env or {})}, cwd="/", capture_output=True, text=True, timeout=60, check=False
    )


def test_list_matches_the_lab_inventory(stack_output_file: Path, lab_doc: Any) -> None:
    done = run_script("--list", env={"GOVCLOUD_STACK_OUTPUT": str(stack_output_file)})
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    production, lab = from_script(doc), from_yaml(lab_doc)
    assert production.effective() == lab.effective()
    assert production.hostvars == lab.hostvars
    assert production.children == lab.children
    assert production.hosts == lab.hosts
    assert len(doc["_meta"]["hostvars"]) == len(lab.hostvars) == 68


def test_executable_with_its_shebang(stack_output_file: Path) -> None:
    assert SCRIPT.stat().st_mode & stat.S_IXUSR
    assert SCRIPT.read_text(encoding="utf-8").startswith("#!/usr/bin/env python3\n")
    # python3 on PATH is this test's interpreter: the script needs nothing beyond the standard library
    env = {"GOVCLOUD_STACK_OUTPUT": str(stack_output_file), "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    done = run_script("--host", "mgmt-bastion", env=env, direct=True)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["ansible_host"] == "10.30.2.10"
    # no site-packages at all (-S): the standard library is enough
    bare = subprocess.run(
        [sys.executable, "-S", str(SCRIPT), "--list"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bare.returncode == 0, bare.stderr


def test_host_gives_that_hosts_vars(stack_output_file: Path, lab_doc: Any) -> None:
    env = {"GOVCLOUD_STACK_OUTPUT": str(stack_output_file)}
    for name in ("data-exchange-xg-1", "mgmt-ca", "open-data-od-web-1"):
        done = run_script("--host", name, env=env)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == lab_doc["all"]["hosts"][name]
    unknown = run_script("--host", "nowhere-1", env=env)
    assert unknown.returncode == 0 and json.loads(unknown.stdout) == {}


def test_reads_the_stack_output_from_stdin(stack_output_file: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--list"],
        env={**os.environ, "GOVCLOUD_STACK_OUTPUT": "-"},
        input=stack_output_file.read_text(encoding="utf-8"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "tenant_mgmt" in json.loads(done.stdout)


def fake_pulumi(tmp_path: Path, stack_output_file: Path, exit_code: int = 0) -> Path:
    """A stand-in `pulumi` that records its arguments and working directory and prints the saved output."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "pulumi"
    tool.write_text(
        "#!/bin/sh\n"
        f'echo "$PWD $*" > "{tmp_path}/called"\n'
        + (f'cat "{stack_output_file}"\n' if exit_code == 0 else 'echo "error: no stack named prod" >&2\n')
        + f"exit {exit_code}\n",
        encoding="utf-8",
    )
    tool.chmod(0o755)
    return bin_dir


def test_runs_pulumi_stack_output_in_the_project(tmp_path: Path, stack_output_file: Path, lab_doc: Any) -> None:
    bin_dir = fake_pulumi(tmp_path, stack_output_file)
    path = f"{bin_dir}:{os.environ['PATH']}"
    done = run_script("--list", env={"PATH": path})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "called").read_text().split() == [str(ROOT), "stack", "output", "--json"]
    assert from_script(json.loads(done.stdout)).effective() == from_yaml(lab_doc).effective()
    done = run_script("--list", env={"PATH": path, "GOVCLOUD_STACK": "production"})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "called").read_text().split()[1:] == ["stack", "output", "--json", "--stack", "production"]


def test_pulumi_failures_exit_2_with_the_reason(tmp_path: Path, stack_output_file: Path) -> None:
    bin_dir = fake_pulumi(tmp_path, stack_output_file, exit_code=255)
    done = run_script("--list", env={"PATH": f"{bin_dir}:{os.environ['PATH']}", "GOVCLOUD_STACK": "prod"})
    assert done.returncode == 2 and done.stdout == ""
    assert "pulumi stack output --json --stack prod: failed: error: no stack named prod" in done.stderr
    missing = run_script("--list", env={"PATH": str(tmp_path / "empty")})
    assert missing.returncode == 2
    assert "Pulumi CLI is not installed" in missing.stderr and "GOVCLOUD_STACK_OUTPUT" in missing.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "stack output not found"),
        ("{not json", ":1: not valid JSON"),
        ('["hosts"]', "not the JSON object `pulumi stack output --json` prints"),
        ('{"projects": {}, "exitRouter": "r"}', "no `hosts` output (outputs present: exitRouter, projects)"),
        ('{"hosts": {"a-b": {"tenant": "a"}}}', "hosts.a-b.group: must be non-empty text"),
    ],
)
def test_bad_stack_output_exits_2(tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "out.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    done = run_script("--list", env={"GOVCLOUD_STACK_OUTPUT": str(path)})
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"govcloud_inventory: {path}") and message in done.stderr


def test_usage_needs_list_or_host() -> None:
    done = run_script()
    assert done.returncode == 2 and "--list" in done.stderr


def test_unknown_source_exits_2() -> None:
    done = run_script("--list", env={"GOVCLOUD_INVENTORY_SOURCE": "ldap"})
    assert done.returncode == 2 and "'ldap' is not a source (allowed: stack, cloud)" in done.stderr


def cloud_records(
    sample_plan: dict[str, Any],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Nova servers, Neutron ports and security group rules (by group), as openstacksdk's to_dict()
    gives them, for the sample plan's resources (what the cloud holds after `pulumi up`)."""
    servers, ports = [], []
    rules: dict[str, list[dict[str, Any]]] = {}
    for r in sample_plan["resources"]:
        inputs = r["inputs"]
        if r["type"] == "openstack:compute/instance:Instance":
            servers.append({"id": f"id-{inputs['name']}", "name": inputs["name"], "metadata": inputs["metadata"]})
        elif r["type"] == "openstack:networking/port:Port":
            fixed = [{"ip_address": ip["ipAddress"], "subnet_id": ip["subnetId"]} for ip in inputs.get("fixedIps", [])]
            ports.append({"name": inputs["name"], "device_id": "", "fixed_ips": fixed, "tags": inputs.get("tags", []),
                          "security_group_ids": inputs.get("securityGroupIds", [])})  # fmt: skip
        elif r["type"] == "openstack:networking/secGroupRule:SecGroupRule":
            rules.setdefault(inputs["securityGroupId"], []).append({
                "id": r["name"], "direction": inputs["direction"], "ethertype": inputs["ethertype"],
                "protocol": inputs.get("protocol"), "port_range_min": inputs.get("portRangeMin"),
                "port_range_max": inputs.get("portRangeMax"), "remote_ip_prefix": inputs.get("remoteIpPrefix"),
                "remote_group_id": None, "description": inputs.get("description"),
            })  # fmt: skip
    by_name = {s["name"]: s["id"] for s in servers}
    for port in ports:
        owner = max((n for n in by_name if port["name"].startswith(f"{n}-")), key=len, default=None)
        port["device_id"] = by_name[owner] if owner else ""
    servers.append({"id": "id-other", "name": "someone-elses-vm", "metadata": {}})
    return servers, ports, rules


def ingress_sorted(hostvars: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Host vars with each host's ingress rules in one order (the cloud has no order of rules)."""
    return {
        name: {**hv, "govcloud_ingress": sorted(hv["govcloud_ingress"], key=lambda r: json.dumps(r, sort_keys=True))}
        for name, hv in hostvars.items()
    }


def test_the_cloud_gives_the_same_inventory(sample_plan: dict[str, Any], lab_doc: Any) -> None:
    servers, ports, rules = cloud_records(sample_plan)
    hosts = hosts_from_cloud(servers, ports, rules)
    assert [h.name for h in hosts] == sorted(lab_doc["all"]["hosts"])
    gateway = next(h for h in hosts if h.name == "data-exchange-xg-1")
    assert dict(gateway.address_zones) == {"ex-side": "extranet", "in-side": "intranet"}
    view = from_script(script_list(build_inventory(hosts)))
    lab = from_yaml(lab_doc)
    assert view.effective() == lab.effective()
    assert ingress_sorted(view.hostvars) == ingress_sorted(lab.hostvars)
    assert any(hv["govcloud_ingress"] for hv in view.hostvars.values())


def test_without_the_rules_the_cloud_source_leaves_ingress_out(sample_plan: dict[str, Any]) -> None:
    # never an empty list, which would read as "open nothing": the playbook refuses such a host
    servers, ports, _ = cloud_records(sample_plan)
    view = from_script(script_list(build_inventory(hosts_from_cloud(servers, ports))))
    assert all("govcloud_ingress" not in hv for hv in view.hostvars.values())


def one_server(rule: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    server = {"id": "s1", "name": "t-x",
              "metadata": {"govcloud_tenant": "t", "govcloud_group": "g", "govcloud_role": "r", "mlps_level": "3"}}
    port = {"device_id": "s1", "name": "t-x-net", "fixed_ips": [{"ip_address": "10.10.0.5"}], "tags": ["zone:intranet"],
            "security_group_ids": ["sg1", "sg1"]}
    base = {"id": "r1", "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp", "port_range_min": 22,
            "port_range_max": 22, "remote_ip_prefix": "10.30.0.0/16", "remote_group_id": None,
            "description": "flow bastion-ssh; approval A-1"}  # fmt: skip
    egress = {**base, "id": "r2", "direction": "egress"}
    return [server], [port], {"sg1": [{**base, **rule}, egress]}


def test_a_rule_made_by_hand_keeps_its_meaning() -> None:
    # no description: still opened (it is open in the cloud), named so the firewall's comment says so
    (host,) = hosts_from_cloud(*one_server({"description": "", "remote_ip_prefix": None}))
    assert host.ingress is not None
    assert [r.as_dict() for r in host.ingress] == [
        {"flow": "undeclared", "port_max": 22, "port_min": 22, "protocol": "tcp", "source": "0.0.0.0/0"}
    ]
    (host,) = hosts_from_cloud(*one_server({}))
    assert host.ingress is not None and [r.flow for r in host.ingress] == ["bastion-ssh"]
    # the host firewall is IPv4 only, like the plan's rules: an IPv6 rule is not read (nor refused)
    (host,) = hosts_from_cloud(*one_server({"ethertype": "IPv6", "remote_group_id": "sg9"}))
    assert host.ingress == ()


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"remote_group_id": "sg9"}, "admits a remote group"),
        ({"protocol": None}, "protocol None (allowed: tcp, udp, icmp)"),
        ({"protocol": "gre"}, "protocol 'gre'"),
    ],
)
def test_a_rule_the_host_firewall_cannot_express_is_an_error(rule: dict[str, Any], message: str) -> None:
    with pytest.raises(InventoryError, match=rf"the cloud: server t-x: security group rule r1: {re.escape(message)}"):
        hosts_from_cloud(*one_server(rule))


def test_the_cloud_source_places_services_by_the_catalog(sample_plan: dict[str, Any]) -> None:
    servers, ports, rules = cloud_records(sample_plan)
    hosts = hosts_from_cloud(servers, ports, rules)
    assert services_from_cloud(hosts, ROOT / "catalog" / "platform.yaml") == sample_plan["outputs"]["services"]


def test_a_broken_platform_catalog_exits_2(tmp_path: Path) -> None:
    (tmp_path / "platform.yaml").write_text("version: 1\n", encoding="utf-8")
    with pytest.raises(InventoryError, match=r"platform.yaml: not a valid platform catalog"):
        services_from_cloud([], tmp_path / "platform.yaml")


def test_a_management_address_wins_when_the_cloud_names_it() -> None:
    server = {
        "id": "s1",
        "name": "t-x",
        "metadata": {"govcloud_tenant": "t", "govcloud_group": "g", "govcloud_role": "r", "mlps_level": "3"},
    }

    def port(network: str, ip: str, zone: str) -> dict[str, Any]:
        fixed = [{"ip_address": ip}]
        return {"device_id": "s1", "name": f"t-x-{network}", "fixed_ips": fixed, "tags": [f"zone:{zone}"]}

    # the management network sorts last: chosen for its zone, not its name
    ports = [port("a-net", "10.10.0.5", "intranet"), port("z-ops", "10.30.0.5", "management")]
    (host,) = hosts_from_cloud([server], ports)
    assert host.zones == ("intranet", "management") and host.address == "10.30.0.5"
    with pytest.raises(InventoryError, match=r"the cloud: server t-x: no ports named t-x-<network>"):
        hosts_from_cloud([server], [])

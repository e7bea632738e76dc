"""`govcloud inventory` on the sample plan: hosts, addresses, variables and groups."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from govcloud.catalog.loader import Catalog
from govcloud.catalog.model import ZoneName
from govcloud.catalog.topology import HostInstance
from govcloud.inventory import GROUP_NAME
from inventory.helpers import load_yaml, run_inventory
from inventory.views import View, from_yaml

INSTANCE = "openstack:compute/instance:Instance"
PORT = "openstack:networking/port:Port"


def expected_address(host: HostInstance) -> str:
    """From the catalog's own NIC zones: the management NIC if any, else the first network by name."""
    nics = sorted(host.nics, key=lambda n: n.network)
    managed = [n for n in nics if n.zone is ZoneName.management]
    return (managed or nics)[0].ip


def name_of(host: HostInstance) -> str:
    return f"{host.tenant}-{host.name}"


def test_every_catalog_host_once_with_its_address_and_vars(lab_text: str, lab_doc: Any, catalog: Catalog) -> None:
    view = from_yaml(lab_doc)
    topology = list(catalog.topology.all_hosts())
    assert sorted(view.hostvars) == sorted(name_of(h) for h in topology)
    assert len(topology) == len({name_of(h) for h in topology})
    for host in topology:
        # each host is defined (with its variables) exactly once, under all.hosts
        assert lab_text.count(f"\n    {name_of(host)}:\n      ansible_host:") == 1
        hv = lab_doc["all"]["hosts"][name_of(host)]
        assert hv == {
            "ansible_host": expected_address(host),
            "ansible_python_interpreter": "/usr/bin/python3",
            "govcloud_tenant": host.tenant,
            "govcloud_group": host.spec.group,
            "govcloud_role": host.spec.role,
            "govcloud_mlps_level": catalog.tenants[host.tenant].mlps_level,
            "govcloud_zones": sorted(z.value for z in host.zones),
            "govcloud_addresses": {n.network: n.ip for n in host.nics},
            "govcloud_ingress": [
                {"protocol": r.protocol, "port_min": r.port_min, "port_max": r.port_max, "source": r.remote_cidr,
                 "flow": r.flow}
                for r in catalog.topology.rules.get((host.tenant, host.spec.group), []) if r.direction == "ingress"
            ],
        }  # fmt: skip


def test_platform_services_are_all_vars(lab_doc: Any) -> None:
    services = lab_doc["all"]["vars"]["govcloud_services"]
    hosts = lab_doc["all"]["hosts"]
    assert services["time"] == sorted(hosts[h]["ansible_host"] for h in ("mgmt-ntp-1", "mgmt-ntp-2"))
    assert services["audit-log"] == [hosts["mgmt-log"]["ansible_host"]]
    assert services["bastion"] == [hosts["mgmt-bastion"]["ansible_host"]]


def test_vars_agree_with_the_plans_instances_and_ports(lab_doc: Any, sample_plan: dict[str, Any]) -> None:
    hosts = lab_doc["all"]["hosts"]
    instances = {r["inputs"]["name"]: r["inputs"] for r in sample_plan["resources"] if r["type"] == INSTANCE}
    assert set(instances) == set(hosts)
    port_ips: dict[str, set[str]] = {}
    for r in sample_plan["resources"]:
        if r["type"] == PORT:
            port_ips.setdefault(r["inputs"]["name"], set()).update(ip["ipAddress"] for ip in r["inputs"]["fixedIps"])
    for name, hv in hosts.items():
        meta = instances[name]["metadata"]
        assert (meta["govcloud_tenant"], meta["govcloud_group"], meta["govcloud_role"]) == (
            hv["govcloud_tenant"],
            hv["govcloud_group"],
            hv["govcloud_role"],
        )
        assert int(meta["mlps_level"]) == hv["govcloud_mlps_level"]
        for network, ip in hv["govcloud_addresses"].items():
            assert ip in port_ips[f"{name}-{network}"]
        assert hv["ansible_host"] in hv["govcloud_addresses"].values()


def test_the_address_choice_on_the_sample(lab_doc: Any) -> None:
    hosts = lab_doc["all"]["hosts"]
    assert hosts["mgmt-bastion"]["ansible_host"] == "10.30.2.10"  # management: its (only) management address
    # a gateway in the intranet and the extranet, no management address: first network by name (ex-side)
    assert hosts["data-exchange-xg-1"]["govcloud_zones"] == ["extranet", "intranet"]
    assert hosts["data-exchange-xg-1"]["ansible_host"] == hosts["data-exchange-xg-1"]["govcloud_addresses"]["ex-side"]


def test_groups_by_tenant_zone_level_role_and_host_group(lab_doc: Any, catalog: Catalog) -> None:
    groups = from_yaml(lab_doc).effective()
    want: dict[str, set[str]] = {}

    def add(group: str, host: str) -> None:
        want.setdefault(group.replace("-", "_"), set()).add(host)

    for host in catalog.topology.all_hosts():
        name = name_of(host)
        add(f"tenant_{host.tenant}", name)
        add(f"group_{host.tenant}_{host.spec.group}", name)
        add(f"level_{catalog.tenants[host.tenant].mlps_level}", name)
        add(f"role_{host.spec.role}", name)
        for zone in host.zones:
            add(f"zone_{zone.value}", name)
    assert groups == want
    # spot checks on the sample
    assert groups["zone_extranet"] & groups["zone_intranet"] == {"data-exchange-xg-1", "data-exchange-xg-2"}
    assert groups["level_2"] == groups["tenant_open_data"]
    assert "mgmt-bastion" in groups["role_bastion"] and "mgmt-bastion" in groups["zone_management"]
    assert groups["role_exchange_gateway"] == groups["group_data_exchange_gateway"]


def test_tenant_groups_nest_their_host_groups(lab_doc: Any) -> None:
    view = from_yaml(lab_doc)
    assert view.hosts["tenant_finance"] == set()
    assert view.children["tenant_finance"] == {"group_finance_app", "group_finance_db"}
    top = view.children["all"]
    assert all(g.split("_")[0] in {"tenant", "zone", "level", "role"} for g in top)
    assert not any(g.startswith("group_") for g in top)


def test_group_names_are_valid_ansible_names(lab_doc: Any) -> None:
    view: View = from_yaml(lab_doc)  # from_yaml asserts the structure as Ansible's yaml plugin reads it
    names = set(view.hosts) - {"all"}
    assert len(names) > 40
    assert all(GROUP_NAME.match(n) and "-" not in n for n in names)
    assert {"tenant_data_exchange", "role_certificate_authority", "group_base_data_share", "level_3"} <= names


def test_tenant_filter(plan_file: Path, tmp_path: Path, catalog: Catalog) -> None:
    out = tmp_path / "hosts.yml"
    result = run_inventory("--plan", str(plan_file), "--out", str(out), "--tenant", "mgmt", "-t", "finance")
    assert result.exit_code == 0, result.output
    view = from_yaml(load_yaml(out.read_text(encoding="utf-8")))
    want = {name_of(h) for h in catalog.topology.all_hosts() if h.tenant in {"mgmt", "finance"}}
    assert set(view.hostvars) == want
    groups = view.effective()
    assert {g for g in groups if g.startswith("tenant_")} == {"tenant_mgmt", "tenant_finance"}
    assert "zone_extranet" not in groups and "role_exchange_gateway" not in groups
    assert "tenants finance, mgmt" in out.read_text(encoding="utf-8").splitlines()[1]


def test_deterministic_bytes(plan_file: Path, tmp_path: Path, lab_text: str) -> None:
    first, second = tmp_path / "a.yml", tmp_path / "b.yml"
    for out in (first, second):
        assert run_inventory("--plan", str(plan_file), "--out", str(out)).exit_code == 0
    assert first.read_bytes() == second.read_bytes() == lab_text.encode()
    printed = run_inventory("--plan", str(plan_file), "--out", "-")
    assert printed.exit_code == 0 and printed.output == lab_text
    assert lab_text.startswith("# Ansible inventory generated by `govcloud inventory`")


def test_stack_output_gives_the_same_hosts_and_groups(stack_output_file: Path, lab_doc: Any, tmp_path: Path) -> None:
    out = tmp_path / "from-stack.yml"
    result = run_inventory("--stack-output", str(stack_output_file), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert load_yaml(out.read_text(encoding="utf-8")) == lab_doc
    piped = run_inventory("--stack-output", "-", "--out", "-", input=stack_output_file.read_text(encoding="utf-8"))
    assert piped.exit_code == 0, piped.output
    assert load_yaml(piped.output) == lab_doc

"""The live cloud in the plan's shape: type tokens, property names and references by URN."""

from __future__ import annotations

from typing import Any

from govcloud.audit.live import read_cloud
from govcloud.audit.normalize import normalize
from policies.mlps import live as lt
from policies.mlps import resources as t

from .fakes import FakeConnection, cloud


def shapes(data: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    live = read_cloud(FakeConnection(data or cloud()), "test")
    return {r["urn"].rsplit("::", 1)[-1]: r for r in normalize(live, None, exit_router="internet-exit").resources}


def urn_of(by_id: dict[str, dict[str, Any]], ident: str) -> str:
    return str(by_id[ident]["urn"])


def test_read_is_one_call_per_type() -> None:
    conn = FakeConnection(cloud())
    read_cloud(conn, "test")
    assert conn.requests == 18  # list calls; quotas and encryption are per project and per type


def test_security_group_rule_has_the_plan_property_names_and_refs() -> None:
    by_id = shapes()
    rule = by_id["rl-ssh"]
    assert rule["type"] == t.SEC_GROUP_RULE
    assert rule["inputs"] | {"liveDeclared": None} == {
        "direction": "ingress",
        "ethertype": "IPv4",
        "protocol": "tcp",
        "portRangeMin": 22,
        "portRangeMax": 22,
        "remoteIpPrefix": "10.30.2.10/32",
        "securityGroupId": "sg-fin-app",
        "description": rule["inputs"]["description"],
        "tenantId": "p-fin",
        "liveDeclared": None,
    }
    assert rule["propertyDependencies"]["securityGroupId"] == [urn_of(by_id, "sg-fin-app")]
    assert rule["propertyDependencies"]["tenantId"] == [urn_of(by_id, "p-fin")]
    assert rule["tenant"] == "fin"


def test_group_without_default_egress_is_default_deny() -> None:
    assert shapes()["sg-fin-app"]["inputs"]["deleteDefaultRules"] is True


def test_unused_default_group_and_system_projects_are_left_out() -> None:
    by_id = shapes()
    assert "sg-fin-default" not in by_id and "rl-default-egress" not in by_id
    assert "p-admin" not in by_id and "p-service" not in by_id
    assert "gov-intranet-backbone" not in {r["name"] for r in by_id.values()}  # a lookup in the plan


def test_port_links_network_subnet_and_groups() -> None:
    by_id = shapes()
    port = by_id["pt-fin-app-1"]
    assert port["inputs"]["fixedIps"] == [{"ipAddress": "10.10.16.10", "subnetId": "sn-fin-app"}]
    deps = port["propertyDependencies"]
    assert deps["networkId"] == [urn_of(by_id, "net-fin-app")]
    assert deps["fixedIps"] == [urn_of(by_id, "sn-fin-app")]
    assert deps["securityGroupIds"] == [urn_of(by_id, "sg-fin-app")]


def test_router_interface_port_becomes_an_interface() -> None:
    by_id = shapes()
    assert "pt-fin-rif" not in by_id
    interface = by_id["pt-fin-rif:sn-fin-app"]  # one interface per port and subnet
    assert interface["type"] == t.ROUTER_INTERFACE
    assert interface["propertyDependencies"]["routerId"] == [urn_of(by_id, "rt-fin")]


def test_router_gateway_is_the_backbone_id() -> None:
    router = shapes()["rt-fin"]
    assert router["inputs"]["externalNetworkId"] == "net-bb-intranet"
    assert router["inputs"]["enableSnat"] is False


def test_builtin_roles_are_lookups_custom_roles_resources() -> None:
    by_id = shapes()
    grants = [r for r in by_id.values() if r["type"] == t.ROLE_ASSIGNMENT]
    roles = {r["inputs"]["roleId"] for r in grants}
    assert "getRole-member" in roles and "r-tenant-admin" in roles
    assert by_id["r-tenant-admin"]["type"] == t.ROLE and "r-admin" not in by_id
    assert all(r["inputs"].get("projectId") == "p-fin" for r in grants)  # admin/service grants: only as GRANT
    live = read_cloud(FakeConnection(cloud()), "test")
    every = normalize(live, None, exit_router="internet-exit").resources
    assert sum(1 for r in every if r["type"] == lt.GRANT) == 7  # every grant, the cloud's own too


def test_volume_type_encryption_is_read_from_cinder() -> None:
    by_id = shapes()
    assert by_id["vt-enc"]["inputs"]["extraSpecs"]["govcloud:encrypted"] == "true"
    assert by_id["vt-std"]["inputs"]["extraSpecs"]["govcloud:encrypted"] == "false"


def test_instance_reads_image_flavor_and_port() -> None:
    by_id = shapes()
    server = by_id["srv-fin-app-1"]["inputs"]
    assert server["imageName"] == "kylin-server-v10-sp3"
    assert server["flavorName"] == "g1.small"
    assert server["liveImage"]["visibility"] == "public"
    assert by_id["srv-fin-app-1"]["propertyDependencies"]["networks"] == [urn_of(by_id, "pt-fin-app-1")]


def test_attachment_joins_volume_and_server() -> None:
    by_id = shapes()
    attach = by_id["vol-fin-data:srv-fin-app-1"]
    assert attach["type"] == t.VOLUME_ATTACH
    assert attach["propertyDependencies"]["instanceId"] == [urn_of(by_id, "srv-fin-app-1")]
    assert by_id["vol-fin-data"]["inputs"]["liveEncrypted"] is True


def test_quotas_use_the_plan_names() -> None:
    by_id = shapes()
    assert by_id["p-fin:network"]["inputs"]["floatingip"] == 0
    assert by_id["p-fin:compute"]["inputs"]["keyPairs"] == 1
    assert by_id["p-fin:volume"]["inputs"]["backupGigabytes"] == 20

"""Mutations of a plan document that seed one violation each, and readers for the proof's output."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from govcloud.isolation import Proof

ROOT = Path(__file__).resolve().parents[2]  # the Pulumi project (Pulumi.yaml, Pulumi.lab.yaml)
CATALOG = ROOT / "catalog"

Plan = dict[str, Any]
Resource = dict[str, Any]

SEC_GROUP = "openstack:networking/secGroup:SecGroup"
SEC_GROUP_RULE = "openstack:networking/secGroupRule:SecGroupRule"
ROUTER = "openstack:networking/router:Router"
PORT = "openstack:networking/port:Port"
INSTANCE = "openstack:compute/instance:Instance"
NETWORK = "openstack:networking/network:Network"
SUBNET = "openstack:networking/subnet:Subnet"


def resource(plan: Plan, type_: str, name: str) -> Resource:
    found: list[Resource] = [r for r in plan["resources"] if r["type"] == type_ and r["name"] == name]
    assert len(found) == 1, f"{len(found)} {type_} named {name}"
    return found[0]


def lookup_id(plan: Plan, network_name: str) -> str:
    (found,) = [
        entry["id"]
        for entry in plan["lookups"]
        if entry["token"].endswith("getNetwork") and entry["args"].get("name") == network_name
    ]
    return str(found)


def rule_urn(group_urn: str, name: str) -> str:
    prefix, _ = group_urn.rsplit("$openstack:networking/secGroup:SecGroup::", 1)
    return f"{prefix}${SEC_GROUP_RULE}::{name}"


def add_rule(
    group: str,
    direction: str,
    port: int,
    remote: str,
    *,
    name: str | None = None,
    description: str = "flow seeded",
    protocol: str = "tcp",
) -> Callable[[Plan], None]:
    """A SecGroupRule on the security group `<group>-sg` (e.g. 'audit-db'), linked like the program's."""
    rule_name = name or f"{group}-seeded-{direction}-{port}-{remote.replace('/', '_')}"

    def mutate(plan: Plan) -> None:
        sg = resource(plan, SEC_GROUP, f"{group}-sg")
        plan["resources"].append(
            {
                "urn": rule_urn(sg["urn"], rule_name),
                "type": SEC_GROUP_RULE,
                "name": rule_name,
                "custom": True,
                "parent": sg["parent"],
                "provider": None,
                "tenant": sg["tenant"],
                "inputs": {
                    "description": description,
                    "direction": direction,
                    "ethertype": "IPv4",
                    "portRangeMax": port,
                    "portRangeMin": port,
                    "protocol": protocol,
                    "remoteIpPrefix": remote,
                    "securityGroupId": f"{group}-sg-secgroup-id",
                },
                "dependencies": [sg["urn"]],
                "propertyDependencies": {"securityGroupId": [sg["urn"]]},
            }
        )

    return mutate


def seeded_rule_urn(plan: Plan, group: str, direction: str, port: int, remote: str) -> str:
    sg = resource(plan, SEC_GROUP, f"{group}-sg")
    return rule_urn(sg["urn"], f"{group}-seeded-{direction}-{port}-{remote.replace('/', '_')}")


def gateway_on(router: str, backbone: str) -> Callable[[Plan], None]:
    """Move a router's gateway to another backbone (by the lookup's ID, as the program writes it)."""

    def mutate(plan: Plan) -> None:
        resource(plan, ROUTER, router)["inputs"]["externalNetworkId"] = lookup_id(plan, backbone)

    return mutate


def address_of(plan: Plan, port: str) -> str:
    return str(resource(plan, PORT, port)["inputs"]["fixedIps"][0]["ipAddress"])


def extra_nic(instance: str, network: str, ip: str) -> Callable[[Plan], None]:
    """Give an instance a second port on another tenant's network `network` (e.g. 'portal-web')."""

    def mutate(plan: Plan) -> None:
        server = resource(plan, INSTANCE, instance)
        first = resource(plan, PORT, server["propertyDependencies"]["networks"][0].rsplit("::", 1)[1])
        net = resource(plan, NETWORK, f"{network}-net")
        subnet = resource(plan, SUBNET, f"{network}-subnet")
        name = f"{instance}-seeded-port"
        port = {
            **first,
            "urn": first["urn"].rsplit("::", 1)[0] + f"::{name}",
            "name": name,
            "inputs": {
                **first["inputs"],
                "name": name,
                "networkId": f"{network}-net-network-id",
                "fixedIps": [{"ipAddress": ip, "subnetId": f"{network}-subnet-subnet-id"}],
            },
            "propertyDependencies": {
                **first["propertyDependencies"],
                "networkId": [net["urn"]],
                "fixedIps": [subnet["urn"]],
            },
        }
        plan["resources"].append(port)
        server["inputs"]["networks"].append({"port": f"{name}-port-id"})
        server["propertyDependencies"]["networks"].append(port["urn"])

    return mutate


def keep_default_egress(group: str) -> Callable[[Plan], None]:
    def mutate(plan: Plan) -> None:
        resource(plan, SEC_GROUP, f"{group}-sg")["inputs"]["deleteDefaultRules"] = False

    return mutate


# -- reading the proof ------------------------------------------------------------------------
def witnesses(proof: Proof, claim: str, layer: str | None = None) -> list[dict[str, Any]]:
    found = next(w for w in proof.doc["claims"] if w["id"] == claim)["witnesses"]
    return [w for w in found if layer is None or w["layer"] == layer]


def hop_urns(witness: dict[str, Any]) -> set[str]:
    return {h["urn"] for h in witness["hops"] if h["urn"]}


def hop_names(witness: dict[str, Any]) -> list[str]:
    return [h["name"] for h in witness["hops"]]


def holding(proof: Proof) -> dict[str, bool]:
    return {c.id: c.holds for c in proof.claims}

"""A small stack that every rule finds compliant; each rule's violating fixture mutates it.

The resources have the offline plan's shape (type, name, urn, parent, inputs, dependencies,
propertyDependencies), so the fixtures exercise exactly what `govcloud check` feeds the pack.
Three tenants: `fin` (intranet, level 3), `web` (extranet, level 2, published to the
internet) and `mgmt` (the platform's tenant with the bastion), plus the platform itself.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from . import resources as t
from .facts import Facts

Res = dict[str, Any]
# A fixture edit: the base stack in, the changed stack out.
Mutation = Callable[[list[Res]], list[Res]]

FACTS = Facts(
    zones={"intranet": "10.10.0.0/16", "extranet": "10.20.0.0/16", "management": "10.30.0.0/16"},
    backbone_cidrs={"intranet": "10.10.255.0/24", "extranet": "10.20.255.0/24", "management": "10.30.255.0/24"},
    internet_zone="extranet",
    exit_router="internet-exit",
    management_tenant="mgmt",
    exchange_tenant="xchg",
    bastion_cidrs=("10.30.2.10/32",),
    approved_images=("kylin-server-v10-sp3", "debian-12"),
    domestic_images=("kylin-server-v10-sp3",),
    approved_flavors=("g1.small",),
    encrypted_volume_types=("encrypted",),
    capacity={"instances": 100, "cores": 400, "ram_mb": 819200, "volumes": 100, "gigabytes": 10000},
)
BACKBONES = {"intranet": "bb-intranet-id", "extranet": "bb-extranet-id", "management": "bb-management-id"}
INTERNET_NET = "internet-net-id"
APPROVAL = "杨管办发〔2024〕12号"


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:fixture::govcloud::{type_}::{name}"


def res(type_: str, name: str, inputs: dict[str, Any], tenant: str = "(platform)", **refs: Res) -> Res:
    """A resource; keyword args link an input to another resource (its ID and its URN)."""
    props = dict(inputs)
    prop_deps: dict[str, list[str]] = {}
    for key, target in refs.items():
        props[key] = f"{target['name']}-id"
        prop_deps[key] = [target["urn"]]
    return {
        "urn": urn(type_, name),
        "type": type_,
        "name": name,
        "custom": True,
        "parent": None,
        "provider": None,
        "tenant": tenant,
        "inputs": props,
        "dependencies": sorted({u for urns in prop_deps.values() for u in urns}),
        "propertyDependencies": prop_deps,
    }


def _platform() -> list[Res]:
    exit_router = res(
        t.ROUTER,
        "internet-exit",
        {
            "name": "internet-exit",
            "externalNetworkId": INTERNET_NET,
            "enableSnat": True,
            "tags": ["govcloud", "role:internet-exit", "zone:extranet"],
        },
    )
    exit_port = res(
        t.PORT,
        "internet-exit-backbone",
        {
            "name": "internet-exit-backbone",
            "networkId": BACKBONES["extranet"],
            "fixedIps": [{"ipAddress": "10.20.255.1"}],
        },
    )
    return [
        exit_router,
        exit_port,
        res(t.ROUTER_INTERFACE, "internet-exit-backbone-interface", {}, routerId=exit_router, portId=exit_port),
        res(t.FLAVOR, "flavor-g1.small", {"name": "g1.small", "vcpus": 1, "ram": 2048, "disk": 20, "isPublic": True}),
        res(
            t.VOLUME_TYPE, "volume-type-encrypted", {"name": "encrypted", "extraSpecs": {"govcloud:encrypted": "true"}}
        ),
        res(t.VOLUME_TYPE, "volume-type-standard", {"name": "standard", "extraSpecs": {"govcloud:encrypted": "false"}}),
        res(t.ROLE, "role-tenant-admin", {"name": "tenant-admin"}),
        res(t.ROLE, "role-auditor", {"name": "auditor"}),
        res(t.GROUP, "group-govcloud-deployers", {"name": "govcloud-deployers"}),
    ]


def _tenant(slug: str, zone: str, level: int, cidr: str, host_ip: str, rules: list[dict[str, Any]]) -> list[Res]:
    tags = ["govcloud", f"dept:{slug}", f"mlps:{level}", "sensitivity:internal", f"zone:{zone}"]
    project = res(t.PROJECT, f"{slug}-project", {"name": slug, "tags": tags}, slug)
    out = [project]
    for group, role in (
        ("admins", "tenant-admin"),
        ("members", "member"),
        ("readers", "reader"),
        ("auditors", "auditor"),
    ):
        keystone_group = res(t.GROUP, f"{slug}-{group}", {"name": f"{slug}-{group}"}, slug)
        out.append(keystone_group)
        out.append(
            res(
                t.ROLE_ASSIGNMENT,
                f"{slug}-{group}-{role}",
                {"roleId": f"getRole-{role}"},
                slug,
                groupId=keystone_group,
                projectId=project,
            )
        )
    quota = {"instances": 4, "cores": 8, "ram": 16384}
    out.append(res(t.COMPUTE_QUOTA, f"{slug}-compute-quota", quota, slug, projectId=project))
    out.append(
        res(
            t.NETWORK_QUOTA,
            f"{slug}-network-quota",
            {
                "network": 2,
                "subnet": 2,
                "port": 8,
                "router": 1,
                "securityGroup": 3,
                "securityGroupRule": 40,
                "floatingip": 0,
            },
            slug,
            projectId=project,
        )
    )
    volume_quota = {"volumes": 4, "gigabytes": 400, "snapshots": 4, "backups": 4, "backupGigabytes": 400}
    out.append(res(t.VOLUME_QUOTA, f"{slug}-volume-quota", volume_quota, slug, projectId=project))
    provider = res(
        t.PROVIDER, f"{slug}-provider", {"password": "[secret]", "authUrl": "https://keystone"}, slug, tenantId=project
    )
    keypair = res(t.KEYPAIR, f"{slug}-admin-key", {"name": f"{slug}-admin", "publicKey": "ssh-ed25519 AAAA"}, slug)
    zone_tags = ["govcloud", f"dept:{slug}", f"zone:{zone}", f"mlps:{level}"]
    router = res(
        t.ROUTER,
        f"{slug}-{zone}-router",
        {"externalNetworkId": BACKBONES[zone], "enableSnat": False, "tags": zone_tags},
        slug,
        tenantId=project,
    )
    network = res(
        t.NETWORK,
        f"{slug}-app-net",
        {"portSecurityEnabled": True, "shared": False, "tags": zone_tags},
        slug,
        tenantId=project,
    )
    base = cidr.rsplit(".", 1)[0]
    subnet = res(
        t.SUBNET,
        f"{slug}-app-subnet",
        {
            "cidr": cidr,
            "enableDhcp": True,
            "dnsNameservers": ["10.30.1.10"],
            "allocationPools": [{"start": f"{base}.2", "end": f"{base}.9"}],
            "tags": zone_tags,
        },
        slug,
        networkId=network,
        tenantId=project,
    )
    interface = res(t.ROUTER_INTERFACE, f"{slug}-app-interface", {}, slug, routerId=router, subnetId=subnet)
    sec_group = res(
        t.SEC_GROUP,
        f"{slug}-app-sg",
        {"name": f"{slug}-app", "deleteDefaultRules": True, "tags": ["govcloud", f"dept:{slug}", "group:app"]},
        slug,
        tenantId=project,
    )
    out += [provider, keypair, router, network, subnet, interface, sec_group]
    for i, rule in enumerate(rules):
        out.append(
            res(
                t.SEC_GROUP_RULE,
                f"{slug}-app-rule-{i}",
                {"ethertype": "IPv4", **rule},
                slug,
                securityGroupId=sec_group,
                tenantId=project,
            )
        )
    port = res(
        t.PORT,
        f"{slug}-app-1-app-port",
        {"fixedIps": [{"ipAddress": host_ip}], "portSecurityEnabled": True, "tags": [*zone_tags, "group:app"]},
        slug,
        networkId=network,
        tenantId=project,
    )
    port["inputs"]["securityGroupIds"] = [f"{sec_group['name']}-id"]
    port["propertyDependencies"]["securityGroupIds"] = [sec_group["urn"]]
    port["propertyDependencies"]["fixedIps"] = [subnet["urn"]]
    server_group = res(t.SERVER_GROUP, f"{slug}-app-spread", {"name": f"{slug}-app", "policies": "anti-affinity"}, slug)
    flavor = {"name": "flavor-g1.small", "urn": urn(t.FLAVOR, "flavor-g1.small")}
    instance = res(
        t.INSTANCE,
        f"{slug}-app-1",
        {
            "name": f"{slug}-app-1",
            "imageId": "getImage-kylin-server-v10-sp3",
            "metadata": {
                "govcloud_tenant": slug,
                "govcloud_group": "app",
                "govcloud_role": "app",
                "govcloud_image": "kylin-server-v10-sp3",
                "mlps_level": str(level),
            },
            "tags": ["govcloud", f"dept:{slug}", "group:app", "role:app"],
        },
        slug,
        flavorId=flavor,
        keyPair=keypair,
    )
    instance["inputs"]["keyPair"] = f"{slug}-admin"
    instance["inputs"]["networks"] = [{"port": f"{port['name']}-id"}]
    instance["inputs"]["schedulerHints"] = [{"group": f"{server_group['name']}-id"}]
    instance["propertyDependencies"]["networks"] = [port["urn"]]
    instance["propertyDependencies"]["schedulerHints"] = [server_group["urn"]]
    volume_type = "encrypted" if level >= 3 else "standard"
    volume = res(
        t.VOLUME,
        f"{slug}-app-1-data",
        {"size": 50, "volumeType": volume_type, "metadata": {"govcloud_tenant": slug, "mlps_level": str(level)}},
        slug,
    )
    attach = res(t.VOLUME_ATTACH, f"{slug}-app-1-data-attach", {}, slug, instanceId=instance, volumeId=volume)
    return [*out, port, server_group, instance, volume, attach]


def _rule(direction: str, port: int, cidr: str, flow: str, approval: str = "") -> dict[str, Any]:
    suffix = f"; approval {approval}" if approval else ""
    return {
        "direction": direction,
        "protocol": "tcp",
        "portRangeMin": port,
        "portRangeMax": port,
        "remoteIpPrefix": cidr,
        "description": f"flow {flow}{suffix}",
    }


def base_stack() -> list[Res]:
    """The compliant stack (a fresh deep copy each call: mutations never leak)."""
    bastion_ssh = _rule("ingress", 22, "10.30.2.10/32", "bastion-ssh", APPROVAL)
    fin = _tenant(
        "fin",
        "intranet",
        3,
        "10.10.16.0/24",
        "10.10.16.10",
        [
            bastion_ssh,
            _rule("ingress", 5432, "10.10.16.11/32", "app-to-db"),
            _rule("egress", 5432, "10.10.16.11/32", "app-to-db"),
        ],
    )
    web = _tenant(
        "web",
        "extranet",
        2,
        "10.20.16.0/24",
        "10.20.16.10",
        [bastion_ssh, _rule("ingress", 443, "0.0.0.0/0", "publish-web", APPROVAL)],
    )
    mgmt = _tenant(
        "mgmt",
        "management",
        3,
        "10.30.2.0/24",
        "10.30.2.10",
        [
            _rule("egress", 22, "10.10.16.10/32", "bastion-ssh", APPROVAL),
            _rule("egress", 22, "10.20.16.10/32", "bastion-ssh", APPROVAL),
        ],
    )
    return copy.deepcopy([*_platform(), *fin, *web, *mgmt])


def find(stack: list[Res], name: str) -> Res:
    return next(r for r in stack if r["name"] == name)


def chain(*mutations: Mutation) -> Mutation:
    """One mutation applying `mutations` in order."""

    def mutate(stack: list[Res]) -> list[Res]:
        for mutation in mutations:
            stack = mutation(stack)
        return stack

    return mutate


def add(build: Callable[[list[Res]], list[Res] | Res]) -> Mutation:
    """Append what `build` makes from the stack (one resource or several)."""

    def mutate(stack: list[Res]) -> list[Res]:
        made = build(stack)
        return [*stack, *(made if isinstance(made, list) else [made])]

    return mutate


def set_input(name: str, key: str, value: Any) -> Mutation:
    """A mutation: set one input of one resource of the base stack."""

    def mutate(stack: list[Res]) -> list[Res]:
        find(stack, name)["inputs"][key] = value
        return stack

    return mutate


def link(resource: Res, key: str, *targets: Res) -> Res:
    """Point input `key` of `resource` at `targets` (their IDs, and their URNs as the engine's
    propertyDependencies); one target gives a scalar input, several a list."""
    ids = [f"{t['name']}-id" for t in targets]
    resource["inputs"][key] = ids[0] if len(ids) == 1 else ids
    resource["propertyDependencies"][key] = [t["urn"] for t in targets]
    resource["dependencies"] = sorted({*resource["dependencies"], *(t["urn"] for t in targets)})
    return resource


def unlink(resource: Res, key: str) -> Res:
    """Drop input `key` and its propertyDependencies entry."""
    resource["inputs"].pop(key, None)
    resource["propertyDependencies"].pop(key, None)
    return resource


def add_tenant(
    stack: list[Res],
    slug: str,
    zone: str,
    level: int,
    cidr: str,
    host_ip: str,
    rules: list[dict[str, Any]] | None = None,
) -> list[Res]:
    """Append a whole compliant tenant built like the base ones (e.g. a second tenant in a zone)."""
    return [*stack, *copy.deepcopy(_tenant(slug, zone, level, cidr, host_ip, list(rules or [])))]

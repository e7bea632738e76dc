"""Mutations of the base stack that the network and boundary rules build their fixtures from."""

from __future__ import annotations

from typing import Any

from . import resources as t
from .fixtures import Mutation, Res, add, find, link, res


def edit(name: str, **inputs: Any) -> Mutation:
    """Set (or, with None, drop) several inputs of one resource."""

    def mutate(stack: list[Res]) -> list[Res]:
        target = find(stack, name)["inputs"]
        for key, value in inputs.items():
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value
        return stack

    return mutate


def relink(name: str, key: str, *targets: str) -> Mutation:
    """Point input `key` of resource `name` at other resources (by name)."""

    def mutate(stack: list[Res]) -> list[Res]:
        link(find(stack, name), key, *(find(stack, n) for n in targets))
        return stack

    return mutate


def retag(name: str, key: str, value: str | None) -> Mutation:
    """Replace (or, with None, drop) the `key:` tag of one resource."""

    def mutate(stack: list[Res]) -> list[Res]:
        inputs = find(stack, name)["inputs"]
        tags = [tag for tag in inputs.get("tags", []) if not tag.startswith(f"{key}:")]
        inputs["tags"] = tags if value is None else [*tags, f"{key}:{value}"]
        return stack

    return mutate


def sg_rule(
    slug: str,
    name: str,
    direction: str,
    port: int | tuple[int, int] | None,
    cidr: str | None,
    description: str,
    protocol: str | None = "tcp",
    group: str = "",
) -> Mutation:
    """Add a rule to a tenant's group (`<slug>-app-sg` unless `group` names another)."""
    low, high = port if isinstance(port, tuple) else (port, port)

    def build(stack: list[Res]) -> Res:
        inputs: dict[str, Any] = {"ethertype": "IPv4", "direction": direction, "description": description}
        if protocol is not None:
            inputs["protocol"] = protocol
        if low is not None:
            inputs |= {"portRangeMin": low, "portRangeMax": high}
        if cidr is not None:
            inputs["remoteIpPrefix"] = cidr
        return res(
            t.SEC_GROUP_RULE,
            name,
            inputs,
            slug,
            securityGroupId=find(stack, group or f"{slug}-app-sg"),
            tenantId=find(stack, f"{slug}-project"),
        )

    return add(build)


def _pool(cidr: str) -> list[dict[str, str]]:
    """Neutron's own addresses of a subnet: .2-.9 from its network address."""
    prefix, last = cidr.split("/")[0].rsplit(".", 1)
    return [{"start": f"{prefix}.{int(last) + 2}", "end": f"{prefix}.{int(last) + 9}"}]


def network(slug: str, name: str, zone: str, cidr: str, level: int = 3) -> Mutation:
    """Add a tenant network `<slug>-<name>-net` with one subnet `<slug>-<name>-subnet`, no router."""

    def build(stack: list[Res]) -> list[Res]:
        project = find(stack, f"{slug}-project")
        tags = ["govcloud", f"dept:{slug}", f"zone:{zone}", f"mlps:{level}"]
        inputs = {"portSecurityEnabled": True, "shared": False, "tags": tags}
        network = res(t.NETWORK, f"{slug}-{name}-net", inputs, slug, tenantId=project)
        subnet = res(
            t.SUBNET,
            f"{slug}-{name}-subnet",
            {
                "cidr": cidr,
                "enableDhcp": True,
                "dnsNameservers": ["10.30.1.10"],
                "allocationPools": _pool(cidr),
                "tags": tags,
            },
            slug,
            networkId=network,
            tenantId=project,
        )
        return [network, subnet]

    return add(build)


def subnet(slug: str, name: str, network: str, cidr: str) -> Mutation:
    """Add another subnet to an existing network, like the network's first subnet but for its range."""

    def build(stack: list[Res]) -> Res:
        model = find(stack, f"{slug}-{network}-subnet")
        inputs = {**model["inputs"], "cidr": cidr, "allocationPools": _pool(cidr)}
        return res(
            t.SUBNET,
            name,
            inputs,
            slug,
            networkId=find(stack, f"{slug}-{network}-net"),
            tenantId=find(stack, f"{slug}-project"),
        )

    return add(build)


def port(slug: str, name: str, network: str, ip: str, zone: str, groups: tuple[str, ...] = ()) -> Mutation:
    """Add a port on network `<slug>-<network>-net` (address from its `-subnet`), with security groups."""

    def build(stack: list[Res]) -> Res:
        port = res(
            t.PORT,
            name,
            {
                "fixedIps": [{"ipAddress": ip}],
                "portSecurityEnabled": True,
                "tags": ["govcloud", f"dept:{slug}", f"zone:{zone}", "group:app"],
            },
            slug,
            networkId=find(stack, f"{slug}-{network}-net"),
            tenantId=find(stack, f"{slug}-project"),
        )
        port["propertyDependencies"]["fixedIps"] = [find(stack, f"{slug}-{network}-subnet")["urn"]]
        if groups:
            link(port, "securityGroupIds", *(find(stack, g) for g in groups))
            port["inputs"]["securityGroupIds"] = [f"{g}-id" for g in groups]
        return port

    return add(build)


def security_group(slug: str, name: str, group: str = "app") -> Mutation:
    """Add a default-deny group with no rules."""

    def build(stack: list[Res]) -> Res:
        return res(
            t.SEC_GROUP,
            name,
            {"name": name, "deleteDefaultRules": True, "tags": ["govcloud", f"dept:{slug}", f"group:{group}"]},
            slug,
            tenantId=find(stack, f"{slug}-project"),
        )

    return add(build)


def route(name: str, router: str, destination: str, next_hop: str) -> Mutation:
    """Add a static route; `next_hop` names a router (its gateway address, computed) or is an address."""

    def build(stack: list[Res]) -> Res:
        route = res(t.ROUTER_ROUTE, name, {"destinationCidr": destination}, routerId=find(stack, router))
        if any(r["name"] == next_hop for r in stack):
            link(route, "nextHop", find(stack, next_hop))
            route["inputs"]["nextHop"] = "[computed]"
        else:
            route["inputs"]["nextHop"] = next_hop
        return route

    return add(build)

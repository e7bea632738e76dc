"""Routers, gateways and ports, read from the plan alone (zones come from the catalog)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

from stack_plan import (
    GET_NETWORK,
    GET_SUBNET,
    INSTANCE,
    INTERNET,
    NETWORK,
    PORT,
    PROJECT,
    ROUTER,
    ROUTER_INTERFACE,
    SEC_GROUP,
    SUBNET,
    PlanIndex,
    Resource,
    duplicates,
    is_platform,
    tag_values,
)

from govcloud.catalog.loader import Catalog
from govcloud.catalog.model import ZoneName


def values(node: Any) -> Iterator[Any]:
    """Every scalar inside a (nested) input value."""
    if isinstance(node, dict):
        for v in node.values():
            yield from values(v)
    elif isinstance(node, list):
        for v in node:
            yield from values(v)
    else:
        yield node


def interfaces_of(index: PlanIndex, router: Resource) -> list[Resource]:
    return [
        i for i in index.of_type(ROUTER_INTERFACE) if index.target(i["inputs"]["routerId"]) is router
    ]


def interface_zone(index: PlanIndex, interface: Resource) -> ZoneName | str:
    inputs = interface["inputs"]
    assert ("subnetId" in inputs) != ("portId" in inputs), f"{interface['name']}: subnet or port, not both"
    if "subnetId" in inputs:
        return index.subnet_id_zone(inputs["subnetId"])
    port = index.ref(interface, inputs["portId"], PORT)
    zones = {index.network_zone(port["inputs"]["networkId"])}
    zones |= {index.subnet_id_zone(f["subnetId"]) for f in port["inputs"].get("fixedIps", [])}
    assert len(zones) == 1, f"port {port['name']} spans {zones}"
    return zones.pop()


def gateway_zone(index: PlanIndex, router: Resource) -> ZoneName:
    """The zone of the router's gateway network; the internet network counts as the exit zone."""
    zone = index.network_zone(router["inputs"]["externalNetworkId"])
    return index.internet_zone() if zone == INTERNET else ZoneName(zone)


def router_zones(index: PlanIndex, router: Resource) -> set[ZoneName]:
    zones: set[ZoneName] = {gateway_zone(index, router)}
    for interface in interfaces_of(index, router):
        zone = interface_zone(index, interface)
        zones.add(index.internet_zone() if zone == INTERNET else ZoneName(zone))
    return zones


def test_every_router_has_a_gateway_and_an_interface(index: PlanIndex) -> None:
    routers = index.of_type(ROUTER)
    assert routers
    for router in routers:
        assert router["inputs"].get("externalNetworkId"), f"{router['name']} has no gateway"
        assert interfaces_of(index, router), f"{router['name']} joins no network"


def test_no_router_touches_two_zones(index: PlanIndex) -> None:
    for router in index.of_type(ROUTER):
        zones = router_zones(index, router)
        assert len(zones) == 1, f"router {router['name']} touches zones {sorted(z.value for z in zones)}"
        # the tag policies select routers by must say the same
        assert tag_values(router, "zone") == [zones.pop().value], router["name"]


def test_tenant_routers_are_one_per_tenant_and_zone(index: PlanIndex, catalog: Catalog) -> None:
    expected = Counter({(slug, n.zone) for slug, t in catalog.tenants.items() for n in t.networks})
    found = Counter(
        (r["tenant"], gateway_zone(index, r)) for r in index.of_type(ROUTER) if not is_platform(r)
    )
    assert found == expected


def test_tenant_gateways_sit_on_their_own_zone_backbone_without_snat(index: PlanIndex, catalog: Catalog) -> None:
    tenant_routers = [r for r in index.of_type(ROUTER) if not is_platform(r)]
    assert tenant_routers
    for router in tenant_routers:
        inputs = router["inputs"]
        (zone,) = router_zones(index, router)
        backbone = catalog.platform.zones[zone].backbone.network
        assert inputs["externalNetworkId"] == index.lookup_id(GET_NETWORK, backbone), (
            f"{router['name']} ({zone.value}) has its gateway off the {zone.value} backbone"
        )
        assert inputs.get("enableSnat") is False, f"{router['name']} does NAT on the backbone"
        assert index.ref(router, inputs["tenantId"], PROJECT) is index.project(router["tenant"])


def test_only_the_internet_exit_reaches_the_internet(index: PlanIndex, catalog: Catalog) -> None:
    exit_ = catalog.platform.internet_exit
    internet = index.lookup_id(GET_NETWORK, exit_.external_network)
    on_internet = [r for r in index.of_type(ROUTER) if r["inputs"].get("externalNetworkId") == internet]
    assert [(r["name"], r["inputs"]["name"]) for r in on_internet] == [(exit_.router, exit_.router)]
    (router,) = on_internet
    assert is_platform(router)

    # exactly one interface, a port on the exit zone's backbone at the declared address
    (interface,) = interfaces_of(index, router)
    port = index.ref(interface, interface["inputs"]["portId"], PORT)
    exit_backbone = catalog.platform.zones[exit_.zone].backbone
    assert exit_.zone == ZoneName.extranet
    assert port["inputs"]["networkId"] == index.lookup_id(GET_NETWORK, exit_backbone.network)
    assert port["inputs"]["fixedIps"] == [
        {"subnetId": index.lookup_id(GET_SUBNET, exit_backbone.cidr), "ipAddress": exit_.backbone_ip}
    ]

    # nothing else is plugged into the internet network
    for res in index.resources:
        if res is not router:
            assert internet not in values(res["inputs"]), f"{res['name']} references the internet network"


def test_no_intranet_router_reaches_the_extranet_backbone_or_the_internet(
    index: PlanIndex, catalog: Catalog
) -> None:
    forbidden = {
        index.lookup_id(GET_NETWORK, catalog.platform.internet_exit.external_network),
        index.lookup_id(GET_NETWORK, catalog.platform.zones[ZoneName.extranet].backbone.network),
    }
    intranet_routers = [r for r in index.of_type(ROUTER) if router_zones(index, r) == {ZoneName.intranet}]
    assert intranet_routers
    for router in intranet_routers:
        assert router["inputs"]["externalNetworkId"] not in forbidden, router["name"]
        for interface in interfaces_of(index, router):
            port_id = interface["inputs"].get("portId")
            if port_id:
                assert index.ref(interface, port_id, PORT)["inputs"]["networkId"] not in forbidden


def security_group_of(index: PlanIndex, tenant: str, group: str) -> Resource:
    found = [s for s in index.tenant_resources(SEC_GROUP, tenant) if tag_values(s, "group") == [group]]
    assert len(found) == 1, f"{tenant}/{group}: {len(found)} security groups"
    return found[0]


def test_ports_carry_the_declared_subnet_address_and_security_group(index: PlanIndex, catalog: Catalog) -> None:
    checked = 0
    for host in catalog.topology.all_hosts():
        instance = index.instance(host.tenant, host.name)
        project = index.project(host.tenant)
        group = security_group_of(index, host.tenant, host.spec.group)
        networks = instance["inputs"]["networks"]
        assert len(networks) == len(host.nics) == len(host.spec.nics), instance["name"]
        for nic, attachment in zip(host.nics, networks, strict=True):
            assert set(attachment) == {"port"}, f"{instance['name']}: attach through ports only"
            port = index.ref(instance, attachment["port"], PORT)
            subnet = index.tenant_subnet(host.tenant, nic.network)
            inputs = port["inputs"]
            (fixed,) = inputs["fixedIps"]
            assert set(fixed) == {"subnetId", "ipAddress"}, port["name"]
            assert index.ref(port, fixed["subnetId"], SUBNET) is subnet, f"{port['name']} is on another subnet"
            assert fixed["ipAddress"] == nic.ip, port["name"]
            assert index.ref(port, inputs["networkId"], NETWORK) is index.target(subnet["inputs"]["networkId"])
            assert [index.ref(port, g, SEC_GROUP) for g in inputs["securityGroupIds"]] == [group], port["name"]
            assert inputs["portSecurityEnabled"] is True
            assert index.ref(port, inputs["tenantId"], PROJECT) is project
            assert tag_values(port, "zone") == [nic.zone.value]
            checked += 1
    assert checked == sum(len(h.nics) for h in catalog.topology.all_hosts()) > 0


def test_instances_use_only_their_own_ports(index: PlanIndex) -> None:
    owners: dict[str, list[str]] = defaultdict(list)
    for instance in index.of_type(INSTANCE):
        for attachment in instance["inputs"]["networks"]:
            port = index.ref(instance, attachment["port"], PORT)
            owners[port["urn"]].append(instance["name"])
            assert port["parent"] == instance["parent"], f"{instance['name']} uses {port['name']} of another host"
            assert port["tenant"] == instance["tenant"]
    assert not {u: o for u, o in owners.items() if len(o) > 1}, "ports shared by instances"
    loose = [p["name"] for p in index.of_type(PORT) if p["urn"] not in owners and not is_platform(p)]
    assert not loose, f"tenant ports no instance uses: {loose}"
    assert not duplicates([p["inputs"]["name"] for p in index.of_type(PORT)])


ROUTER_ROUTE = "openstack:networking/routerRoute:RouterRoute"


def test_exit_router_routes_back_to_every_extranet_subnet(index: PlanIndex, catalog: Catalog) -> None:
    """Tenant routers do no SNAT, so the exit router needs a route to each extranet subnet,
    through that tenant's own extranet router, and to nothing else."""
    exit_name = catalog.platform.internet_exit.router
    exit_zone = catalog.platform.internet_exit.zone
    routes = index.of_type(ROUTER_ROUTE)
    expected = {
        (slug, net.cidr)
        for slug, tenant in catalog.tenants.items()
        for net in tenant.networks
        if net.zone == exit_zone
    }
    found = set()
    for route in routes:
        router = index.ref(route, route["inputs"]["routerId"], ROUTER)
        assert router["name"] == exit_name
        found.add((route["tenant"], route["inputs"]["destinationCidr"]))
        zone_tag = f"zone:{exit_zone.value}"
        own_router = next(r for r in index.tenant_resources(ROUTER, route["tenant"]) if zone_tag in r["inputs"]["tags"])
        assert own_router["urn"] in route["dependencies"], "next hop must come from the tenant's own router"
    assert found == expected
    assert len(routes) == len(expected)


def test_neutron_only_hands_out_addresses_below_the_hosts(index: PlanIndex) -> None:
    """DHCP and other Neutron ports take .2-.9; host addresses (.10 up) never collide with them."""
    for subnet in index.of_type(SUBNET):
        pools = subnet["inputs"]["allocationPools"]
        base = subnet["inputs"]["cidr"].rsplit(".", 1)[0]
        assert pools == [{"end": f"{base}.9", "start": f"{base}.2"}], subnet["name"]
    for port in index.of_type(PORT):
        for fixed in port["inputs"]["fixedIps"]:
            if not is_platform(port):
                assert int(fixed["ipAddress"].rsplit(".", 1)[1]) >= 10, port["name"]

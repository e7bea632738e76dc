"""Tenant networks (安全通信网络): networks, subnets, ports, the address plan, dual homing."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, Severity

from . import resources as t
from .facts import Facts
from .fixtures import FACTS, Mutation, Res, add_tenant, chain, find
from .network_edits import edit, network, port, relink, retag, security_group
from .network_edits import subnet as add_subnet
from .resources import Resource
from .rule import Rule
from .topology import EXCHANGE_ROLE, MANAGEMENT, Finding, Stack, as_list, net, over_stack

FIRST_HOST_OFFSET = 10  # hosts take fixed addresses from .10; Neutron's own ports .2-.9


# -- subnets ----------------------------------------------------------------------------------


def _dhcp(subnet: Resource) -> bool:
    return subnet.get("enableDhcp") is not False


def _resolvers(subnet: Resource, facts: Facts) -> list[str]:
    if not _dhcp(subnet):
        return []
    servers = [str(s) for s in as_list(subnet.get("dnsNameservers"))]
    if not servers:
        return ["subnet hands out no DNS resolver: hosts would fall back to whatever they are given"]
    supernet = net(facts.zones.get(MANAGEMENT))
    return [
        f"resolver {server} is not one of the platform's resolvers in the {MANAGEMENT} zone ({supernet})"
        for server in servers
        if supernet is not None and ((ip := net(server)) is None or not ip.subnet_of(supernet))
    ]


def _pools(subnet: Resource, facts: Facts) -> list[str]:
    cidr = net(subnet.get("cidr"))
    if cidr is None or not _dhcp(subnet):
        return []
    pools = [p for p in as_list(subnet.get("allocationPools")) if isinstance(p, dict)]
    if not pools:
        return [f"DHCP is on with no allocation pool: Neutron would hand out all of {cidr}, hosts' addresses too"]
    first, last = cidr.network_address + 2, cidr.network_address + FIRST_HOST_OFFSET - 1
    out = []
    for pool in pools:
        try:
            start, end = ipaddress.IPv4Address(pool.get("start")), ipaddress.IPv4Address(pool.get("end"))
        except ValueError:
            out.append(f"allocation pool {pool} is not a pair of IPv4 addresses")
            continue
        if start < first or end > last:
            out.append(f"allocation pool {start}-{end} leaves {first}-{last}, Neutron's own addresses")
    return out


def _gateway(subnet: Resource, facts: Facts) -> list[str]:
    cidr, gateway = net(subnet.get("cidr")), subnet.get("gatewayIp")
    if cidr is None or not gateway or subnet.get("noGateway") is True:
        return []
    try:
        address = ipaddress.IPv4Address(gateway)
    except ValueError:
        return [f"gateway {gateway} is not an IPv4 address"]
    if address not in cidr or address in (cidr.network_address, cidr.broadcast_address):
        return [f"gateway {gateway} is not a host address of {cidr}"]
    return []


def _address_plan(subnet: Resource, facts: Facts) -> list[str]:
    if subnet.get("ipVersion") not in (None, 4):
        return [f"subnet is IPv{subnet.get('ipVersion')}; the address plan is IPv4 only"]
    cidr = net(subnet.get("cidr"))
    if cidr is None:
        return [f"subnet CIDR {subnet.get('cidr')} is not an IPv4 network"]
    zone = subnet.tag("zone") or facts.zone_of_cidr(str(cidr))
    supernet = net(facts.zones.get(zone or ""))
    out = []
    if supernet is None:
        out.append(f"subnet {cidr} lies in no zone's address range ({', '.join(facts.zones.values())})")
    elif not cidr.subnet_of(supernet):
        out.append(f"subnet {cidr} of zone {zone} lies outside the zone's range {supernet}")
    for backbone_zone, backbone in facts.backbone_cidrs.items():
        if (b := net(backbone)) is not None and cidr.overlaps(b):
            out.append(f"subnet {cidr} overlaps the {backbone_zone} backbone {b}")
    return out


@over_stack
def _overlaps(s: Stack) -> Iterator[Finding]:
    seen: list[tuple[ipaddress.IPv4Network, Resource]] = []
    for cidr, subnet in s.subnets:
        for other_cidr, other in seen:
            if cidr.overlaps(other_cidr):
                yield f"subnet {subnet.name} ({cidr}) overlaps subnet {other.name} ({other_cidr})", subnet.urn
        seen.append((cidr, subnet))


# -- networks and ports -----------------------------------------------------------------------


def _not_shared(network_: Resource, facts: Facts) -> list[str]:
    out = []
    if network_.get("shared") is True:
        out.append("tenant network is shared with every other project")
    if network_.get("external") is True:
        out.append("tenant network is external: other routers could take a gateway on it")
    return out


def _port_security(resource: Resource, facts: Facts) -> list[str]:
    if resource.get("portSecurityEnabled") is False:
        return [f"port security is off on {resource.name}: no security group or anti-spoofing applies"]
    return []


@over_stack
def _ports_have_groups(s: Stack) -> Iterator[Finding]:
    for port_ in s.of(t.PORT):
        if port_.urn in s.router_ports:
            continue
        groups = port_.refs.get("securityGroupIds") or as_list(port_.get("securityGroupIds"))
        if port_.get("noSecurityGroups") is True or not groups:
            yield f"port {port_.name} has no security group: nothing filters its traffic", port_.urn


@over_stack
def _ports_on_their_subnet(s: Stack) -> Iterator[Finding]:
    subnets_of: dict[str, list[tuple[ipaddress.IPv4Network, Resource]]] = {}
    for cidr, subnet in s.subnets:
        if subnet.ref("networkId"):
            subnets_of.setdefault(str(subnet.ref("networkId")), []).append((cidr, subnet))
    for port_ in s.of(t.PORT):
        network_ = s.target(port_, "networkId")
        if network_ is None:
            continue
        own = subnets_of.get(network_.urn, [])
        for subnet in s.targets(port_, "fixedIps"):
            if subnet.type == t.SUBNET and subnet.ref("networkId") != network_.urn:
                yield f"port {port_.name} takes an address on {subnet.name}, not a subnet of {network_.name}", port_.urn
        for address in s.addresses(port_):
            ip = net(address)
            if ip is not None and not any(ip.subnet_of(cidr) for cidr, _ in own):
                yield f"port {port_.name} address {address} is on no subnet of its network {network_.name}", port_.urn
        if port_.tag("zone") and network_.tag("zone") and port_.tag("zone") != network_.tag("zone"):
            yield (
                f"port {port_.name} is tagged zone {port_.tag('zone')} on network {network_.name} of zone "
                f"{network_.tag('zone')}",
                port_.urn,
            )


@over_stack
def _one_tenant_per_port(s: Stack) -> Iterator[Finding]:
    for port_ in s.of(t.PORT):
        network_ = s.target(port_, "networkId")
        if network_ is None or port_.urn in s.router_ports:
            continue
        owner = s.tenant(port_)
        parts = [network_, *s.targets(port_, "fixedIps"), *s.targets(port_, "securityGroupIds")]
        for part in parts:
            other = s.tenant(part)
            if owner and other and other != owner:
                yield f"port {port_.name} of tenant {owner} uses {part.name} of tenant {other}", port_.urn
    for subnet in s.of(t.SUBNET):
        network_ = s.target(subnet, "networkId")
        if network_ is not None and s.tenant(subnet) != s.tenant(network_):
            yield (
                f"subnet {subnet.name} of tenant {s.tenant(subnet)} is on network {network_.name} of tenant "
                f"{s.tenant(network_)}",
                subnet.urn,
            )


def _address_pairs(port_: Resource, facts: Facts) -> list[str]:
    pairs = [p for p in as_list(port_.get("allowedAddressPairs")) if isinstance(p, dict)]
    if not pairs:
        return []
    gateway = port_.tag("dept") == facts.exchange_tenant and port_.tag("role") == EXCHANGE_ROLE
    out = []
    for pair in pairs:
        prefix = net(pair.get("ipAddress"))
        if not gateway:
            out.append(
                f"allowed address pair {pair.get('ipAddress')}: only {facts.exchange_tenant}'s "
                f"{EXCHANGE_ROLE} ports may carry other addresses"
            )
        elif prefix is None or prefix.prefixlen < 24:
            out.append(f"allowed address pair {pair.get('ipAddress')} is wider than a /24")
    return out


@over_stack
def _dual_homing(s: Stack) -> Iterator[Finding]:
    internal = {z for z in s.facts.zones if z not in (MANAGEMENT, s.facts.internet_zone)}
    exchange_zones = {*internal, s.facts.internet_zone}
    for instance in s.of(t.INSTANCE):
        ports = s.targets(instance, "networks")
        zones = {z for p in ports if (z := s.zone_of(p))}
        if len(zones) < 2:
            continue
        metadata = instance.get("metadata")
        meta = metadata if isinstance(metadata, dict) else {}
        tenant = instance.tag("dept") or meta.get("govcloud_tenant") or s.tenant(ports[0])
        role = instance.tag("role") or meta.get("govcloud_role")
        named = ", ".join(sorted(zones))
        if tenant != s.facts.exchange_tenant or role != EXCHANGE_ROLE:
            yield (
                f"instance {instance.name} ({tenant}, role {role}) has ports in {named}; only "
                f"{s.facts.exchange_tenant}'s {EXCHANGE_ROLE} hosts join two zones",
                instance.urn,
            )
        elif zones != exchange_zones:
            yield (
                f"exchange gateway {instance.name} joins {named}; gateways join the intranet and extranet",
                instance.urn,
            )


def _dual_home(slug: str, cidr: str, ip: str) -> Mutation:
    """Give `<slug>-app-1` a second port, on a new extranet network with its own group."""

    def mutate(stack: list[Res]) -> list[Res]:
        stack = chain(
            network(slug, "ex", "extranet", cidr),
            security_group(slug, f"{slug}-ex-sg"),
            port(slug, f"{slug}-app-1-ex-port", "ex", ip, "extranet", (f"{slug}-ex-sg",)),
        )(stack)
        instance = find(stack, f"{slug}-app-1")
        extra = find(stack, f"{slug}-app-1-ex-port")
        instance["inputs"]["networks"].append({"port": f"{extra['name']}-id"})
        instance["propertyDependencies"]["networks"].append(extra["urn"])
        return stack

    return mutate


def _exchange_gateway(stack: list[Res]) -> list[Res]:
    """A tenant named as the platform's exchange tenant whose host is an exchange gateway in two zones."""
    slug = FACTS.exchange_tenant
    stack = add_tenant(stack, slug, "intranet", 3, "10.10.96.0/24", "10.10.96.10")
    stack = _dual_home(slug, "10.20.96.0/24", "10.20.96.10")(stack)
    find(stack, f"{slug}-project")["inputs"]["tags"].append("zone:extranet")
    instance = find(stack, f"{slug}-app-1")
    instance["inputs"]["metadata"]["govcloud_role"] = EXCHANGE_ROLE
    stack = retag(f"{slug}-app-1", "role", EXCHANGE_ROLE)(stack)
    for name in (f"{slug}-app-1-app-port", f"{slug}-app-1-ex-port"):
        stack = retag(name, "role", EXCHANGE_ROLE)(stack)
    return stack


@over_stack
def _interfaces_own_tenant(s: Stack) -> Iterator[Finding]:
    for interface in s.of(t.ROUTER_INTERFACE):
        router, subnet = s.target(interface, "routerId"), s.target(interface, "subnetId")
        if router is None or subnet is None or s.is_exit(router):
            continue  # the exit router: GC-NET-08
        if s.tenant(router) != s.tenant(subnet):
            yield (
                f"router {router.name} of tenant {s.tenant(router)} joins subnet {subnet.name} of tenant "
                f"{s.tenant(subnet)}; tenants' networks meet only through declared flows",
                interface.urn,
            )


@over_stack
def _ownership(s: Stack) -> Iterator[Finding]:
    for resource in s.of(t.ROUTER, t.NETWORK, t.SUBNET, t.PORT):
        if (resource.type == t.ROUTER and s.is_exit(resource)) or resource.urn in s.router_ports:
            continue  # the platform's exit router and router-owned ports
        missing = [key for key in ("dept", "zone") if not resource.tag(key)]
        if not s.has_tenant(resource):
            missing.append("tenantId")
        if missing:
            yield (
                f"{resource.name} lacks {', '.join(missing)}: every tenant resource has an owner and a zone",
                resource.urn,
            )
            continue
        project = s.target(resource, "tenantId")
        owner = project.tag("dept") if project is not None else None
        if owner and resource.tag("dept") != owner:
            yield f"{resource.name} is tagged dept:{resource.tag('dept')} but belongs to tenant {owner}", resource.urn


ADDRESS_PLAN = ("L3-CNS-01",)
TENANTS = ("L3-CNS-04", "L3-CLD-03")

RULES = [
    Rule(
        id="GC-NET-13",
        title_zh="子网下发平台DNS解析服务器",
        title_en="Subnets hand out the platform's resolvers",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-05", "L3-CNS-01"),
        rationale="Name resolution is a baseline service of the management zone; the intranet resolver never "
        "forwards outside the platform. A subnet handing out a public or foreign resolver gives hosts an "
        "unauthorised path out (and a channel for exfiltration).",
        remediation="Set dns_nameservers to the zone's resolvers (platform.yaml dns_resolvers).",
        resource_types=(t.SUBNET,),
        check=_resolvers,
        violate=edit("fin-app-subnet", dnsNameservers=["114.114.114.114"]),
    ),
    Rule(
        id="GC-NET-14",
        title_zh="DHCP地址池仅限 .2-.9",
        title_en="DHCP pools stay below the hosts' fixed addresses",
        severity=Severity.LOW,
        enforcement=EnforcementLevel.ADVISORY,
        controls=ADDRESS_PLAN,
        rationale="Hosts take fixed addresses from .10 up; the flows and security-group rules name those "
        "addresses. A pool reaching into them lets Neutron give a host's address to another port.",
        remediation="Limit allocation pools to .2-.9 of each subnet (govcloud's service_pool).",
        resource_types=(t.SUBNET,),
        check=_pools,
        violate=edit("fin-app-subnet", allocationPools=[{"start": "10.10.16.2", "end": "10.10.16.200"}]),
    ),
    Rule(
        id="GC-NET-15",
        title_zh="子网网关位于本子网内",
        title_en="A subnet's gateway lies inside the subnet",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CNS-01", "L3-ABD-06"),
        rationale="A gateway outside the subnet sends hosts' traffic to an address the tenant router does not "
        "own, around the virtual network's boundary.",
        remediation="Leave gateway_ip to Neutron (the subnet's first address) or set a host address of the subnet.",
        resource_types=(t.SUBNET,),
        check=_gateway,
        violate=edit("fin-app-subnet", gatewayIp="10.10.17.1"),
    ),
    Rule(
        id="GC-NET-16",
        title_zh="子网符合区域地址规划",
        title_en="Subnets follow the zones' IPv4 address plan",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=(*ADDRESS_PLAN, "L3-CNS-02"),
        rationale="Zones are told apart by address: every boundary rule and every audit reads a zone from its "
        "supernet. A subnet outside its zone's range, on a backbone's range, or IPv6 (not in the plan) "
        "escapes those rules.",
        remediation="Take the subnet from the zone's supernet (platform.yaml zones.<zone>.supernet), IPv4 only.",
        resource_types=(t.SUBNET,),
        check=_address_plan,
        violate=add_subnet("fin", "fin-stray-subnet", "app", "192.168.1.0/24"),
    ),
    Rule(
        id="GC-NET-17",
        title_zh="子网地址不得重叠",
        title_en="Subnets do not overlap",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=(*ADDRESS_PLAN, "L3-CNS-04"),
        rationale="Overlapping subnets make an address name two hosts: a rule written for one tenant's host "
        "admits another's, and audit records become ambiguous.",
        remediation="Give each subnet its own range from the zone's address plan.",
        stack_check=_overlaps,
        violate=add_subnet("fin", "fin-overlap-subnet", "app", "10.10.16.128/25"),
    ),
    Rule(
        id="GC-NET-18",
        title_zh="租户网络不得共享或设为外部网络",
        title_en="Tenant networks are neither shared nor external",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=TENANTS,
        rationale="A shared network lets every project plug ports into it; an external one lets any router "
        "take a gateway on it. Either joins tenants' virtual networks outside any rule.",
        remediation="Create tenant networks with shared=False and without external.",
        resource_types=(t.NETWORK,),
        check=_not_shared,
        violate=edit("fin-app-net", shared=True),
    ),
    Rule(
        id="GC-NET-19",
        title_zh="网络和端口开启端口安全",
        title_en="Port security stays on for networks and ports",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-06", "L3-ABD-02"),
        rationale="Without port security Neutron applies neither security groups nor anti-spoofing: the port "
        "sends and receives anything.",
        remediation="Leave port_security_enabled=True on networks and ports.",
        resource_types=(t.NETWORK, t.PORT),
        check=_port_security,
        violate=edit("fin-app-net", portSecurityEnabled=False),
    ),
    Rule(
        id="GC-NET-20",
        title_zh="主机端口必须绑定安全组",
        title_en="Every host port has a security group",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-06", "L3-ABD-02"),
        rationale="A port without security groups is filtered by nothing at the virtual network boundary.",
        remediation="Attach the host group's security group (router-owned ports are exempt).",
        stack_check=_ports_have_groups,
        violate=port("fin", "fin-app-2-app-port", "app", "10.10.16.12", "intranet"),
    ),
    Rule(
        id="GC-NET-21",
        title_zh="端口地址位于所属网络的子网内",
        title_en="A port's addresses are on its own network's subnets, in its zone",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CNS-01", "L3-ABD-04"),
        rationale="Rules and flows name hosts by address. A port whose address is not on its network's subnet, "
        "or that is tagged with another zone, is not where the rules think it is.",
        remediation="Take the port's fixed address from a subnet of its network; tag it with the network's zone.",
        stack_check=_ports_on_their_subnet,
        violate=edit("fin-app-1-app-port", fixedIps=[{"ipAddress": "10.10.17.10"}]),
    ),
    Rule(
        id="GC-NET-22",
        title_zh="端口与其网络、子网、安全组属于同一租户",
        title_en="A port, its network, subnets and security groups belong to one tenant",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=TENANTS,
        rationale="A port of one tenant on another's network (or under another's security group) bridges the "
        "two tenants' virtual networks and splits who controls the boundary.",
        remediation="Create the port in the network owner's project, with that project's security groups.",
        stack_check=_one_tenant_per_port,
        violate=chain(
            relink("fin-app-1-app-port", "tenantId", "web-project"), retag("fin-app-1-app-port", "dept", "web")
        ),
    ),
    Rule(
        id="GC-NET-23",
        title_zh="仅数据交换网关端口可配置允许地址对",
        title_en="No allowed address pairs except on exchange gateways",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-06", "L3-ABD-04"),
        rationale="Allowed address pairs let a port send from addresses not its own, defeating anti-spoofing "
        "and the address-based rules. Only the exchange gateways (which may float a service address) "
        "carry them, and never wider than a /24.",
        remediation="Remove allowed_address_pairs; give the host its own fixed address.",
        resource_types=(t.PORT,),
        check=_address_pairs,
        violate=edit("fin-app-1-app-port", allowedAddressPairs=[{"ipAddress": "10.10.16.0/24"}]),
        comply=chain(
            _exchange_gateway,
            edit(f"{FACTS.exchange_tenant}-app-1-app-port", allowedAddressPairs=[{"ipAddress": "10.10.96.100/32"}]),
        ),
    ),
    Rule(
        id="GC-NET-24",
        title_zh="仅数据交换网关可跨区双归属",
        title_en="Only exchange gateways are dual-homed",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CNS-02", "L3-ABD-01", "L3-ABD-07"),
        rationale="A host with ports in two zones joins them. The data-exchange platform's gateway hosts are "
        "the one sanctioned crossing between the intranet and the extranet; no other host, and no gateway "
        "into the management zone.",
        remediation="Give the host ports in one zone; move cross-zone data through the exchange platform.",
        stack_check=_dual_homing,
        violate=_dual_home("fin", "10.20.17.0/24", "10.20.17.10"),
        comply=_exchange_gateway,
    ),
    Rule(
        id="GC-NET-25",
        title_zh="路由器接口仅连接本租户子网",
        title_en="A tenant router joins only its own tenant's subnets",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CNS-04", "L3-ABD-07"),
        rationale="Tenants' virtual networks are isolated from each other; a router joining two tenants' "
        "subnets routes between them without any boundary rule.",
        remediation="Plug each subnet into its own tenant's router; declare cross-tenant flows with approval.",
        stack_check=_interfaces_own_tenant,
        violate=chain(
            relink("web-extranet-router", "tenantId", "fin-project"), retag("web-extranet-router", "dept", "fin")
        ),
    ),
    Rule(
        id="GC-NET-26",
        title_zh="网络资源归属明确并标注部门与区域",
        title_en="Routers, networks, subnets and ports have an owner, a dept and a zone",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-03", "L3-CNS-01"),
        rationale="Every rule that reasons about zones and tenants reads them from the owning project and the "
        "dept:/zone: tags. An unowned or untagged resource is invisible to those rules and to audits.",
        remediation="Create the resource in the tenant's project with the govcloud, dept:<slug> and zone:<zone> tags.",
        stack_check=_ownership,
        violate=retag("fin-app-net", "zone", None),
    ),
]

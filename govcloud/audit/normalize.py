"""The live cloud in the offline plan's shape, so the pack's own rules judge it unchanged.

Each live object becomes a plan resource record (type token, name, urn, inputs with the
Pulumi provider's property names, propertyDependencies). Rules link resources only through
propertyDependencies (URNs), so every ID reference is turned into the URN of the live object
it names: a port's networkId refers to its network, a rule's securityGroupId to its group.

What the plan shows as a lookup stays a bare value, as in the plan: the backbone networks
(routers' externalNetworkId), Keystone's own roles (`getRole-<name>`, the offline plan's
lookup form, which the identity rules read a role's name from).

Facts only the live cloud has ride along in `live*` inputs that no plan rule reads
(liveDeclared, liveEncrypted, liveImage...), for the live-only rules (policies/mlps/live.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from govcloud.audit.declared import Declared
from govcloud.audit.live import LiveCloud, Raw, audited
from policies.mlps import live as lt
from policies.mlps import resources as t
from policies.mlps.tenancy import USER

# Roles keystone-manage bootstrap creates: the plan looks them up by name, never defines them.
BUILTIN_ROLES = frozenset({"admin", "member", "reader", "service"})
SERVICE_ROLE = "service"
DEFAULT_GROUP = "default"  # the security group Neutron gives every project
# Ports Neutron owns (router interfaces and gateways, DHCP, floating IPs): not host ports.
NETWORK_OWNED = "network:"
ROUTER_INTERFACE_OWNERS = frozenset({"network:router_interface", "network:router_interface_distributed"})


@dataclass
class Shapes:
    """The normalized resources and, per URN, what the live object is (for the findings)."""

    resources: list[dict[str, Any]] = field(default_factory=list)
    origin: dict[str, dict[str, str]] = field(default_factory=dict)  # urn -> type, id, name, project


def urn(cloud: str, type_: str, ident: str) -> str:
    return f"urn:govcloud:live:{cloud}::{type_}::{ident}"


def _clean(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs without the unset ones: the plan omits what the program does not set."""
    return {k: v for k, v in inputs.items() if v is not None and v != []}


class _Builder:
    def __init__(self, live: LiveCloud, declared: Declared | None, operators: Iterable[str]) -> None:
        self.live, self.declared, self.cloud = live, declared, live.cloud
        self.shapes = Shapes()
        self.operators = frozenset(operators)
        self.projects = {p["id"]: p for p in live.projects}
        self.scope = {pid for pid, p in self.projects.items() if audited(p)}
        self.urns: dict[tuple[str, str], str] = {}
        self.exit_router_ids: set[str] = set()  # (type, live id) -> urn of an emitted resource

    # -- helpers --------------------------------------------------------------------------------

    def project_name(self, project_id: str | None) -> str:
        project = self.projects.get(project_id or "")
        return str(project["name"]) if project else ""

    def ref(self, type_: str, ident: str | None) -> str | None:
        return self.urns.get((type_, ident)) if ident else None

    def emit(
        self,
        type_: str,
        ident: str,
        name: str,
        inputs: Mapping[str, Any],
        project_id: str | None = None,
        refs: Mapping[str, Iterable[str | None]] | None = None,
    ) -> str:
        resource_urn = urn(self.cloud, type_, ident)
        deps = {k: [u for u in v if u] for k, v in (refs or {}).items()}
        deps = {k: v for k, v in deps.items() if v}
        project = self.project_name(project_id)
        self.shapes.resources.append(
            {
                "urn": resource_urn,
                "type": type_,
                "name": name or ident,
                "custom": True,
                "parent": None,
                "provider": None,
                "tenant": project or "(platform)",
                "inputs": _clean(inputs),
                "dependencies": sorted({u for v in deps.values() for u in v}),
                "propertyDependencies": deps,
            }
        )
        self.shapes.origin[resource_urn] = {"type": type_, "id": ident, "name": name or ident, "project": project}
        self.urns[(type_, ident)] = resource_urn
        return resource_urn

    def in_scope(self, raw: Raw) -> bool:
        return (raw.get("project_id") or raw.get("tenant_id")) in self.scope

    def tenant_ref(self, raw: Raw) -> dict[str, list[str | None]]:
        return {"tenantId": [self.ref(t.PROJECT, raw.get("project_id") or raw.get("tenant_id"))]}

    # -- identity -------------------------------------------------------------------------------

    def identity(self) -> None:
        for p in self.live.projects:
            if p["id"] in self.scope:
                inputs = {"name": p.get("name"), "description": p.get("description"), "tags": p.get("tags") or []}
                self.emit(t.PROJECT, p["id"], str(p.get("name")), inputs, p["id"])
        service_users = {
            (a.get("user") or {}).get("id") for a in self.live.role_assignments if _role(a) == SERVICE_ROLE
        }
        for u in self.live.users:
            service = u["id"] in service_users or u.get("name") in self.operators
            self.emit(USER, u["id"], str(u.get("name")), {"name": u.get("name"), "liveServiceAccount": service})
        for g in self.live.groups:
            self.emit(
                t.GROUP, g["id"], str(g.get("name")), {"name": g.get("name"), "description": g.get("description")}
            )
        for r in self.live.roles:
            if r.get("name") not in BUILTIN_ROLES:
                self.emit(t.ROLE, r["id"], str(r.get("name")), {"name": r.get("name")})
        for a in self.live.role_assignments:
            self.assignment(a)

    def assignment(self, a: Raw) -> None:
        role, user, group = a.get("role") or {}, a.get("user") or {}, a.get("group") or {}
        scope = a.get("scope") or {}
        project, domain = scope.get("project") or {}, scope.get("domain") or {}
        subject = user.get("name") or group.get("name") or "?"
        where = project.get("name") or domain.get("name") or ("system" if "system" in scope else "?")
        ident = (
            f"{user.get('id') or group.get('id')}:{role.get('id')}:{project.get('id') or domain.get('id') or 'system'}"
        )
        name = f"{subject}-{role.get('name')}-on-{where}"
        user_urn = self.ref(USER, user.get("id"))
        # every grant, cloud-wide: what the admin-to-people check reads
        self.emit(
            lt.GRANT,
            ident,
            name,
            {
                "roleName": role.get("name"),
                "userName": user.get("name"),
                "groupName": group.get("name"),
                "scope": where,
            },
            project.get("id"),
            {"userId": [user_urn]},
        )
        if project.get("id") not in self.scope and not (domain and user.get("name") not in self.operators):
            return  # the cloud's own projects and system scope: only the grant above sees them
        builtin = role.get("name") in BUILTIN_ROLES
        inputs = {
            "roleId": f"getRole-{role.get('name')}" if builtin else role.get("id"),
            "projectId": project.get("id"),
            "domainId": domain.get("id"),
            "userId": user.get("id"),
            "groupId": group.get("id"),
        }
        refs = {
            "projectId": [self.ref(t.PROJECT, project.get("id"))],
            "roleId": [None if builtin else self.ref(t.ROLE, role.get("id"))],
            "groupId": [self.ref(t.GROUP, group.get("id"))],
            "userId": [user_urn],
        }
        self.emit(t.ROLE_ASSIGNMENT, ident, name, inputs, project.get("id"), refs)

    def quotas(self) -> None:
        for project_id, sets in self.live.quotas.items():
            slug = self.project_name(project_id)
            refs = {"projectId": [self.ref(t.PROJECT, project_id)]}
            c, n, v = sets.get("compute") or {}, sets.get("network") or {}, sets.get("volume") or {}
            compute = {
                "projectId": project_id,
                "cores": c.get("cores"),
                "instances": c.get("instances"),
                "ram": c.get("ram"),
                "keyPairs": c.get("key_pairs"),
                "serverGroups": c.get("server_groups"),
                "serverGroupMembers": c.get("server_group_members"),
            }
            network = {
                "projectId": project_id,
                "floatingip": n.get("floating_ips"),
                "network": n.get("networks"),
                "port": n.get("ports"),
                "router": n.get("routers"),
                "securityGroup": n.get("security_groups"),
                "securityGroupRule": n.get("security_group_rules"),
                "subnet": n.get("subnets"),
            }
            volume = {
                "projectId": project_id,
                "volumes": v.get("volumes"),
                "gigabytes": v.get("gigabytes"),
                "snapshots": v.get("snapshots"),
                "backups": v.get("backups"),
                "backupGigabytes": v.get("backup_gigabytes"),
            }
            self.emit(t.COMPUTE_QUOTA, f"{project_id}:compute", f"{slug}-compute-quota", compute, project_id, refs)
            self.emit(t.NETWORK_QUOTA, f"{project_id}:network", f"{slug}-network-quota", network, project_id, refs)
            self.emit(t.VOLUME_QUOTA, f"{project_id}:volume", f"{slug}-volume-quota", volume, project_id, refs)

    # -- network --------------------------------------------------------------------------------

    def networks(self, exit_router: str) -> None:
        for n in self.live.networks:
            if not self.in_scope(n):
                continue  # the backbones and the internet network: the plan's lookups
            inputs = {
                "name": n.get("name"),
                "tags": n.get("tags") or [],
                "shared": bool(n.get("is_shared")),
                "external": bool(n.get("is_router_external")),
                "portSecurityEnabled": n.get("is_port_security_enabled"),
                "tenantId": n.get("project_id"),
            }
            self.emit(t.NETWORK, n["id"], str(n.get("name")), inputs, n.get("project_id"), self.tenant_ref(n))
        for s in self.live.subnets:
            if not self.in_scope(s):
                continue
            inputs = {
                "name": s.get("name"),
                "cidr": s.get("cidr"),
                "ipVersion": s.get("ip_version"),
                "gatewayIp": s.get("gateway_ip"),
                "enableDhcp": s.get("is_dhcp_enabled"),
                "dnsNameservers": s.get("dns_nameservers") or [],
                "allocationPools": s.get("allocation_pools") or [],
                "networkId": s.get("network_id"),
                "tags": s.get("tags") or [],
                "tenantId": s.get("project_id"),
            }
            refs = {**self.tenant_ref(s), "networkId": [self.ref(t.NETWORK, s.get("network_id"))]}
            self.emit(t.SUBNET, s["id"], str(s.get("name")), inputs, s.get("project_id"), refs)
        for r in self.live.routers:
            if not self.in_scope(r) and r.get("name") != exit_router:
                continue
            gateway = r.get("external_gateway_info") or {}
            inputs = {
                "name": r.get("name"),
                "tags": r.get("tags") or [],
                "externalNetworkId": gateway.get("network_id"),
                "enableSnat": gateway.get("enable_snat") if gateway else None,
                "tenantId": r.get("project_id"),
            }
            if r.get("name") == exit_router:
                self.exit_router_ids.add(r["id"])
            router_urn = self.emit(
                t.ROUTER, r["id"], str(r.get("name")), inputs, r.get("project_id"), self.tenant_ref(r)
            )
            for route in r.get("routes") or []:
                ident = f"{r['id']}:{route.get('destination')}"
                route_inputs = {
                    "routerId": r["id"],
                    "destinationCidr": route.get("destination"),
                    "nextHop": route.get("nexthop"),
                }
                name = f"{r.get('name')}-route-{route.get('destination')}"
                self.emit(t.ROUTER_ROUTE, ident, name, route_inputs, r.get("project_id"), {"routerId": [router_urn]})

    def security_groups(self) -> None:
        used = {g for p in self.live.ports for g in p.get("security_group_ids") or []}
        skipped: set[str] = set()
        for g in self.live.security_groups:
            # Neutron's per-project `default` group is the cloud's, not the tenant's, while no port uses it
            if not self.in_scope(g) or (g.get("name") == DEFAULT_GROUP and g["id"] not in used):
                skipped.add(g["id"])
                continue
            rules = [r for r in self.live.security_group_rules if r.get("security_group_id") == g["id"]]
            inputs = {
                "name": g.get("name"),
                "description": g.get("description"),
                "tags": g.get("tags") or [],
                "deleteDefaultRules": not any(_default_egress(r) for r in rules),
                "tenantId": g.get("project_id"),
            }
            self.emit(t.SEC_GROUP, g["id"], str(g.get("name")), inputs, g.get("project_id"), self.tenant_ref(g))
        names = {g["id"]: str(g.get("name")) for g in self.live.security_groups}
        for r in self.live.security_group_rules:
            if r.get("security_group_id") in skipped or not self.in_scope(r):
                continue
            inputs = {
                "direction": r.get("direction"),
                "ethertype": r.get("ether_type"),
                "protocol": r.get("protocol"),
                "portRangeMin": r.get("port_range_min"),
                "portRangeMax": r.get("port_range_max"),
                "remoteIpPrefix": r.get("remote_ip_prefix"),
                "remoteGroupId": r.get("remote_group_id"),
                "securityGroupId": r.get("security_group_id"),
                "description": r.get("description") or None,
                "tenantId": r.get("project_id"),
                "liveDeclared": self.declared.rule(self.project_name(r.get("project_id")), names, r)
                if self.declared
                else None,
            }
            refs = {
                **self.tenant_ref(r),
                "securityGroupId": [self.ref(t.SEC_GROUP, r.get("security_group_id"))],
                "remoteGroupId": [self.ref(t.SEC_GROUP, r.get("remote_group_id"))],
            }
            name = _rule_name(names.get(str(r.get("security_group_id")), "?"), r)
            self.emit(t.SEC_GROUP_RULE, r["id"], name, inputs, r.get("project_id"), refs)

    def ports(self) -> None:
        for p in self.live.ports:
            owner = str(p.get("device_owner") or "")
            if owner in ROUTER_INTERFACE_OWNERS and p.get("device_id") in self.exit_router_ids:
                self.exit_port(p)
                continue
            if owner in ROUTER_INTERFACE_OWNERS and self.ref(t.ROUTER, p.get("device_id")):
                self.router_interfaces(p)
                continue
            if owner.startswith(NETWORK_OWNED) or not self.in_scope(p):
                continue
            fixed = [
                {"ipAddress": ip.get("ip_address"), "subnetId": ip.get("subnet_id")} for ip in p.get("fixed_ips") or []
            ]
            pairs = [
                {"ipAddress": pair.get("ip_address"), "macAddress": pair.get("mac_address")}
                for pair in p.get("allowed_address_pairs") or []
            ]
            inputs = {
                "name": p.get("name"),
                "networkId": p.get("network_id"),
                "fixedIps": fixed,
                "securityGroupIds": p.get("security_group_ids") or [],
                "portSecurityEnabled": p.get("is_port_security_enabled"),
                "allowedAddressPairs": pairs,
                "tags": p.get("tags") or [],
                "tenantId": p.get("project_id"),
                "deviceOwner": owner or None,
                "liveDeclared": self.declared.port(str(p.get("name") or "")) if self.declared else None,
            }
            refs = {
                **self.tenant_ref(p),
                "networkId": [self.ref(t.NETWORK, p.get("network_id"))],
                "fixedIps": [self.ref(t.SUBNET, ip.get("subnet_id")) for ip in p.get("fixed_ips") or []],
                "securityGroupIds": [self.ref(t.SEC_GROUP, g) for g in p.get("security_group_ids") or []],
            }
            self.emit(t.PORT, p["id"], str(p.get("name") or p["id"]), inputs, p.get("project_id"), refs)

    def router_interfaces(self, p: Raw) -> None:
        """A tenant router's port on a subnet, as the plan declares it: an interface (router, subnet)."""
        router_name = _name_of(self.live.routers, p.get("device_id"))
        for ip in p.get("fixed_ips") or []:
            inputs = {"routerId": p.get("device_id"), "subnetId": ip.get("subnet_id"), "portId": p["id"]}
            name = f"{router_name}-{_name_of(self.live.subnets, ip.get('subnet_id'))}"
            refs = {
                "routerId": [self.ref(t.ROUTER, p.get("device_id"))],
                "subnetId": [self.ref(t.SUBNET, ip.get("subnet_id"))],
            }
            self.emit(t.ROUTER_INTERFACE, f"{p['id']}:{ip.get('subnet_id')}", name, inputs, p.get("project_id"), refs)

    def exit_port(self, p: Raw) -> None:
        """The exit router's inner port, as the plan declares it: a port on the extranet backbone
        (a lookup, so no reference) plugged into the router through an interface naming it."""
        fixed = [
            {"ipAddress": ip.get("ip_address"), "subnetId": ip.get("subnet_id")} for ip in p.get("fixed_ips") or []
        ]
        inputs = {"name": p.get("name"), "networkId": p.get("network_id"), "fixedIps": fixed}
        port_urn = self.emit(t.PORT, p["id"], str(p.get("name") or p["id"]), inputs)
        refs: dict[str, list[str | None]] = {"routerId": [self.ref(t.ROUTER, p.get("device_id"))], "portId": [port_urn]}
        name = f"{_name_of(self.live.routers, p.get('device_id'))}-{p.get('name') or p['id']}-interface"
        self.emit(
            t.ROUTER_INTERFACE,
            f"{p['id']}:interface",
            name,
            {"routerId": p.get("device_id"), "portId": p["id"]},
            None,
            refs,
        )

    def floating_ips(self) -> None:
        nets = {n["id"]: n for n in self.live.networks}
        for f in self.live.floating_ips:
            if not self.in_scope(f):
                continue
            inputs = {
                "pool": (nets.get(str(f.get("floating_network_id"))) or {}).get("name"),
                "address": f.get("floating_ip_address"),
                "portId": f.get("port_id"),
                "fixedIp": f.get("fixed_ip_address"),
                "tenantId": f.get("project_id"),
            }
            refs = {**self.tenant_ref(f), "portId": [self.ref(t.PORT, f.get("port_id"))]}
            name = str(f.get("floating_ip_address") or f["id"])
            self.emit(t.FLOATING_IP, f["id"], name, inputs, f.get("project_id"), refs)

    # -- compute and storage --------------------------------------------------------------------

    def platform(self) -> None:
        for fl in self.live.flavors:
            inputs = {
                "name": fl.get("name"),
                "vcpus": fl.get("vcpus"),
                "ram": fl.get("ram"),
                "disk": fl.get("disk"),
                "isPublic": fl.get("is_public"),
            }
            self.emit(t.FLAVOR, fl["id"], f"flavor-{fl.get('name')}", inputs)
        for vt in self.live.volume_types:
            # live, "declares encryption" is whether Cinder really has an encryption spec for it
            specs = {**(vt.get("extra_specs") or {}), "govcloud:encrypted": "true" if vt.get("encryption") else "false"}
            inputs = {
                "name": vt.get("name"),
                "description": vt.get("description"),
                "isPublic": vt.get("is_public"),
                "extraSpecs": specs,
            }
            self.emit(t.VOLUME_TYPE, vt["id"], f"volume-type-{vt.get('name')}", inputs)
        for img in self.live.images:
            inputs = {
                "name": img.get("name"),
                "visibility": img.get("visibility"),
                "status": img.get("status"),
                "owner": self.project_name(img.get("owner")) or img.get("owner"),
            }
            self.emit(lt.IMAGE, img["id"], str(img.get("name") or img["id"]), inputs, img.get("owner"))

    def servers(self) -> None:
        images = {i["id"]: i for i in self.live.images}
        flavors = {f["id"]: f for f in self.live.flavors}
        ports_of: dict[str, list[str]] = {}
        for p in self.live.ports:
            ports_of.setdefault(str(p.get("device_id")), []).append(p["id"])
        groups_of: dict[str, list[str]] = {}
        for sg in self.live.server_groups:
            if not self.in_scope(sg):
                continue
            policies = sg.get("policies") or ([sg["policy"]] if sg.get("policy") else [])
            self.emit(
                t.SERVER_GROUP,
                sg["id"],
                str(sg.get("name")),
                {"name": sg.get("name"), "policies": policies},
                sg.get("project_id"),
            )
            for member in sg.get("member_ids") or []:
                groups_of.setdefault(member, []).append(sg["id"])
        for s in self.live.servers:
            if not self.in_scope(s):
                continue
            flavor = s.get("flavor") or {}
            flavor_name = (
                flavor.get("original_name")
                or flavor.get("name")
                or (flavors.get(str(flavor.get("id"))) or {}).get("name")
            )
            image_id = (s.get("image") or {}).get("id")
            image = images.get(str(image_id)) if image_id else None
            port_ids = ports_of.get(s["id"], [])
            group_ids = groups_of.get(s["id"], [])
            inputs = {
                "name": s.get("name"),
                "flavorName": flavor_name,
                "imageId": image_id,
                # the image really booted, by its glance name (missing: the image is gone or hidden)
                "imageName": (image or {}).get("name") or (f"(image {image_id} not in glance)" if image_id else None),
                "keyPair": s.get("key_name"),
                "metadata": s.get("metadata") or {},
                "tags": s.get("tags") or [],
                "userData": s.get("user_data"),
                "networks": [{"port": pid} for pid in port_ids],
                "schedulerHints": [{"group": gid} for gid in group_ids],
                "availabilityZone": s.get("availability_zone"),
                "liveDeclared": self.declared.instance(str(s.get("name"))) if self.declared else None,
                "liveImage": _image_facts(image, image_id, self.project_name),
                "liveStatus": s.get("status"),
            }
            refs = {
                "networks": [self.ref(t.PORT, pid) for pid in port_ids],
                "schedulerHints": [self.ref(t.SERVER_GROUP, gid) for gid in group_ids],
                "flavorId": [self.ref(t.FLAVOR, flavor.get("id"))],
            }
            self.emit(t.INSTANCE, s["id"], str(s.get("name")), inputs, s.get("project_id"), refs)

    def volumes(self) -> None:
        types = {str(vt.get("name")): vt["id"] for vt in self.live.volume_types}
        servers = {s["id"]: s for s in self.live.servers}
        for v in self.live.volumes:
            if not self.in_scope(v):
                continue
            vtype = v.get("volume_type")
            inputs = {
                "name": v.get("name"),
                "size": v.get("size"),
                "volumeType": vtype,
                "metadata": v.get("metadata") or {},
                "sourceVolId": v.get("source_volume_id"),
                "snapshotId": v.get("snapshot_id"),
                "liveEncrypted": bool(v.get("is_encrypted")),
            }
            refs = {
                "volumeType": [self.ref(t.VOLUME_TYPE, types.get(str(vtype)))],
                "sourceVolId": [self.ref(t.VOLUME, v.get("source_volume_id"))],
            }
            volume_urn = self.emit(t.VOLUME, v["id"], str(v.get("name") or v["id"]), inputs, v.get("project_id"), refs)
            for a in v.get("attachments") or []:
                server_id = a.get("server_id")
                server = str((servers.get(str(server_id)) or {}).get("name") or server_id)
                name = f"{v.get('name') or v['id']}-attach-{server}"
                declared = self.declared.attachment(server, str(v.get("name"))) if self.declared else None
                attach = {
                    "instanceId": server_id,
                    "volumeId": v["id"],
                    "device": a.get("device"),
                    "liveDeclared": declared,
                }
                refs = {"instanceId": [self.ref(t.INSTANCE, server_id)], "volumeId": [volume_urn]}
                ident = f"{v['id']}:{server_id}"  # volume and server: what the attachment joins
                self.emit(t.VOLUME_ATTACH, ident, name, attach, v.get("project_id"), refs)


def _role(assignment: Raw) -> str | None:
    return (assignment.get("role") or {}).get("name")


def _default_egress(rule: Raw) -> bool:
    """Neutron's allow-all egress rule (what deleteDefaultRules removes)."""
    return (
        rule.get("direction") == "egress"
        and not rule.get("protocol")
        and not rule.get("remote_ip_prefix")
        and not rule.get("remote_group_id")
        and rule.get("port_range_min") is None
    )


def _rule_name(group: str, rule: Raw) -> str:
    ports = f"{rule.get('port_range_min')}-{rule.get('port_range_max')}" if rule.get("port_range_min") else "all"
    remote = rule.get("remote_ip_prefix") or (
        f"group-{rule.get('remote_group_id')}" if rule.get("remote_group_id") else "any"
    )
    return f"{group}-{rule.get('direction')}-{rule.get('protocol') or 'any'}-{ports}-{remote}".replace("/", "_")


def _name_of(items: list[Raw], ident: Any) -> str:
    return next((str(i.get("name")) for i in items if i["id"] == ident), str(ident))


def _image_facts(image: Raw | None, image_id: str | None, project_name: Any) -> dict[str, Any] | None:
    if not image_id:
        return None
    if image is None:
        return {"id": image_id, "found": False}
    return {
        "id": image_id,
        "found": True,
        "name": image.get("name"),
        "visibility": image.get("visibility"),
        "status": image.get("status"),
        "owner": project_name(image.get("owner")) or image.get("owner"),
    }


def normalize(
    live: LiveCloud, declared: Declared | None, *, exit_router: str, operators: Iterable[str] = ("admin",)
) -> Shapes:
    """The live cloud as plan resource records, in dependency order (targets before users)."""
    builder = _Builder(live, declared, operators)
    builder.identity()
    builder.quotas()
    builder.networks(exit_router)
    builder.security_groups()
    builder.ports()
    builder.floating_ips()
    builder.platform()
    builder.servers()
    builder.volumes()
    return builder.shapes

"""A small level-3 intranet tenant built by hand in the local cloud, compliant by construction,
and the plan records that declare it (what `govcloud audit --plan` compares the cloud with).

Networking, identity and quotas are made as admin; the server, key pair and volumes as a
throw-away member of the tenant (a token scoped to the project), as a department would.
Everything is named `audit-test-<hex>-*` and removed by `destroy`.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import openstack
from openstack.connection import Connection

from policies.mlps import resources as t

CIDR, GATEWAY, HOST_IP = "10.10.250.0/24", "10.10.250.1", "10.10.250.10"
BASTION, RESOLVER = "10.30.2.10/32", "10.30.1.10/32"
APPROVAL = "approval 科信发〔2024〕1号"
IMAGE, FLAVOR, ENCRYPTED = "kylin-server-v10-sp3", "g1.small", "encrypted"
PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAXil6l+HjC7GmeJ5ahFlk/T0mcy9St2Rs6A0ULsycDN audit-test"
# (direction, protocol, port, remote prefix, flow description)
RULES = (
    ("ingress", "tcp", 22, BASTION, f"flow bastion-ssh; {APPROVAL}"),
    ("egress", "udp", 53, RESOLVER, f"flow resolve-names; {APPROVAL}"),
)


@dataclass
class Tenant:
    slug: str
    admin: Connection
    ids: dict[str, str] = field(default_factory=dict)
    member: Connection | None = None
    undo: list[tuple[str, Callable[[], Any]]] = field(default_factory=list)

    @property
    def project(self) -> str:
        return self.ids["project"]

    def name(self, suffix: str) -> str:
        return f"{self.slug}-{suffix}"


def wait(what: str, check: Callable[[], bool], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(1)


def _identity(tn: Tenant) -> None:
    ident = tn.admin.identity
    tags = ["govcloud", f"dept:{tn.slug}", "mlps:3", "sensitivity:sensitive", "zone:intranet"]
    project = ident.create_project(name=tn.slug, description=f"{tn.slug} (audit test)", tags=tags)  # type: ignore[union-attr]
    tn.ids["project"] = project.id
    tn.undo.append(("project", lambda: ident.delete_project(project.id)))  # type: ignore[union-attr]
    roles = {r.name: r.id for r in ident.roles()}  # type: ignore[union-attr]
    for kind, role in (
        ("admins", "tenant-admin"),
        ("members", "member"),
        ("readers", "reader"),
        ("auditors", "auditor"),
    ):
        if role not in roles:
            roles[role] = ident.create_role(name=role).id  # type: ignore[union-attr]
        group = ident.create_group(name=tn.name(kind), description=f"{tn.slug}: {role}")  # type: ignore[union-attr]
        tn.ids[f"group-{kind}"] = group.id
        tn.undo.append((f"group {kind}", lambda gid=group.id: ident.delete_group(gid)))  # type: ignore[union-attr]
        tn.admin.grant_role(roles[role], group=group.id, project=project.id)
    # the member the department works as: a throw-away user in its members group
    password = secrets.token_urlsafe(24)
    user = ident.create_user(name=tn.name("deployer"), password=password, default_project_id=project.id)  # type: ignore[union-attr]
    tn.undo.append(("user", lambda: ident.delete_user(user.id)))  # type: ignore[union-attr]
    ident.add_user_to_group(user, tn.ids["group-members"])  # type: ignore[union-attr]
    region = tn.admin.config.get_region_name()
    tn.member = openstack.connect(
        auth={**_auth_base(tn.admin), "username": user.name, "password": password, "project_id": project.id},
        region_name=region,
        identity_api_version="3",
        load_yaml_config=False,
        load_envvars=False,
    )


def _auth_base(conn: Connection) -> dict[str, str]:
    auth = conn.config.config["auth"]
    return {"auth_url": auth["auth_url"], "user_domain_name": "Default", "project_domain_name": "Default"}


def _quotas(tn: Tenant) -> None:
    pid = tn.project
    tn.admin.compute.update_quota_set(
        pid, cores=8, instances=4, ram=16384, key_pairs=2, server_groups=1, server_group_members=2
    )
    tn.admin.network.update_quota(
        pid, floating_ips=0, networks=1, subnets=1, ports=8, routers=1, security_groups=3, security_group_rules=20
    )
    tn.admin.block_storage.update_quota_set(  # type: ignore[union-attr]
        pid, volumes=4, gigabytes=20, snapshots=2, backups=2, backup_gigabytes=20
    )


def _network(tn: Tenant) -> None:
    net, pid = tn.admin.network, tn.project
    tags = ["govcloud", f"dept:{tn.slug}", "zone:intranet", "mlps:3"]
    network = net.create_network(name=tn.name("app"), project_id=pid, is_port_security_enabled=True)
    net.set_tags(network, tags)  # type: ignore[no-untyped-call]
    tn.ids["network"] = network.id
    subnet = net.create_subnet(
        name=tn.name("app"),
        project_id=pid,
        network_id=network.id,
        ip_version=4,
        cidr=CIDR,
        gateway_ip=GATEWAY,
        allocation_pools=[{"start": "10.10.250.2", "end": "10.10.250.9"}],
        dns_nameservers=["10.30.1.10"],
        is_dhcp_enabled=True,
    )
    net.set_tags(subnet, tags)  # type: ignore[no-untyped-call]
    tn.ids["subnet"] = subnet.id
    backbone = net.find_network("gov-intranet-backbone")
    assert backbone is not None, "the intranet backbone (govcloud cloud up's bootstrap) is missing"
    router = net.create_router(
        name=tn.name("intranet-router"),
        project_id=pid,
        external_gateway_info={"network_id": backbone.id, "enable_snat": False},
    )
    net.set_tags(router, tags)  # type: ignore[no-untyped-call]
    tn.ids["router"] = router.id
    net.add_interface_to_router(router, subnet=subnet.id)
    group = net.create_security_group(name=tn.name("app"), project_id=pid, description=f"{tn.slug} app: default deny")
    for rule in list(net.security_group_rules(security_group_id=group.id)):
        net.delete_security_group_rule(rule)  # what delete_default_rules does
    net.set_tags(group, ["govcloud", f"dept:{tn.slug}", "group:app"])  # type: ignore[no-untyped-call]
    tn.ids["secgroup"] = group.id
    for direction, protocol, port, prefix, description in RULES:
        net.create_security_group_rule(
            security_group_id=group.id,
            project_id=pid,
            direction=direction,
            ether_type="IPv4",
            protocol=protocol,
            port_range_min=port,
            port_range_max=port,
            remote_ip_prefix=prefix,
            description=description,
        )
    port = net.create_port(
        name=tn.name("app-1-app"),
        project_id=pid,
        network_id=network.id,
        fixed_ips=[{"subnet_id": subnet.id, "ip_address": HOST_IP}],
        security_group_ids=[group.id],
        is_port_security_enabled=True,
    )
    net.set_tags(port, ["govcloud", f"dept:{tn.slug}", "group:app", "role:app", "zone:intranet"])  # type: ignore[no-untyped-call]
    tn.ids["port"] = port.id


def metadata(tn: Tenant) -> dict[str, str]:
    return {"govcloud_tenant": tn.slug, "mlps_level": "3"}


def boot(tn: Tenant, name: str, **network: Any) -> Any:
    assert tn.member is not None
    image = tn.member.image.find_image(IMAGE)
    flavor = tn.member.compute.find_flavor(FLAVOR)
    assert image is not None and flavor is not None
    server = tn.member.compute.create_server(
        name=name,
        image_id=image.id,
        flavor_id=flavor.id,
        key_name=tn.name("admin"),
        networks=[network] if network else [{"uuid": tn.ids["network"]}],
        metadata={**metadata(tn), "govcloud_group": "app", "govcloud_role": "app", "govcloud_image": IMAGE},
        tags=["govcloud", f"dept:{tn.slug}", "group:app", "role:app"],
    )
    return tn.member.compute.wait_for_server(server, wait=300)


def volume(tn: Tenant, name: str, volume_type: str) -> Any:
    assert tn.member is not None
    storage = tn.member.block_storage
    vol = storage.create_volume(name=name, size=1, volume_type=volume_type, metadata=metadata(tn))  # type: ignore[union-attr]
    storage.wait_for_status(vol, "available", wait=180)  # type: ignore[union-attr]
    return vol


def attach(tn: Tenant, server_id: str, volume_id: str) -> None:
    assert tn.member is not None
    tn.member.compute.create_volume_attachment(server_id, volume_id=volume_id)
    storage = tn.member.block_storage
    wait("volume in-use", lambda: storage.get_volume(volume_id).status == "in-use")  # type: ignore[union-attr]


def detach_and_delete(tn: Tenant, server_id: str, volume_id: str) -> None:
    assert tn.member is not None
    storage = tn.member.block_storage
    with contextlib.suppress(openstack.exceptions.NotFoundException):
        tn.member.compute.delete_volume_attachment(server_id, volume_id)
    wait("volume available", lambda: storage.get_volume(volume_id).status == "available")  # type: ignore[union-attr]
    storage.delete_volume(volume_id)  # type: ignore[union-attr]


def build(admin: Connection, slug: str) -> Tenant:
    tn = Tenant(slug, admin)
    _identity(tn)
    _quotas(tn)
    _network(tn)
    assert tn.member is not None
    tn.member.compute.create_keypair(name=tn.name("admin"), public_key=PUBLIC_KEY)
    server = boot(tn, tn.name("app-1"), port=tn.ids["port"])
    tn.ids["server"] = server.id
    data = volume(tn, tn.name("app-1-data"), ENCRYPTED)
    tn.ids["volume"] = data.id
    attach(tn, server.id, data.id)
    return tn


def destroy(tn: Tenant) -> list[str]:
    """Delete everything of the tenant, servers first; return what could not be deleted."""
    problems: list[str] = []

    def step(what: str, call: Callable[[], Any]) -> None:
        try:
            call()
        except Exception as exc:  # keep cleaning up: report all of it at the end
            problems.append(f"{what}: {exc}")

    admin, pid = tn.admin, tn.ids.get("project")
    if pid is None:
        return problems
    for server in list(admin.compute.servers(all_projects=True, project_id=pid)):
        step(f"server {server.name}", lambda s=server: admin.compute.delete_server(s))
    for server in list(admin.compute.servers(all_projects=True, project_id=pid)):
        step(f"wait server {server.name}", lambda s=server: admin.compute.wait_for_delete(s, wait=180))
    storage = admin.block_storage
    for vol in list(storage.volumes(all_projects=True, project_id=pid)):  # type: ignore[union-attr]
        step(
            f"volume {vol.name}",
            lambda v=vol: (
                wait("detached", lambda: storage.get_volume(v.id).status != "in-use"),
                storage.delete_volume(v.id),
            ),
        )  # type: ignore[union-attr]
    if tn.member is not None:
        step("keypair", lambda: tn.member.compute.delete_keypair(tn.name("admin")))  # type: ignore[union-attr]
    net = admin.network
    for fip in list(net.ips(project_id=pid)):
        step("floating ip", lambda f=fip: net.delete_ip(f))
    router = tn.ids.get("router")
    if router:
        step("router interface", lambda: net.remove_interface_from_router(router, subnet=tn.ids["subnet"]))
        step("router", lambda: net.delete_router(router))
    for port in list(net.ports(project_id=pid)):
        step(f"port {port.name}", lambda p=port: net.delete_port(p))
    for group in list(net.security_groups(project_id=pid)):
        step(f"security group {group.name}", lambda g=group: net.delete_security_group(g))
    if tn.ids.get("network"):
        step("network", lambda: net.delete_network(tn.ids["network"]))
    for what, call in reversed(tn.undo):
        step(what, call)
    return problems


def plan_records(tn: Tenant) -> list[dict[str, Any]]:
    """The tenant as the offline plan would declare it (only what `from_plan` reads)."""

    def record(type_: str, name: str, inputs: dict[str, Any], **refs: str) -> dict[str, Any]:
        return {
            "urn": f"urn:pulumi:audit-test::govcloud::{type_}::{name}",
            "type": type_,
            "name": name,
            "custom": True,
            "tenant": tn.slug,
            "inputs": inputs,
            "dependencies": [],
            "propertyDependencies": {k: [f"urn:pulumi:audit-test::govcloud::{v}"] for k, v in refs.items()},
        }

    group = f"{t.SEC_GROUP}::{tn.name('app-sg')}"
    records = [
        record(t.SEC_GROUP, tn.name("app-sg"), {"name": tn.name("app")}),
        record(t.INSTANCE, tn.name("app-1"), {"name": tn.name("app-1")}),
        record(t.PORT, tn.name("app-1-app-port"), {"name": tn.name("app-1-app")}),
        record(t.VOLUME, tn.name("app-1-data"), {"name": tn.name("app-1-data")}),
        record(
            t.VOLUME_ATTACH,
            tn.name("app-1-data-attach"),
            {},
            instanceId=f"{t.INSTANCE}::{tn.name('app-1')}",
            volumeId=f"{t.VOLUME}::{tn.name('app-1-data')}",
        ),
    ]
    for i, (direction, protocol, port, prefix, description) in enumerate(RULES):
        inputs = {
            "direction": direction,
            "ethertype": "IPv4",
            "protocol": protocol,
            "portRangeMin": port,
            "portRangeMax": port,
            "remoteIpPrefix": prefix,
            "description": description,
        }
        records.append(record(t.SEC_GROUP_RULE, tn.name(f"rule-{i}"), inputs, securityGroupId=group))
    return records

"""Rules only the live cloud can be judged by (`govcloud audit`): what no plan shows.

They read the same plan-shaped resources as the pack's rules, plus the `live*` inputs the
audit's normalizer adds (liveDeclared, liveEncrypted, liveImage, liveServiceAccount) and two
types that exist only live: every role grant of the cloud and the images in Glance. Over a
plan they find nothing (no resource carries those inputs), so they are not part of the
CrossGuard pack (registry.py); govcloud/audit runs them beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from . import resources as t
from .facts import Facts
from .fixtures import Mutation, Res, find, res
from .resource_edits import new
from .resources import Resource
from .rule import Rule
from .tenancy import USER, StackView, text
from .topology import Stack, stack_of

GRANT = "govcloud:live/grant:Grant"  # every role assignment of the cloud, whatever its scope
IMAGE = "govcloud:live/image:Image"  # an image in Glance
ADMIN_ROLE = "admin"
INTERNET_FREE_ZONES = ("intranet", "management")

Findings = list[tuple[str, str | None]]


def _undeclared(resources: list[Resource], type_: str, what: str) -> Findings:
    """Resources the normalizer marked as absent from the plan (liveDeclared is False)."""
    return [
        (f"{what} {r.name} exists in the cloud but no plan declares it (made by hand?)", r.urn)
        for r in StackView.of(resources).of_type(type_)
        if r.get("liveDeclared") is False
    ]


def _undeclared_servers(resources: list[Resource], facts: Facts) -> Findings:
    return _undeclared(resources, t.INSTANCE, "server")


def _undeclared_ports(resources: list[Resource], facts: Facts) -> Findings:
    return _undeclared(resources, t.PORT, "port")


def _undeclared_rules(resources: list[Resource], facts: Facts) -> Findings:
    return _undeclared(resources, t.SEC_GROUP_RULE, "security-group rule")


def _undeclared_attachments(resources: list[Resource], facts: Facts) -> Findings:
    return _undeclared(resources, t.VOLUME_ATTACH, "volume attachment")


def _fip_zone(s: Stack, fip: Resource) -> str | None:
    """The zone of the address a floating IP is NATed to: its port's, else by the address."""
    port = s.target(fip, "portId")
    if port is not None and (zone := s.zone_of(port)):
        return zone
    fixed = text(fip.get("fixedIp"))
    return s.facts.zone_of_cidr(f"{fixed}/32") if fixed else None


def _fip_on_intranet(resources: list[Resource], facts: Facts) -> Findings:
    s = stack_of(resources, facts)
    out: Findings = []
    for fip in s.of(t.FLOATING_IP):
        zone = _fip_zone(s, fip)
        if zone in INTERNET_FREE_ZONES:
            out.append(
                (
                    f"floating IP {fip.get('address') or fip.name} is mapped to {fip.get('fixedIp')} in the {zone} "
                    "zone, which must have no path to the internet",
                    fip.urn,
                )
            )
    return out


def _admin_to_people(resources: list[Resource], facts: Facts) -> Findings:
    view = StackView.of(resources)
    out: Findings = []
    for grant in view.of_type(GRANT):
        if text(grant.get("roleName")) != ADMIN_ROLE:
            continue
        user = view.target(grant, "userId", USER)
        if user is not None and user.get("liveServiceAccount") is True:
            continue
        who = f"user {user.get('name')}" if user is not None else f"group {grant.get('groupName')} (its members)"
        out.append((f"{who} holds Keystone's admin role on {grant.get('scope')}: cloud-wide administration", grant.urn))
    return out


def _encrypted_on_level3(resources: list[Resource], facts: Facts) -> Findings:
    view = StackView.of(resources)
    out: Findings = []
    for _, instance, volume in view.attachments():
        if view.level(instance) >= 3 and volume.get("liveEncrypted") is False:
            out.append(
                (
                    f"volume {volume.name} (type {volume.get('volumeType') or '(default)'}) is not encrypted but is "
                    f"attached to level-3 server {instance.name}",
                    volume.urn,
                )
            )
    return out


def _image_problem(image: Mapping[str, Any] | None, facts: Facts) -> str | None:
    if not isinstance(image, Mapping):
        return None  # booted from a volume: the volume rules judge it
    if not image.get("found"):
        return f"boots image {image.get('id')}, which Glance no longer lists (deleted or hidden)"
    name = text(image.get("name"))
    if name not in facts.approved_images:
        return f"boots image {name or image.get('id')}, which is not one of the platform's approved images"
    if image.get("visibility") != "public":
        return f"boots a {image.get('visibility')} image named {name} owned by {image.get('owner')}, not the platform's"
    return None


def _approved_images_in_use(resources: list[Resource], facts: Facts) -> Findings:
    out: Findings = []
    for instance in StackView.of(resources).of_type(t.INSTANCE):
        problem = _image_problem(instance.get("liveImage"), facts)
        if problem:
            out.append((f"server {instance.name} {problem}", instance.urn))
    return out


def _public_images(resources: list[Resource], facts: Facts) -> Findings:
    return [
        (f"image {image.name} is public but not one of the platform's approved images", image.urn)
        for image in StackView.of(resources).of_type(IMAGE)
        if image.get("visibility") == "public" and text(image.get("name")) not in facts.approved_images
    ]


def _managed_projects(resources: list[Resource], facts: Facts) -> Findings:
    return [
        (f"project {p.name} is not a govcloud tenant (no `govcloud` tag): made outside the catalog?", p.urn)
        for p in StackView.of(resources).of_type(t.PROJECT)
        if "govcloud" not in p.tags
    ]


# -- fixtures: the base stack as the live cloud would show it, and each violation -----------------


def _attach_plain_volume(stack: list[Res]) -> list[Res]:
    volume = res(t.VOLUME, "fin-scratch", {"name": "fin-scratch", "size": 1, "liveEncrypted": False}, "fin")
    attach = res(t.VOLUME_ATTACH, "fin-scratch-attach", {}, "fin", instanceId=find(stack, "fin-app-1"), volumeId=volume)
    return [*stack, volume, attach]


def _fip_on_fin(stack: list[Res]) -> list[Res]:
    port = find(stack, "fin-app-1-app-port")
    fip = res(t.FLOATING_IP, "fin-fip", {"address": "203.0.113.5", "fixedIp": "10.10.16.10"}, "fin", portId=port)
    return [*stack, fip]


def _person_admin(stack: list[Res]) -> list[Res]:
    user = res(USER, "alice", {"name": "alice", "liveServiceAccount": False})
    grant = res(GRANT, "alice-admin-on-fin", {"roleName": ADMIN_ROLE, "scope": "fin"}, "fin", userId=user)
    return [*stack, user, grant]


def _service_admin(stack: list[Res]) -> list[Res]:
    user = res(USER, "nova", {"name": "nova", "liveServiceAccount": True})
    grant = res(GRANT, "nova-admin-on-service", {"roleName": ADMIN_ROLE, "scope": "service"}, userId=user)
    return [*stack, user, grant]


_OWN_IMAGE = {"found": True, "name": "debian-12", "visibility": "private", "owner": "fin", "id": "x"}


def _set(name: str, key: str, value: Any) -> Mutation:
    def mutate(stack: list[Res]) -> list[Res]:
        find(stack, name)["inputs"][key] = value
        return stack

    return mutate


def _first(stack: list[Res], type_: str) -> Res:
    return next(r for r in stack if r["type"] == type_)


def _set_first(type_: str, key: str, value: Any) -> Mutation:
    def mutate(stack: list[Res]) -> list[Res]:
        _first(stack, type_)["inputs"][key] = value
        return stack

    return mutate


RULES = [
    Rule(
        id="GC-LIVE-01",
        title_zh="运行中的云主机均由计划声明",
        title_en="Every server in the cloud is declared by the plan",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-01", "L3-CLD-03"),
        rationale="A server booted by hand escapes the catalog, its hardening, its flows and its audit trail.",
        remediation="Declare the host in its tenant's catalog file and apply, or delete the server.",
        stack_check=_undeclared_servers,
        violate=_set("fin-app-1", "liveDeclared", False),
        comply=_set("fin-app-1", "liveDeclared", True),
    ),
    Rule(
        id="GC-LIVE-02",
        title_zh="端口均由计划声明",
        title_en="Every host port is declared by the plan",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-06", "L3-CLD-03"),
        rationale="A port made by hand is a network attachment no flow plan or address plan knows of.",
        remediation="Declare the host's NIC in the catalog and apply, or delete the port.",
        stack_check=_undeclared_ports,
        violate=_set("fin-app-1-app-port", "liveDeclared", False),
    ),
    Rule(
        id="GC-LIVE-03",
        title_zh="安全组规则均由计划声明",
        title_en="Every security-group rule is declared by the plan",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-02", "L3-ABD-03"),
        rationale="A rule added in the dashboard opens a path no declared, approved flow asked for.",
        remediation="Declare the flow in the catalog (with its approval) and apply, or delete the rule.",
        stack_check=_undeclared_rules,
        violate=_set_first(t.SEC_GROUP_RULE, "liveDeclared", False),
    ),
    Rule(
        id="GC-LIVE-04",
        title_zh="内网与管理区端口不绑定浮动 IP",
        title_en="No floating IP is mapped to an intranet or management address",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CNS-02", "L3-ABD-01"),
        rationale="A floating IP NATs an address to a network with an internet exit: an intranet host reachable "
        "that way is no longer on a network without a path to the internet.",
        remediation="Disassociate and release the floating IP; publish through the extranet's exit only.",
        stack_check=_fip_on_intranet,
        violate=_fip_on_fin,
    ),
    Rule(
        id="GC-LIVE-05",
        title_zh="不向个人授予 admin 角色",
        title_en="Keystone's admin role is not granted to people",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-03",),
        rationale="Keystone's admin is cloud-wide whatever its scope; only the services' own accounts and the "
        "platform's break-glass operator account hold it.",
        remediation="Remove the grant; give the person tenant-admin on their tenant through its admins group.",
        stack_check=_admin_to_people,
        violate=_person_admin,
        comply=_service_admin,
    ),
    Rule(
        id="GC-LIVE-06",
        title_zh="三级主机挂载的云硬盘均已加密",
        title_en="Volumes attached to level-3 servers are encrypted",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-08",),
        rationale="Cinder's own `encrypted` flag is the proof that the data of a level-3 host is encrypted at rest, "
        "whatever type name the volume carries.",
        remediation="Move the data to a volume of the encrypted type and delete the plain one.",
        stack_check=_encrypted_on_level3,
        violate=_attach_plain_volume,
    ),
    Rule(
        id="GC-LIVE-07",
        title_zh="云主机运行平台批准的镜像",
        title_en="Servers run the platform's own approved images",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-02",),
        rationale="The image Glance really booted decides the host's baseline: an unapproved image, a deleted "
        "one, or a tenant's private look-alike named like an approved one is not the hardened image.",
        remediation="Rebuild the server from the platform's public approved image.",
        stack_check=_approved_images_in_use,
        violate=_set("fin-app-1", "liveImage", _OWN_IMAGE),
        comply=_set("fin-app-1", "liveImage", {**_OWN_IMAGE, "visibility": "public", "owner": "admin"}),
    ),
    Rule(
        id="GC-LIVE-08",
        title_zh="云硬盘挂载均由计划声明",
        title_en="Every volume attachment is declared by the plan",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-08", "L3-CLD-03"),
        rationale="A volume attached by hand moves data to a host the catalog did not give it to.",
        remediation="Declare the volume on its host in the catalog, or detach it.",
        stack_check=_undeclared_attachments,
        violate=_set_first(t.VOLUME_ATTACH, "liveDeclared", False),
    ),
    Rule(
        id="GC-LIVE-09",
        title_zh="公共镜像均为批准镜像",
        title_en="Only approved images are public",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.ADVISORY,
        controls=("L3-CLD-02",),
        rationale="A public image is offered to every tenant; an unapproved one invites unhardened hosts.",
        remediation="Make the image private to its owner, or have it approved in platform.yaml images.",
        stack_check=_public_images,
        violate=new(IMAGE, "my-ubuntu", {"name": "my-ubuntu", "visibility": "public"}),
    ),
    Rule(
        id="GC-LIVE-10",
        title_zh="项目均为目录声明的租户",
        title_en="Every project is a govcloud tenant",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-01",),
        rationale="A project made outside the catalog has no level, zone or owner, so no rule can place it.",
        remediation="Onboard the department through its catalog file, or delete the project.",
        stack_check=_managed_projects,
        violate=new(t.PROJECT, "scratch-project", {"name": "scratch", "tags": []}),
    ),
]

"""Compute (安全计算环境 for the hosts, 云计算扩展 for the virtual machines): images, flavors,
login material, what is injected at boot, and spreading replicas across hypervisors."""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
from collections import defaultdict

from pulumi_policy import EnforcementLevel, Severity

from . import resources as t
from .facts import Facts
from .fixtures import Mutation, chain, set_input
from .resource_edits import clone, new, relink, set_meta, unset
from .resources import Resource
from .rule import Rule
from .tenancy import PLATFORM_LEVEL, StackView, lookup_name, metadata, text

Findings = list[tuple[str, str | None]]

# ---------------------------------------------------------------------------------------------
# Images and flavors


def image_name(instance: Resource) -> str:
    """The image an instance boots, by name: image_name, else the name recorded in metadata.

    image_id is a lookup's opaque ID in a real preview, so govcloud records the catalog's image
    name in metadata (govcloud_image) for the rules and the audit to read.
    """
    return text(instance.get("imageName")) or text(metadata(instance).get("govcloud_image"))


def _approved_image(resource: Resource, facts: Facts) -> list[str]:
    image = image_name(resource)
    if not image:
        return [f"instance {resource.name} does not say which image it boots (set govcloud_image metadata)"]
    out = []
    if image not in facts.approved_images:
        out.append(f"instance {resource.name} boots {image}, which is not an approved hardened image")
    booted = lookup_name(resource.get("imageId"))  # the offline plan shows the looked-up name
    if booted and booted != image:
        out.append(f"instance {resource.name} records image {image} but boots {booted}")
    return out


def _domestic_image(resources: list[Resource], facts: Facts) -> Findings:
    view = StackView.of(resources)
    out: Findings = []
    for instance in view.of_type(t.INSTANCE):
        image = image_name(instance)
        if image in facts.approved_images and image not in facts.domestic_images and view.level(instance) >= 3:
            out.append(
                (f"level-3 host {instance.name} runs {image}; a domestic (信创) image is preferred", instance.urn)
            )
    return out


def _platform_flavor(resources: list[Resource], facts: Facts) -> Findings:
    view = StackView.of(resources)
    out: Findings = []
    for instance in view.of_type(t.INSTANCE):
        flavor = view.flavor(instance)
        if flavor is not None:
            name = text(flavor.get("name"))
        else:
            name = text(instance.get("flavorName")) or lookup_name(instance.get("flavorId")) or ""
        if name not in facts.approved_flavors:
            shown = name or "a flavor the program does not declare"
            out.append((f"instance {instance.name} uses {shown}, not one of the platform's flavors", instance.urn))
    return out


def _declared_flavors(resource: Resource, facts: Facts) -> list[str]:
    name = text(resource.get("name"))
    if name not in facts.approved_flavors:
        return [f"flavor {name or resource.name} is not in the platform's approved flavors"]
    return []


# ---------------------------------------------------------------------------------------------
# Login material and what is injected at boot


def _no_admin_pass(resource: Resource, facts: Facts) -> list[str]:
    if text(resource.get("adminPass")):
        return [f"instance {resource.name} sets an admin password; hosts are reached with keys only"]
    return []


def _has_key_pair(resource: Resource, facts: Facts) -> list[str]:
    if not text(resource.get("keyPair")):
        return [f"instance {resource.name} has no key pair"]
    return []


def _own_key_pair(resources: list[Resource], facts: Facts) -> Findings:
    view = StackView.of(resources)
    out: Findings = []
    for instance in view.of_type(t.INSTANCE):
        tenant = view.tenant(instance)
        keypair = view.target(instance, "keyPair", t.KEYPAIR)
        name = text(keypair.get("name")) if keypair is not None else text(instance.get("keyPair"))
        # The key's tenant: the longest project slug its name starts with (base- vs base-data-).
        owners = [slug for slug in view.projects if name.startswith(f"{slug}-")]
        owner = max(owners, key=len) if owners else None
        if tenant and name and owner != tenant:
            out.append(
                (f"instance {instance.name} of tenant {tenant} trusts key pair {name} of another tenant", instance.urn)
            )
    return out


SECRET_PATTERNS = (
    re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----"),
    re.compile(
        r"(?im)\b(chpasswd|passwd|password|pass|pwd|secret|token|api[_-]?key|access[_-]?key|secret[_-]?key)\b"
        r"\s*[:=]\s*\S+"
    ),
)


def _decoded(user_data: str) -> list[str]:
    """The user data and, when it is base64, its decoded text too."""
    texts = [user_data]
    with contextlib.suppress(binascii.Error, UnicodeDecodeError, ValueError):
        texts.append(base64.b64decode(user_data, validate=True).decode("utf-8"))
    return texts


def has_secret(value: str) -> bool:
    return any(p.search(v) for v in _decoded(value) for p in SECRET_PATTERNS)


def _no_secrets_in_user_data(resource: Resource, facts: Facts) -> list[str]:
    if has_secret(text(resource.get("userData"))):
        return [f"instance {resource.name} has credentials or a private key in its user data"]
    return []


def _no_user_data_at_level_3(resources: list[Resource], facts: Facts) -> Findings:
    view = StackView.of(resources)
    return [
        (f"level-3 host {i.name} is configured through user data; configure it with the audited roles", i.urn)
        for i in view.of_type(t.INSTANCE)
        if text(i.get("userData")) and view.level(i) >= 3
    ]


def _no_injected_files(resource: Resource, facts: Facts) -> list[str]:
    if resource.get("personalities"):
        return [f"instance {resource.name} injects files at boot (personality)"]
    return []


SECRET_KEY = re.compile(r"(?i)(pass(word|wd)?|pwd|secret|token|credential|private[_-]?key|api[_-]?key|access[_-]?key)")


def _no_secrets_in_metadata(resource: Resource, facts: Facts) -> list[str]:
    meta = metadata(resource)
    keys = sorted(k for k, v in meta.items() if SECRET_KEY.search(str(k)) or has_secret(f"{k}={v}"))
    if keys:
        return [f"instance {resource.name} has credentials in its metadata ({', '.join(keys)})"]
    return []


# ---------------------------------------------------------------------------------------------
# Redundancy


def _replicas_spread(resources: list[Resource], facts: Facts) -> Findings:
    view = StackView.of(resources)
    roles: dict[tuple[str, str, str], list[Resource]] = defaultdict(list)
    for instance in view.of_type(t.INSTANCE):
        meta = metadata(instance)
        key = (text(meta.get("govcloud_tenant")), text(meta.get("govcloud_group")), text(meta.get("govcloud_role")))
        if all(key):
            roles[key].append(instance)
    out: Findings = []
    for (tenant, group, role), replicas in sorted(roles.items()):
        if len(replicas) < 2:
            continue
        groups = {i.name: view.target(i, "schedulerHints", t.SERVER_GROUP) for i in replicas}
        spread = {g.urn for g in groups.values() if g is not None}
        names = ", ".join(sorted(groups))
        if any(g is None for g in groups.values()) or len(spread) != 1:
            out.append(
                (f"replicas of {tenant}/{group}/{role} ({names}) do not share one server group", replicas[0].urn)
            )
    return out


SPREAD = "anti-affinity"
SOFT_SPREAD = "soft-anti-affinity"


def _policies(server_group: Resource) -> list[str]:
    value = server_group.get("policies")
    return [value] if isinstance(value, str) else [str(p) for p in value or []]


def _server_groups_spread(resources: list[Resource], facts: Facts) -> Findings:
    view = StackView.of(resources)
    members: dict[str, list[Resource]] = defaultdict(list)
    for instance in view.of_type(t.INSTANCE):
        for group in view.targets(instance, "schedulerHints", t.SERVER_GROUP):
            members[group.urn].append(instance)
    out: Findings = []
    for group in view.of_type(t.SERVER_GROUP):
        policies = _policies(group)
        top = max((view.level(i) for i in members[group.urn]), default=PLATFORM_LEVEL)
        if policies == [SPREAD] or (policies == [SOFT_SPREAD] and top < 3):
            continue
        allowed = SPREAD if top >= 3 else f"{SPREAD} or {SOFT_SPREAD}"
        out.append((f"server group {group.name} has policy {', '.join(policies) or 'none'}; use {allowed}", group.urn))
    return out


# ---------------------------------------------------------------------------------------------

BENIGN_USER_DATA = "#cloud-config\npackage_update: true\n"


def _second_fin_replica(hinted: bool) -> list[Mutation]:
    """A second fin app server (its own port), hinted to the app server group or not."""
    steps = [
        clone("fin-app-1-app-port", "fin-app-2-app-port", {"fixedIps": [{"ipAddress": "10.10.16.12"}]}),
        clone("fin-app-1", "fin-app-2", {"name": "fin-app-2"}),
        relink("fin-app-2", "networks", "fin-app-2-app-port", [{"port": "fin-app-2-app-port-id"}]),
    ]
    if not hinted:
        steps.append(unset("fin-app-2", "schedulerHints"))
    return steps


RULES = [
    Rule(
        id="GC-CMP-01",
        title_zh="云主机使用经批准的加固镜像",
        title_en="Instances boot an approved hardened image",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-06", "L3-CLD-02"),
        rationale="Only the platform's approved images are built minimal and hardened, checked for "
        "integrity and patched; any other image brings unreviewed software onto a level-3 platform.",
        remediation="Choose an image from the platform catalog (platform.yaml images) for the host.",
        resource_types=(t.INSTANCE,),
        check=_approved_image,
        violate=chain(
            set_input("fin-app-1", "imageId", "getImage-centos-7"), set_meta("fin-app-1", "govcloud_image", "centos-7")
        ),
    ),
    Rule(
        id="GC-CMP-02",
        title_zh="三级系统优先使用国产操作系统镜像",
        title_en="Level-3 hosts prefer a domestic OS image",
        severity=Severity.LOW,
        enforcement=EnforcementLevel.ADVISORY,
        controls=("L3-CEN-06",),
        rationale="E-government systems are moving to domestic (信创) operating systems; an approved foreign "
        "image is acceptable but each level-3 host on one is a migration item.",
        remediation="Move the host to kylin, UOS or openEuler when its software allows.",
        stack_check=_domestic_image,
        violate=chain(
            set_input("fin-app-1", "imageId", "getImage-debian-12"),
            set_meta("fin-app-1", "govcloud_image", "debian-12"),
        ),
        comply=chain(
            set_input("web-app-1", "imageId", "getImage-debian-12"),
            set_meta("web-app-1", "govcloud_image", "debian-12"),
        ),
    ),
    Rule(
        id="GC-CMP-03",
        title_zh="云主机使用平台定义的规格",
        title_en="Instances use one of the platform's flavors",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-01",),
        rationale="Capacity and quotas are planned in the platform's flavors; a host on an undeclared flavor "
        "escapes that plan (and its usage cannot be checked against the tenant's quota).",
        remediation="Give the host a flavor from platform.yaml; govcloud passes the Flavor resource's ID.",
        stack_check=_platform_flavor,
        violate=chain(unset("fin-app-1", "flavorId"), set_input("fin-app-1", "flavorId", "m1.huge-id")),
    ),
    Rule(
        id="GC-CMP-04",
        title_zh="只定义经批准的规格",
        title_en="Only approved flavors are defined",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-01",),
        rationale="The flavors the program creates are the platform's capacity units; an extra flavor is "
        "capacity nobody planned for.",
        remediation="Add the flavor to platform.yaml (and the capacity plan) or drop it.",
        resource_types=(t.FLAVOR,),
        check=_declared_flavors,
        violate=new(t.FLAVOR, "flavor-x1.huge", {"name": "x1.huge", "vcpus": 64, "ram": 524288, "disk": 2000}),
    ),
    Rule(
        id="GC-CMP-05",
        title_zh="云主机不设置管理员口令",
        title_en="No administrator password on instances",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-01",),
        rationale="An admin_pass is one shared password for root, stored in the program's state and visible "
        "to Nova; hosts are entered with personal keys through the bastion.",
        remediation="Drop admin_pass; log in with the key pair through the bastion.",
        resource_types=(t.INSTANCE,),
        check=_no_admin_pass,
        violate=set_input("fin-app-1", "adminPass", "Gov@2024!"),
    ),
    Rule(
        id="GC-CMP-06",
        title_zh="云主机均配置密钥对",
        title_en="Every instance has a key pair",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-01",),
        rationale="Without a key pair the image's own default login (or none at all) decides who can log "
        "in; key-based login is the only sanctioned way onto a host.",
        remediation="Give the instance its tenant's key pair (govcloud does this from the catalog).",
        resource_types=(t.INSTANCE,),
        check=_has_key_pair,
        violate=unset("web-app-1", "keyPair"),
    ),
    Rule(
        id="GC-CMP-07",
        title_zh="云主机只信任本租户的密钥对",
        title_en="Instances trust their own tenant's key pair",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-03", "L3-CLD-03"),
        rationale="A host that accepts another department's key lets that department's administrators in; "
        "each tenant's hosts trust that tenant's key only.",
        remediation="Use the tenant's own key pair (<slug>-admin).",
        stack_check=_own_key_pair,
        violate=relink("fin-app-1", "keyPair", "web-admin-key", "web-admin"),
    ),
    Rule(
        id="GC-CMP-08",
        title_zh="用户数据中不含口令、令牌或私钥",
        title_en="No secrets in user data",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-01", "L3-CEN-08"),
        rationale="User data is stored by Nova, served in clear by the metadata service to any process on "
        "the host and kept in the program's state: no place for passwords, tokens or private keys.",
        remediation="Deliver secrets from the key-management station at configuration time, never in user data.",
        resource_types=(t.INSTANCE,),
        check=_no_secrets_in_user_data,
        violate=set_input("web-app-1", "userData", "#cloud-config\nchpasswd:\n  list: |\n    root:Gov@2024!\n"),
    ),
    Rule(
        id="GC-CMP-09",
        title_zh="三级主机不使用用户数据进行配置",
        title_en="Level-3 hosts are not configured through user data",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-06", "L3-CLD-02"),
        rationale="Level-3 hosts are configured by the hardening roles, whose runs are reviewed and leave "
        "evidence; a user-data script changes the host before and outside that record.",
        remediation="Move the configuration into an Ansible role applied to the host group.",
        stack_check=_no_user_data_at_level_3,
        violate=set_input("fin-app-1", "userData", BENIGN_USER_DATA),
        comply=set_input("web-app-1", "userData", BENIGN_USER_DATA),
    ),
    Rule(
        id="GC-CMP-10",
        title_zh="不向云主机注入文件",
        title_en="No files injected into instances",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-02", "L3-CEN-06"),
        rationale="Personality files are written into the image at boot, outside the hardened image's "
        "integrity baseline and outside the configuration record.",
        remediation="Drop personality; ship files with the host group's role.",
        resource_types=(t.INSTANCE,),
        check=_no_injected_files,
        violate=set_input("fin-app-1", "personalities", [{"file": "/etc/ssh/sshd_config", "content": "PermitRoot"}]),
    ),
    Rule(
        id="GC-CMP-11",
        title_zh="云主机元数据中不含凭据",
        title_en="No credentials in instance metadata",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-01", "L3-CEN-08"),
        rationale="Instance metadata is readable by every member of the project, by the metadata service on "
        "the host and in the program's state.",
        remediation="Keep metadata to attribution (tenant, group, role, image, level); fetch secrets from the "
        "key-management station.",
        resource_types=(t.INSTANCE,),
        check=_no_secrets_in_metadata,
        violate=set_meta("web-app-1", "db_password", "Gov@2024!"),
    ),
    Rule(
        id="GC-CMP-12",
        title_zh="同一角色的多副本纳入同一反亲和组",
        title_en="Replicas of a role share one anti-affinity server group",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-10",),
        rationale="Redundant hosts only give redundancy if they run on different hypervisors: every "
        "instance of the same tenant, group and role is scheduled through the same server group.",
        remediation="Schedule all replicas of the role with scheduler_hints group = the role's server group "
        "(govcloud does this for hosts with count > 1).",
        stack_check=_replicas_spread,
        violate=chain(*_second_fin_replica(hinted=False)),
        comply=chain(*_second_fin_replica(hinted=True)),
    ),
    Rule(
        id="GC-CMP-13",
        title_zh="服务器组采用反亲和策略",
        title_en="Server groups keep their members apart",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-10",),
        rationale="affinity packs replicas onto one hypervisor, the opposite of redundancy; "
        "soft-anti-affinity may still do so under pressure, which level 3 does not accept.",
        remediation="Use anti-affinity (soft-anti-affinity only for groups of level 1-2 hosts).",
        stack_check=_server_groups_spread,
        violate=set_input("fin-app-spread", "policies", "affinity"),
        comply=set_input("web-app-spread", "policies", SOFT_SPREAD),
    ),
]

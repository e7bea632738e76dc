"""Storage (数据保密性, 数据备份恢复, 云计算扩展): volume encryption by level, volume types,
attachments and clones within a tenant, backup and snapshot quota."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from . import resources as t
from .facts import Facts
from .fixtures import set_input
from .resource_edits import new, relink
from .resources import Resource
from .rule import Rule
from .tenancy import PLATFORM_LEVEL, StackView, as_int, text

Findings = list[tuple[str, str | None]]
ENCRYPTED_SPEC = "govcloud:encrypted"


# ---------------------------------------------------------------------------------------------
# Encryption


def _encrypted_by_level(resources: list[Resource], facts: Facts) -> Findings:
    """A volume holds level-3 data if its tenant is level 3 or it is attached to a level-3 host."""
    view = StackView.of(resources)
    hosts: dict[str, list[Resource]] = {}
    for _, instance, volume in view.attachments():
        hosts.setdefault(volume.urn, []).append(instance)
    out: Findings = []
    for volume in view.of_type(t.VOLUME):
        on_hosts = hosts.get(volume.urn, [])
        data_level = max([view.level(volume), *(view.level(i) for i in on_hosts)])
        vtype = view.volume_type_name(volume)
        if data_level >= 3 and vtype not in facts.encrypted_volume_types:
            where = f" on level-3 host {', '.join(i.name for i in on_hosts)}" if on_hosts else ""
            out.append(
                (
                    f"volume {volume.name}{where} holds level-3 data on type {vtype or '(default)'}, "
                    f"not an encrypted type ({', '.join(facts.encrypted_volume_types)})",
                    volume.urn,
                )
            )
    return out


def _spec(resource: Resource) -> str | None:
    specs = resource.get("extraSpecs")
    value: Any = specs.get(ENCRYPTED_SPEC) if isinstance(specs, Mapping) else None
    return str(value).lower() if value is not None else None


def _volume_type_declared(resource: Resource, facts: Facts) -> list[str]:
    name = text(resource.get("name"))
    spec = _spec(resource)
    listed = name in facts.encrypted_volume_types
    if spec not in ("true", "false"):
        return [f"volume type {name} does not declare {ENCRYPTED_SPEC} (true or false)"]
    if listed and spec != "true":
        return [f"volume type {name} is one of the platform's encrypted types but declares {ENCRYPTED_SPEC}={spec}"]
    if not listed and spec == "true":
        return [f"volume type {name} claims encryption but is not one of the platform's encrypted types"]
    return []


def _block_device_volumes(resources: list[Resource], facts: Facts) -> Findings:
    """Boot/extra volumes created through block_device on a level-3 host are encrypted."""
    view = StackView.of(resources)
    out: Findings = []
    for instance in view.of_type(t.INSTANCE):
        if view.level(instance) < 3:
            continue
        for device in instance.get("blockDevices") or []:
            if not isinstance(device, Mapping) or text(device.get("destinationType")) != "volume":
                continue
            if text(device.get("sourceType")) == "volume":
                continue  # an existing volume: checked below through the reference
            vtype = text(device.get("volumeType"))
            if vtype not in facts.encrypted_volume_types:
                out.append(
                    (
                        f"level-3 host {instance.name} creates a {text(device.get('sourceType'))} volume of "
                        f"type {vtype or '(default)'} through block_device; use an encrypted type",
                        instance.urn,
                    )
                )
        for volume in view.targets(instance, "blockDevices", t.VOLUME):
            if view.volume_type_name(volume) not in facts.encrypted_volume_types:
                out.append((f"level-3 host {instance.name} boots from unencrypted volume {volume.name}", instance.urn))
    return out


# ---------------------------------------------------------------------------------------------
# Tenancy of data


def _attach_within_tenant(resources: list[Resource], facts: Facts) -> Findings:
    view = StackView.of(resources)
    out: Findings = []
    for attach, instance, volume in view.attachments():
        owner, host = view.tenant(volume), view.tenant(instance)
        if owner and host and owner != host:
            out.append(
                (
                    f"{attach.name} attaches tenant {owner}'s volume {volume.name} to tenant {host}'s host "
                    f"{instance.name}",
                    attach.urn,
                )
            )
    return out


SOURCES = ("sourceVolId", "snapshotId", "backupId", "sourceReplica")


def _clones_within_tenant(resources: list[Resource], facts: Facts) -> Findings:
    view = StackView.of(resources)
    out: Findings = []
    for volume in view.of_type(t.VOLUME):
        owner = view.tenant(volume)
        for key in SOURCES:
            if not text(volume.get(key)):
                continue
            source = view.target(volume, key, t.VOLUME)
            if source is None:
                out.append(
                    (
                        f"volume {volume.name} is made from {key} {volume.get(key)}, which cannot be traced "
                        f"to a volume of tenant {owner or '(unknown)'}",
                        volume.urn,
                    )
                )
            elif view.tenant(source) != owner:
                out.append(
                    (
                        f"volume {volume.name} of tenant {owner} is cloned from {view.tenant(source)}'s "
                        f"volume {source.name}",
                        volume.urn,
                    )
                )
    return out


# ---------------------------------------------------------------------------------------------
# Backup


BACKUP_KEYS = ("snapshots", "backups", "backupGigabytes")


def _backups_allowed(resources: list[Resource], facts: Facts) -> Findings:
    view = StackView.of(resources)
    out: Findings = []
    for quota in view.of_type(t.VOLUME_QUOTA):
        project = view.project_of(quota)
        if project is None:
            continue
        slug = text(project.get("name"))
        lvl = view.project_level(slug)
        if (lvl if lvl is not None else PLATFORM_LEVEL) < 3:
            continue
        closed = [k for k in BACKUP_KEYS if as_int(quota.get(k)) in (None, 0)]
        if closed:
            out.append(
                (
                    f"level-3 project {slug}'s volume quota leaves {', '.join(closed)} undeclared or 0: "
                    "its data cannot be snapshotted or backed up",
                    quota.urn,
                )
            )
    return out


# ---------------------------------------------------------------------------------------------

BOOT_FROM_IMAGE = {
    "sourceType": "image",
    "destinationType": "volume",
    "uuid": "getImage-kylin-server-v10-sp3",
    "volumeSize": 40,
    "bootIndex": 0,
    "deleteOnTermination": True,
}

RULES = [
    Rule(
        id="GC-STO-01",
        title_zh="三级数据存放于加密卷类型",
        title_en="Level-3 data is on an encrypted volume type",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-08",),
        rationale="Level 3 requires confidentiality of important stored data: a volume of a level-3 tenant, "
        "or one attached to a level-3 host, is created on a LUKS-encrypted type with keys in the key manager.",
        remediation="Create the volume with an encrypted type (type: encrypted in the catalog).",
        stack_check=_encrypted_by_level,
        violate=set_input("fin-app-1-data", "volumeType", "standard"),
        # The type given as the VolumeTypeV3 resource's output (an opaque ID) is resolved by reference.
        comply=relink("fin-app-1-data", "volumeType", "volume-type-encrypted"),
    ),
    Rule(
        id="GC-STO-02",
        title_zh="云硬盘只挂载到本租户主机",
        title_en="Volumes attach only to their own tenant's hosts",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-03", "L3-CEN-08"),
        rationale="A volume carries its tenant's data; attached to another tenant's host it is read and "
        "written under that tenant's administrators and level.",
        remediation="Attach volumes to hosts of the tenant that owns them; share data through the exchange platform.",
        stack_check=_attach_within_tenant,
        violate=relink("fin-app-1-data-attach", "instanceId", "web-app-1"),
    ),
    Rule(
        id="GC-STO-03",
        title_zh="卷类型声明加密属性且与平台一致",
        title_en="Volume types declare whether they are encrypted, as the platform says",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-08",),
        rationale="Auditors read encryption from the type's govcloud:encrypted spec; it must be present and "
        "agree with the platform's list of encrypted types that the level rules rely on.",
        remediation="Set extra_specs govcloud:encrypted to true exactly for the platform's encrypted types "
        "(and attach the LUKS encryption spec to them).",
        resource_types=(t.VOLUME_TYPE,),
        check=_volume_type_declared,
        violate=set_input("volume-type-encrypted", "extraSpecs", {ENCRYPTED_SPEC: "false"}),
    ),
    Rule(
        id="GC-STO-04",
        title_zh="三级租户的卷配额允许快照与备份",
        title_en="Level-3 projects may snapshot and back up their volumes",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-09",),
        rationale="Level 3 requires local backup and restore of important data; a volume quota with no "
        "snapshots or backups makes the backup job fail silently.",
        remediation="Declare snapshots, backups and backup_gigabytes (> 0) in the tenant's volume quota.",
        stack_check=_backups_allowed,
        violate=set_input("fin-volume-quota", "backups", 0),
    ),
    Rule(
        id="GC-STO-05",
        title_zh="卷只能从本租户的卷或快照克隆",
        title_en="Volumes are cloned only from their own tenant's volumes",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-03", "L3-CLD-02"),
        rationale="A volume made from another tenant's volume, snapshot or backup copies that tenant's data "
        "(and level) out of its boundary; a source the program cannot trace is treated the same way.",
        remediation="Clone only from a volume declared in the same tenant; restores from snapshots go through "
        "the restore runbook, which checks ownership.",
        stack_check=_clones_within_tenant,
        violate=new(
            t.VOLUME,
            "web-copy-of-fin",
            {"size": 50, "volumeType": "standard", "metadata": {"govcloud_tenant": "web", "mlps_level": "2"}},
            "web",
            sourceVolId="fin-app-1-data",
        ),
    ),
    Rule(
        id="GC-STO-06",
        title_zh="三级主机经块设备创建的卷须加密",
        title_en="Volumes a level-3 host creates at boot are encrypted",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-08",),
        rationale="Booting from a volume (block_device with destination volume) creates a volume the level "
        "rules would not otherwise see; on a level-3 host it holds level-3 data and takes the default type "
        "unless told.",
        remediation="Give the block device volume_type = an encrypted type, or boot from the image.",
        stack_check=_block_device_volumes,
        violate=set_input("fin-app-1", "blockDevices", [BOOT_FROM_IMAGE]),
        comply=set_input("fin-app-1", "blockDevices", [{**BOOT_FROM_IMAGE, "volumeType": "encrypted"}]),
    ),
]

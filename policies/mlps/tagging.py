"""Attribution (云计算扩展: ownership of virtual resources): projects say whose they are, at what
level, how sensitive and in which zones; instances and volumes say which tenant, host group,
role and level they belong to, and that agrees with their project."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Severity

from . import resources as t
from .facts import Facts
from .resource_edits import retag, set_meta
from .resources import Resource
from .rule import Rule
from .tenancy import StackView, level, metadata, tag_values, text

Findings = list[tuple[str, str | None]]
SENSITIVITY = ("public", "internal", "sensitive", "classified")
INSTANCE_METADATA = ("govcloud_tenant", "govcloud_group", "govcloud_role", "govcloud_image", "mlps_level")
VOLUME_METADATA = ("govcloud_tenant", "mlps_level")


def _project_owner(resource: Resource, facts: Facts) -> list[str]:
    name = text(resource.get("name"))
    out = []
    if "govcloud" not in resource.tags:
        out.append(f"project {name} lacks the govcloud tag")
    if tag_values(resource, "dept") != [name]:
        out.append(f"project {name} is not tagged with its department dept:{name}")
    return out


def _project_level(resource: Resource, facts: Facts) -> list[str]:
    values = tag_values(resource, "mlps")
    if len(values) != 1 or level(values[0]) is None:
        return [f"project {text(resource.get('name'))} needs exactly one mlps:<1-4> tag (has {values or 'none'})"]
    return []


def _project_sensitivity(resource: Resource, facts: Facts) -> list[str]:
    values = tag_values(resource, "sensitivity")
    if len(values) != 1 or values[0] not in SENSITIVITY:
        return [
            f"project {text(resource.get('name'))} needs exactly one sensitivity:<{'|'.join(SENSITIVITY)}> "
            f"tag (has {values or 'none'})"
        ]
    return []


def _project_zones(resource: Resource, facts: Facts) -> list[str]:
    zones = tag_values(resource, "zone")
    name = text(resource.get("name"))
    if not zones:
        return [f"project {name} names no zone (zone:<zone> tags)"]
    unknown = sorted(z for z in zones if facts.zones and z not in facts.zones)
    if unknown:
        return [f"project {name} is tagged with zones the platform does not have: {', '.join(unknown)}"]
    return []


def _instance_attribution(resource: Resource, facts: Facts) -> list[str]:
    meta = metadata(resource)
    missing = [k for k in INSTANCE_METADATA if not text(meta.get(k))]
    if missing:
        return [f"instance {resource.name} lacks attribution metadata {', '.join(missing)}"]
    expected = {"dept": meta["govcloud_tenant"], "group": meta["govcloud_group"], "role": meta["govcloud_role"]}
    wrong = sorted(k for k, v in expected.items() if tag_values(resource, k) != [v])
    if wrong:
        return [f"instance {resource.name}'s {', '.join(wrong)} tags disagree with its metadata"]
    return []


def _volume_attribution(resource: Resource, facts: Facts) -> list[str]:
    meta = metadata(resource)
    missing = [k for k in VOLUME_METADATA if not text(meta.get(k))]
    if missing:
        return [f"volume {resource.name} lacks attribution metadata {', '.join(missing)}"]
    return []


def _attribution_matches_project(resources: list[Resource], facts: Facts) -> Findings:
    view = StackView.of(resources)
    out: Findings = []
    for r in view.of_type(t.INSTANCE, t.VOLUME):
        tenant = view.tenant(r)
        if not tenant:
            continue  # the attribution rules report it
        if tenant not in view.projects:
            out.append((f"{r.name} names tenant {tenant}, which is not a project of this stack", r.urn))
            continue
        declared, project = level(metadata(r).get("mlps_level")), view.project_level(tenant)
        if declared is not None and project is not None and declared != project:
            out.append((f"{r.name} says level {declared} but its project {tenant} is level {project}", r.urn))
    return out


RULES = [
    Rule(
        id="GC-TAG-01",
        title_zh="项目标明所属部门",
        title_en="Projects name their department",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-03",),
        rationale="Every virtual resource belongs to a department that answers for it; the project's govcloud "
        "and dept:<slug> tags are how audits and the live cloud tell its owner.",
        remediation="Tag the project govcloud and dept:<slug> (govcloud does this from the catalog).",
        resource_types=(t.PROJECT,),
        check=_project_owner,
        violate=retag("fin-project", "dept:fin", None),
    ),
    Rule(
        id="GC-TAG-02",
        title_zh="项目标明等级保护级别",
        title_en="Projects carry their MLPS level",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-03", "L3-CNS-05"),
        rationale="The level decides which rules apply (encryption, user data, redundancy); a project needs "
        "exactly one mlps:<1-4> tag for them to be applied rightly.",
        remediation="Tag the project with its graded level, mlps:<1-4>.",
        resource_types=(t.PROJECT,),
        check=_project_level,
        violate=retag("web-project", "mlps:2", "mlps:5"),
    ),
    Rule(
        id="GC-TAG-03",
        title_zh="项目标明数据敏感程度",
        title_en="Projects carry their sensitivity",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-03",),
        rationale="Sensitivity (public, internal, sensitive) decides handling beyond the level and is what "
        "keeps classified systems recognisable; exactly one known value is required.",
        remediation="Tag the project sensitivity:<public|internal|sensitive>.",
        resource_types=(t.PROJECT,),
        check=_project_sensitivity,
        violate=retag("fin-project", "sensitivity:internal", "sensitivity:restricted"),
    ),
    Rule(
        id="GC-TAG-04",
        title_zh="项目标明所在安全区域",
        title_en="Projects name their zones",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-03",),
        rationale="The zones a project reaches (intranet, extranet, management) decide its boundary and "
        "quota rules; each must be one of the platform's zones.",
        remediation="Tag the project zone:<zone> for each zone it has networks in.",
        resource_types=(t.PROJECT,),
        check=_project_zones,
        violate=retag("web-project", None, "zone:dmz"),
    ),
    Rule(
        id="GC-TAG-05",
        title_zh="云主机标明租户、主机组、角色、镜像与级别",
        title_en="Instances say whose they are",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-03",),
        rationale="An instance carries its tenant, host group, role, image and level (metadata, mirrored in "
        "dept/group/role tags) so inventories, audits and the level rules can place it.",
        remediation="Set govcloud_tenant, govcloud_group, govcloud_role, govcloud_image and mlps_level "
        "metadata and the matching tags (govcloud does this).",
        resource_types=(t.INSTANCE,),
        check=_instance_attribution,
        violate=set_meta("fin-app-1", "govcloud_role", None),
    ),
    Rule(
        id="GC-TAG-06",
        title_zh="云硬盘标明所属租户与级别",
        title_en="Volumes say whose they are",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-03",),
        rationale="A volume outlives the host it is attached to; its metadata is what ties it (and its "
        "backups) to a tenant and a level afterwards.",
        remediation="Set govcloud_tenant and mlps_level metadata on the volume (govcloud does this).",
        resource_types=(t.VOLUME,),
        check=_volume_attribution,
        violate=set_meta("fin-app-1-data", "govcloud_tenant", None),
    ),
    Rule(
        id="GC-TAG-07",
        title_zh="主机与云硬盘的归属与其项目一致",
        title_en="Instances' and volumes' attribution agrees with their project",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-03", "L3-CNS-05"),
        rationale="The tenant named in metadata must be a declared project and the level the project's: a "
        "host claiming a lower level than its project would escape that level's rules.",
        remediation="Fix the metadata (or the project's level) so both say the same.",
        stack_check=_attribution_matches_project,
        violate=set_meta("fin-app-1", "mlps_level", "2"),
    ),
]

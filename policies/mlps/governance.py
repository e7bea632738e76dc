"""Governance of the shared platform: what it may carry at all (no classified systems, nothing
above its own level) and the level of its own management tenant."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Severity

from . import resources as t
from .facts import Facts
from .resource_edits import relevel, retag
from .resources import Resource
from .rule import Rule
from .tenancy import PLATFORM_LEVEL, StackView, level, metadata, tag_values, text

Findings = list[tuple[str, str | None]]

# 涉密 marks in either language (the catalog's value is `classified`).
CLASSIFIED = frozenset({"classified", "secret", "confidential", "top-secret", "涉密", "秘密", "机密", "绝密"})
TAGGED = (t.PROJECT, t.INSTANCE, t.VOLUME, t.NETWORK, t.SUBNET, t.ROUTER, t.PORT, t.SEC_GROUP)


def _marks(resource: Resource, key: str, meta_key: str) -> list[str]:
    """Values of a `key:` tag and of the matching metadata entry."""
    values = tag_values(resource, key)
    meta = metadata(resource).get(meta_key)
    return [*values, str(meta)] if meta is not None else values


def _not_classified(resource: Resource, facts: Facts) -> list[str]:
    marks = sorted({m for m in _marks(resource, "sensitivity", "sensitivity") if m.lower() in CLASSIFIED})
    if marks:
        return [
            f"{resource.name} is marked {', '.join(marks)}: classified (涉密) systems are not placed on the "
            "shared e-government cloud"
        ]
    return []


def _not_above_platform(resource: Resource, facts: Facts) -> list[str]:
    levels = sorted({lv for v in _marks(resource, "mlps", "mlps_level") if (lv := level(v)) is not None})
    above = [lv for lv in levels if lv > facts.platform_level]
    if above:
        return [
            f"{resource.name} is a level-{above[-1]} system; the platform is protected at level "
            f"{facts.platform_level} and cannot carry it"
        ]
    return []


def _management_at_platform_level(resources: list[Resource], facts: Facts) -> Findings:
    view = StackView.of(resources)
    out: Findings = []
    for slug, required in ((facts.management_tenant, True), (facts.exchange_tenant, False)):
        project = view.projects.get(slug)
        if project is None:
            if required:
                out.append((f"the platform's management tenant {slug} is not declared", None))
            continue
        lvl = view.project_level(slug)
        if lvl is None or lvl < facts.platform_level:
            out.append(
                (
                    f"platform tenant {text(project.get('name'))} is level {lvl or '(none)'}; it runs the "
                    f"platform's own services and is protected at level {facts.platform_level}",
                    project.urn,
                )
            )
    return out


RULES = [
    Rule(
        id="GC-GOV-01",
        title_zh="涉密系统不上共享政务云",
        title_en="No classified system on the shared platform",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("GOV-01",),
        rationale="Classified (涉密) information systems fall under the separate protection regime for "
        "classified systems and must not be placed on the shared e-government cloud; the catalog refuses "
        "them and the pack catches any that slip through.",
        remediation="Host the system on the department's accredited classified network, not on govcloud.",
        resource_types=TAGGED,
        check=_not_classified,
        violate=retag("fin-project", "sensitivity:internal", "sensitivity:classified"),
    ),
    Rule(
        id="GC-GOV-02",
        title_zh="承载系统的级别不高于云平台级别",
        title_en="No system above the platform's level",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CNS-05",),
        rationale="The cloud platform's protection level must not be below that of the systems it carries; "
        f"this platform is level {PLATFORM_LEVEL}, so a level-4 system cannot be placed on it.",
        remediation="Host level-4 systems on a platform graded at level 4.",
        resource_types=TAGGED,
        check=_not_above_platform,
        violate=relevel("fin", 4),
    ),
    Rule(
        id="GC-GOV-03",
        title_zh="平台管理租户按平台级别保护",
        title_en="The platform's own tenants are protected at the platform's level",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CNS-05",),
        rationale="The management tenant (trust services, bastion, audit logs, key management) and the data-"
        "exchange tenant are part of the platform; graded below it they would be the weakest way into every "
        "tenant.",
        remediation=f"Grade the management and exchange tenants at level {PLATFORM_LEVEL} (mlps_level in their "
        "catalog files).",
        stack_check=_management_at_platform_level,
        violate=relevel("mgmt", 2),
    ),
]

"""Quotas (云计算扩展: resources within quotas and the platform's capacity): every project has
its three quota sets, finite, summing within what the cloud can give, and covering what the
program itself puts in the project."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping

from pulumi_policy import EnforcementLevel, Severity

from . import resources as t
from .facts import Facts
from .fixtures import set_input
from .resource_edits import remove
from .resources import Resource
from .rule import Rule
from .tenancy import StackView, as_int, tag_values, text

Findings = list[tuple[str, str | None]]
QUOTAS = (t.COMPUTE_QUOTA, t.NETWORK_QUOTA, t.VOLUME_QUOTA)
KIND = {t.COMPUTE_QUOTA: "compute", t.NETWORK_QUOTA: "network", t.VOLUME_QUOTA: "volume"}

# Limits every quota set declares (left out, the cloud's default applies, which nobody planned).
REQUIRED = {
    t.COMPUTE_QUOTA: ("instances", "cores", "ram"),
    t.NETWORK_QUOTA: ("network", "subnet", "port", "router", "securityGroup", "securityGroupRule", "floatingip"),
    t.VOLUME_QUOTA: ("volumes", "gigabytes"),
}

# facts.capacity key -> (quota type, quota input): what the platform can hand out in total.
CAPACITY = {
    "instances": (t.COMPUTE_QUOTA, "instances"),
    "cores": (t.COMPUTE_QUOTA, "cores"),
    "ram_mb": (t.COMPUTE_QUOTA, "ram"),
    "volumes": (t.VOLUME_QUOTA, "volumes"),
    "gigabytes": (t.VOLUME_QUOTA, "gigabytes"),
    "snapshots": (t.VOLUME_QUOTA, "snapshots"),
    "backups": (t.VOLUME_QUOTA, "backups"),
    "backup_gigabytes": (t.VOLUME_QUOTA, "backupGigabytes"),
    "networks": (t.NETWORK_QUOTA, "network"),
    "subnets": (t.NETWORK_QUOTA, "subnet"),
    "ports": (t.NETWORK_QUOTA, "port"),
    "routers": (t.NETWORK_QUOTA, "router"),
    "security_groups": (t.NETWORK_QUOTA, "securityGroup"),
    "security_group_rules": (t.NETWORK_QUOTA, "securityGroupRule"),
    "floating_ips": (t.NETWORK_QUOTA, "floatingip"),
}
NOT_LIMITS = ("projectId", "region")


def _quota_per_project(resources: list[Resource], facts: Facts) -> Findings:
    view = StackView.of(resources)
    count: Counter[tuple[str, str]] = Counter()
    out: Findings = []
    for quota in view.of_type(*QUOTAS):
        project = view.project_of(quota)
        if project is None:
            out.append((f"{KIND[quota.type]} quota {quota.name} is not for a project of this stack", quota.urn))
        else:
            count[(project.urn, quota.type)] += 1
    for slug, project in sorted(view.projects.items()):
        for type_ in QUOTAS:
            n = count[(project.urn, type_)]
            if n != 1:
                out.append((f"project {slug} has {n} {KIND[type_]} quota sets; it needs exactly one", project.urn))
    return out


def _finite_quota(resource: Resource, facts: Facts) -> list[str]:
    out = []
    missing = [k for k in REQUIRED[resource.type] if as_int(resource.get(k)) is None]
    if missing:
        out.append(f"{KIND[resource.type]} quota {resource.name} leaves {', '.join(missing)} to the cloud's default")
    unlimited = sorted(k for k, v in resource.props.items() if k not in NOT_LIMITS and (as_int(v) or 0) < 0)
    if unlimited:
        out.append(f"{KIND[resource.type]} quota {resource.name} is unlimited (-1) for {', '.join(unlimited)}")
    return out


def _within_capacity(resources: list[Resource], facts: Facts) -> Findings:
    view = StackView.of(resources)
    out: Findings = []
    for key, total in sorted(facts.capacity.items()):
        if key not in CAPACITY:
            continue
        type_, field_ = CAPACITY[key]
        values = [as_int(q.get(field_)) for q in view.of_type(type_)]
        granted = sum(v for v in values if v is not None and v > 0)
        if granted > total:
            out.append(
                (
                    f"projects' {field_} quotas add up to {granted}, beyond the platform's capacity of {total} {key}",
                    None,
                )
            )
    return out


def _no_floating_ips_off_internet(resources: list[Resource], facts: Facts) -> Findings:
    view = StackView.of(resources)
    out: Findings = []
    for quota in view.of_type(t.NETWORK_QUOTA):
        project = view.project_of(quota)
        if project is None:
            continue
        closed = sorted(z for z in tag_values(project, "zone") if z != facts.internet_zone)
        if closed and as_int(quota.get("floatingip")) != 0:
            out.append(
                (
                    f"project {text(project.get('name'))} reaches {', '.join(closed)} (no internet) but its "
                    f"floating IP quota is {quota.get('floatingip', 'the default')}, not 0",
                    quota.urn,
                )
            )
    return out


def _usage(view: StackView) -> dict[str, Counter[str]]:
    """What the stack itself puts in each tenant: instances, cores, ram, volumes, gigabytes."""
    used: dict[str, Counter[str]] = defaultdict(Counter)
    for instance in view.of_type(t.INSTANCE):
        tenant = view.tenant(instance)
        if not tenant:
            continue
        used[tenant]["instances"] += 1
        flavor = view.flavor(instance)
        if flavor is not None:
            used[tenant]["cores"] += as_int(flavor.get("vcpus")) or 0
            used[tenant]["ram"] += as_int(flavor.get("ram")) or 0
        for device in instance.get("blockDevices") or []:
            if isinstance(device, Mapping) and text(device.get("destinationType")) == "volume":
                used[tenant]["volumes"] += 1
                used[tenant]["gigabytes"] += as_int(device.get("volumeSize")) or 0
    for volume in view.of_type(t.VOLUME):
        tenant = view.tenant(volume)
        if tenant:
            used[tenant]["volumes"] += 1
            used[tenant]["gigabytes"] += as_int(volume.get("size")) or 0
    return used


def _usage_within_quota(resources: list[Resource], facts: Facts) -> Findings:
    view = StackView.of(resources)
    used = _usage(view)
    out: Findings = []
    for quota in view.of_type(t.COMPUTE_QUOTA, t.VOLUME_QUOTA):
        project = view.project_of(quota)
        if project is None:
            continue
        slug = text(project.get("name"))
        for key in REQUIRED[quota.type]:
            limit = as_int(quota.get(key))
            if limit is not None and limit >= 0 and used[slug][key] > limit:
                out.append(
                    (
                        f"project {slug} is given {used[slug][key]} {key} by this stack, beyond its quota of {limit}",
                        quota.urn,
                    )
                )
    return out


RULES = [
    Rule(
        id="GC-QTA-01",
        title_zh="每个租户项目恰有一套计算、网络、存储配额",
        title_en="Every project has exactly one compute, network and volume quota",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-01",),
        rationale="A project without its quota set runs on the cloud's defaults, which nobody planned; two "
        "sets for one project overwrite each other on every update.",
        remediation="Declare the tenant's quotas in its catalog file (govcloud creates one set of each).",
        stack_check=_quota_per_project,
        violate=remove("fin-volume-quota"),
    ),
    Rule(
        id="GC-QTA-02",
        title_zh="配额均为明确的有限值",
        title_en="Quotas are declared and finite",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-01",),
        rationale="An unlimited (-1) or undeclared limit lets one tenant take the platform's capacity from all others.",
        remediation="Give every limit a number from the catalog; never -1.",
        resource_types=QUOTAS,
        check=_finite_quota,
        violate=set_input("fin-compute-quota", "cores", -1),
    ),
    Rule(
        id="GC-QTA-03",
        title_zh="配额总和不超过平台容量",
        title_en="Quotas add up within the platform's capacity",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-01",),
        rationale="The platform promises each tenant its quota; promises beyond capacity are broken exactly "
        "when several tenants need them, e.g. in an emergency.",
        remediation="Lower tenants' quotas or raise the platform's capacity (platform.yaml capacity) with "
        "real hardware.",
        stack_check=_within_capacity,
        violate=set_input("fin-compute-quota", "instances", 1000),
    ),
    Rule(
        id="GC-QTA-04",
        title_zh="无互联网区域的租户浮动 IP 配额为零",
        title_en="No floating IPs for projects in zones without internet",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-01",),
        rationale="The intranet and management zones have no path to the internet; a floating IP quota is "
        "the means to publish a host, and the quota cannot say from which zone, so a project that reaches "
        "such a zone gets none.",
        remediation="Set floating_ips: 0; publish extranet services through the unified internet exit.",
        stack_check=_no_floating_ips_off_internet,
        violate=set_input("fin-network-quota", "floatingip", 2),
        comply=set_input("web-network-quota", "floatingip", 2),
    ),
    Rule(
        id="GC-QTA-05",
        title_zh="租户内资源不超出其配额",
        title_en="What the stack puts in a project fits its quota",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-01",),
        rationale="Hosts and volumes beyond the quota fail half-way through a deployment, leaving a tenant "
        "partly built; catching it in preview keeps deployments whole.",
        remediation="Raise the tenant's quota in its catalog file or declare fewer/smaller hosts and volumes.",
        stack_check=_usage_within_quota,
        violate=set_input("fin-app-1-data", "size", 5000),
    ),
]

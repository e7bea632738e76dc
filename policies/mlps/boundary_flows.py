"""Area boundary (安全区域边界): where security-group rules may lead.

Each rule's remote is placed in a zone (by the zones' supernets), in a tenant (by the subnets
it overlaps) or on the internet; its group is placed in the zones of the ports it guards.
Administration comes only from the bastion; the internet is reached only from the extranet
and with approval; crossing a zone or a tenant needs an approval reference; the intranet and
the extranet meet only at the exchange gateways.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, Severity

from .fixtures import APPROVAL, Res, add_tenant, chain
from .network_edits import edit, sg_rule
from .resources import Resource
from .rule import Rule
from .topology import (
    MANAGEMENT,
    Finding,
    Remote,
    Stack,
    admin_ports,
    approved,
    is_any,
    on_baseline_ports,
    over_stack,
)

SPECIFIC_PREFIX = 24  # remote prefixes inside the platform are hosts or subnets, not zones


def _rules(s: Stack) -> Iterator[tuple[Resource, Resource | None, Remote]]:
    yield from s.classified


def _is_bastion_remote(s: Stack, rule: Resource, remote: Remote) -> bool:
    if remote.kind == "zone" and remote.network is not None:
        return s.facts.in_bastion(str(remote.network))
    if remote.kind == "group":
        groups = s.targets(rule, "remoteGroupId")
        return bool(groups) and all(s.is_bastion_group(g) for g in groups)
    return False


# -- administration -----------------------------------------------------------------------------


@over_stack
def _admin_ingress(s: Stack) -> Iterator[Finding]:
    for rule, _group, remote in _rules(s):
        services = admin_ports(rule)
        if rule.get("direction") != "ingress" or not services or remote.kind == "none":
            continue
        if not _is_bastion_remote(s, rule, remote):
            yield (
                f"rule {rule.name} opens {', '.join(services)} to {rule.get('remoteIpPrefix') or 'a remote group'}; "
                f"administration comes only from the bastion ({', '.join(s.facts.bastion_cidrs)})",
                rule.urn,
            )


@over_stack
def _admin_egress(s: Stack) -> Iterator[Finding]:
    for rule, group, _remote in _rules(s):
        services = admin_ports(rule)
        if rule.get("direction") != "egress" or not services or group is None:
            continue
        if not s.is_bastion_group(group):
            yield (
                f"rule {rule.name} lets {group.name} open {', '.join(services)} sessions; only the bastion "
                "administers hosts",
                rule.urn,
            )


def _internet_rules(s: Stack, direction: str) -> Iterator[tuple[Resource, Resource, Remote]]:
    """The security-group rules of one direction whose remote is the internet."""
    for rule, group, remote in _rules(s):
        if rule.get("direction") == direction and remote.kind == "internet" and group is not None:
            yield rule, group, remote


# -- the internet -----------------------------------------------------------------------------------


@over_stack
def _internet_ingress(s: Stack) -> Iterator[Finding]:
    zone = s.facts.internet_zone
    for rule, group, remote in _internet_rules(s, "ingress"):
        zones = s.group_zones(group)
        if zones != {zone}:
            yield (
                f"rule {rule.name} admits {remote.network} into {group.name} in "
                f"{', '.join(sorted(zones)) or 'no zone'}; only {zone} groups are published to the internet",
                rule.urn,
            )
        elif not approved(rule.get("description")):
            yield (
                f"rule {rule.name} publishes {group.name} to {remote.network} without an approval reference",
                rule.urn,
            )


@over_stack
def _no_internet_egress_inside(s: Stack) -> Iterator[Finding]:
    zone = s.facts.internet_zone
    for rule, group, remote in _internet_rules(s, "egress"):
        inside = s.group_zones(group) - {zone}
        if inside:
            yield (
                f"rule {rule.name} lets {group.name} ({', '.join(sorted(inside))}) reach {remote.network} outside "
                "the platform; the intranet and management zone never reach external networks",
                rule.urn,
            )


@over_stack
def _approved_internet_egress(s: Stack) -> Iterator[Finding]:
    zone = s.facts.internet_zone
    for rule, group, remote in _internet_rules(s, "egress"):
        if s.group_zones(group) == {zone} and not approved(rule.get("description")):
            yield (
                f"rule {rule.name} lets {group.name} reach {remote.network} on the internet without an approval "
                "reference",
                rule.urn,
            )


# -- zones and tenants -----------------------------------------------------------------------------


@over_stack
def _one_zone_prefixes(s: Stack) -> Iterator[Finding]:
    for rule, _group, remote in _rules(s):
        if remote.kind == "straddle":
            yield (
                f"rule {rule.name} names {remote.network}, which spans several zones' ranges; name a host or "
                "subnet of one zone",
                rule.urn,
            )


@over_stack
def _cross_zone_approval(s: Stack) -> Iterator[Finding]:
    for rule, group, remote in _rules(s):
        if remote.kind != "zone" or group is None or approved(rule.get("description")):
            continue
        zones = s.group_zones(group)
        if zones and remote.zone not in zones:
            yield (
                f"rule {rule.name} joins {group.name} ({', '.join(sorted(zones))}) and {remote.network} "
                f"({remote.zone}) without an approval reference",
                rule.urn,
            )


@over_stack
def _cross_tenant_approval(s: Stack) -> Iterator[Finding]:
    for rule, group, remote in _rules(s):
        if remote.kind != "zone" or remote.network is None or group is None or approved(rule.get("description")):
            continue
        if remote.zone not in s.group_zones(group):
            continue  # crossing a zone: GC-SG-18
        owner = s.tenant(group)
        others = sorted(s.owners(remote.network) - {owner} if owner else set())
        if others:
            yield (
                f"rule {rule.name} joins {group.name} ({owner}) and {remote.network} of {', '.join(others)} "
                "without an approval reference",
                rule.urn,
            )


@over_stack
def _exchange_only(s: Stack) -> Iterator[Finding]:
    for rule, group, remote in _rules(s):
        if remote.kind != "zone" or group is None:
            continue
        zones = s.group_zones(group)
        if zones and remote.zone not in zones and MANAGEMENT not in {*zones, remote.zone}:
            yield (
                f"rule {rule.name} joins {group.name} ({', '.join(sorted(zones))}) and {remote.network} "
                f"({remote.zone}); the intranet and extranet meet only at {s.facts.exchange_tenant}'s gateways",
                rule.urn,
            )


@over_stack
def _management_ingress(s: Stack) -> Iterator[Finding]:
    for rule, group, remote in _rules(s):
        if rule.get("direction") != "ingress" or remote.kind != "zone" or group is None:
            continue
        if MANAGEMENT not in s.group_zones(group) or remote.zone == MANAGEMENT:
            continue
        if not on_baseline_ports(rule, s.facts) and not _is_bastion_remote(s, rule, remote):
            yield (
                f"rule {rule.name} admits {remote.network} ({remote.zone}) into management group {group.name} "
                "beyond the baseline services (dns, time, audit log, directory)",
                rule.urn,
            )


@over_stack
def _specific_prefixes(s: Stack) -> Iterator[Finding]:
    for rule, group, remote in _rules(s):
        if remote.kind != "zone" or remote.network is None or remote.network.prefixlen >= SPECIFIC_PREFIX:
            continue
        if group is None or is_any(rule):
            continue
        bastion = rule.get("direction") == "egress" and admin_ports(rule) and s.is_bastion_group(group)
        ingress = rule.get("direction") == "ingress"
        service = ingress and MANAGEMENT in s.group_zones(group) and on_baseline_ports(rule, s.facts)
        if not bastion and not service:
            yield (
                f"rule {rule.name} names {remote.network}; flows name hosts or subnets (/{SPECIFIC_PREFIX} or "
                "narrower), zone-wide prefixes are for the bastion and the baseline services",
                rule.urn,
            )


def _hr_tenant(stack: list[Res]) -> list[Res]:
    return add_tenant(stack, "hr", "intranet", 3, "10.10.20.0/24", "10.10.20.10")


RULES = [
    Rule(
        id="GC-SG-12",
        title_zh="管理端口仅对堡垒机开放",
        title_en="Administration ports open only to the bastion",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-SMC-01", "L3-ABD-04"),
        rationale="Level 3 administers hosts only through the bastion, where sessions are authenticated with "
        "two factors and recorded. SSH, RDP, VNC, WinRM, IPMI, container and Kubernetes APIs open to any "
        "other source bypass it.",
        remediation="Admit administration ports only from the bastion's address (flow bastion-ssh).",
        stack_check=_admin_ingress,
        violate=edit("fin-app-rule-0", remoteIpPrefix="10.30.2.11/32"),
        # A port range that merely comes near the admin ports is fine.
        comply=sg_rule("fin", "fin-app-rule-near", "ingress", (2377, 2380), "10.10.16.11/32", "flow peers"),
    ),
    Rule(
        id="GC-SG-13",
        title_zh="仅堡垒机可向外发起运维会话",
        title_en="Only the bastion opens administration sessions",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-SMC-01", "L3-ABD-07"),
        rationale="A host that may open SSH or RDP to others is a jump host outside the bastion's recording; "
        "it is also how an intruder moves laterally.",
        remediation="Remove the egress rule; administer through the bastion.",
        stack_check=_admin_egress,
        violate=sg_rule("fin", "fin-app-rule-ssh-out", "egress", 22, "10.10.16.11/32", "flow app-ssh"),
    ),
    Rule(
        id="GC-SG-14",
        title_zh="互联网访问仅限经审批的外网发布",
        title_en="Internet ingress only for approved publishing on extranet groups",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-01", "L3-ABD-06", "L3-CNS-02"),
        rationale="Only extranet services are published, through the unified internet exit, and each "
        "publication is approved. Internet sources in any other zone's group, or without an approval, "
        "open the zone to the internet.",
        remediation="Publish only extranet groups, with a flow from 'internet' that carries an approval.",
        stack_check=_internet_ingress,
        violate=edit("web-app-rule-1", description="flow publish-web"),
    ),
    Rule(
        id="GC-SG-15",
        title_zh="内网与管理区不得访问外部网络",
        title_en="Intranet and management groups never reach outside the platform",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-05", "L3-CNS-02"),
        rationale="The intranet has no path to the internet, ever; the management zone reaches only the zones "
        "it serves. Egress to 0.0.0.0/0 or to any address outside the zones is such a path.",
        remediation="Remove the rule; name the platform hosts the flow needs.",
        stack_check=_no_internet_egress_inside,
        violate=sg_rule("fin", "fin-app-rule-out", "egress", 443, "0.0.0.0/0", f"flow fetch; approval {APPROVAL}"),
    ),
    Rule(
        id="GC-SG-16",
        title_zh="外网主机访问互联网须经审批",
        title_en="Extranet egress to the internet carries an approval",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-05",),
        rationale="Internal hosts reach external networks only with authorisation; for the extranet that "
        "is an approved flow to the internet.",
        remediation="Declare the flow to 'internet' with its approval reference, or remove the rule.",
        stack_check=_approved_internet_egress,
        violate=sg_rule("web", "web-app-rule-out", "egress", 443, "0.0.0.0/0", "flow fetch-updates"),
    ),
    Rule(
        id="GC-SG-17",
        title_zh="远端地址不得跨越多个区域",
        title_en="A remote prefix stays within one zone",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-03", "L3-ABD-07"),
        rationale="A prefix such as 10.0.0.0/8 admits several zones at once: the rule crosses boundaries "
        "no flow declared.",
        remediation="Name the hosts or subnet of the one zone the flow reaches.",
        stack_check=_one_zone_prefixes,
        violate=edit("fin-app-rule-2", remoteIpPrefix="10.0.0.0/8"),
    ),
    Rule(
        id="GC-SG-18",
        title_zh="跨区域规则须有审批",
        title_en="Rules crossing a zone carry an approval",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-07", "L3-CNS-02"),
        rationale="Access between zones is allowed only for approved flows; the approval reference in the "
        "rule is the auditors' evidence.",
        remediation="Add the flow's approval (catalog flows[].approval); govcloud writes it into the rule.",
        stack_check=_cross_zone_approval,
        violate=edit("fin-app-rule-0", description="flow bastion-ssh"),
    ),
    Rule(
        id="GC-SG-19",
        title_zh="跨租户规则须有审批",
        title_en="Rules crossing a tenant carry an approval",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-07", "L3-CNS-04"),
        rationale="Tenants' virtual networks are isolated; a flow between two departments is allowed only "
        "with an approval, which the rule carries.",
        remediation="Add the flow's approval reference, or remove the rule.",
        stack_check=_cross_tenant_approval,
        violate=chain(
            _hr_tenant, sg_rule("fin", "fin-app-rule-hr", "ingress", 443, "10.10.20.10/32", "flow hr-to-fin")
        ),
        comply=chain(
            _hr_tenant,
            sg_rule("fin", "fin-app-rule-hr", "ingress", 443, "10.10.20.10/32", f"flow hr-to-fin; approval {APPROVAL}"),
        ),
    ),
    Rule(
        id="GC-SG-20",
        title_zh="内外网仅经数据交换网关互通",
        title_en="The intranet and extranet meet only at the exchange gateways",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CNS-02", "L3-ABD-01", "L3-ABD-07"),
        rationale="The intranet (政务内网) and the extranet (政务外网) are isolated; data crosses only through "
        "the data-exchange platform's gateways, which sit in both. A rule joining an intranet group and an "
        "extranet address (or the reverse) is a crossing elsewhere, approved or not.",
        remediation="Send the flow to the exchange gateway's side in the group's own zone.",
        stack_check=_exchange_only,
        violate=sg_rule(
            "fin", "fin-app-rule-web", "egress", 443, "10.20.16.10/32", f"flow to-web; approval {APPROVAL}"
        ),
    ),
    Rule(
        id="GC-SG-21",
        title_zh="管理区仅对堡垒机与基础服务端口开放",
        title_en="Management groups admit other zones only to baseline services",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-SMC-03", "L3-ABD-07"),
        rationale="The management zone is separate: other zones reach it only for the baseline services every "
        "host needs (dns, time, audit-log shipping, directory login). Anything else from outside reaches "
        "the platform's trust services and the bastion.",
        remediation="Remove the rule, or serve the need through a baseline service.",
        stack_check=_management_ingress,
        violate=sg_rule(
            "mgmt", "mgmt-app-rule-in", "ingress", 443, "10.10.16.10/32", f"flow fin-to-mgmt; approval {APPROVAL}"
        ),
        # A baseline service (dns) admits a whole zone.
        comply=sg_rule(
            "mgmt",
            "mgmt-app-rule-dns",
            "ingress",
            53,
            "10.10.0.0/16",
            f"flow resolve-names; approval {APPROVAL}",
            "udp",
        ),
    ),
    Rule(
        id="GC-SG-22",
        title_zh="远端地址应精确到主机或子网",
        title_en="Remote prefixes name hosts or subnets",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.ADVISORY,
        controls=("L3-ABD-03", "L3-ABD-04"),
        rationale=f"Flows run between host groups; a prefix wider than /{SPECIFIC_PREFIX} admits a whole zone. "
        "Only the bastion's administration and the management zone's baseline services are zone-wide.",
        remediation="Name the flow's hosts (govcloud writes /32s from the catalog).",
        stack_check=_specific_prefixes,
        violate=edit("fin-app-rule-2", remoteIpPrefix="10.10.0.0/16"),
        # The bastion administers a whole zone.
        comply=edit("mgmt-app-rule-0", remoteIpPrefix="10.10.0.0/16"),
    ),
]

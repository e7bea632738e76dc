"""Area boundary (安全区域边界): security groups and the shape of their rules.

Where the rules may lead (zones, tenants, the internet, the bastion, approvals) is in
boundary_flows.py.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import EnforcementLevel, Severity

from . import resources as t
from .facts import Facts
from .fixtures import Res, add, chain, find, set_input
from .network_edits import edit, relink, retag, security_group, sg_rule
from .resources import Resource
from .rule import Rule
from .topology import PORTED_PROTOCOLS, Finding, Stack, flows, is_any, net, over_stack, port_range, protocol

MAX_PORT_SPAN = 64  # wider ranges are an opening, not a service


def _default_deny(resource: Resource, facts: Facts) -> list[str]:
    if resource.get("deleteDefaultRules") is not True:
        return ["security group keeps Neutron's default allow-all egress rules (set deleteDefaultRules)"]
    return []


def _any_any(rule: Resource, facts: Facts) -> list[str]:
    if not is_any(rule):
        return []
    proto = protocol(rule) or "any"
    what = "every protocol" if proto in ("any", "0", "none") else f"every {proto} port"
    return [f"{rule.get('direction')} rule opens {what}: name the protocol and the service's ports"]


def _narrow_ranges(rule: Resource, facts: Facts) -> list[str]:
    ports = port_range(rule)
    if is_any(rule) or protocol(rule) not in PORTED_PROTOCOLS or ports is None:
        return []
    low, high = ports
    if low > high:
        return [f"port range {low}-{high} is reversed"]
    if high - low + 1 > MAX_PORT_SPAN:
        return [f"port range {low}-{high} spans {high - low + 1} ports (at most {MAX_PORT_SPAN})"]
    return []


def _ipv4_only(rule: Resource, facts: Facts) -> list[str]:
    out = []
    if rule.get("ethertype") not in (None, "IPv4"):
        out.append(f"rule is {rule.get('ethertype')}; the platform's networks are IPv4 only")
    prefix = rule.get("remoteIpPrefix")
    if prefix and net(prefix) is None:
        out.append(f"remote prefix {prefix} is not an IPv4 network")
    return out


def _names_remote(rule: Resource, facts: Facts) -> list[str]:
    if rule.get("remoteIpPrefix") or rule.ref("remoteGroupId") or rule.get("remoteGroupId"):
        return []
    return ["rule names no remote prefix or group: Neutron then admits every address"]


def _names_flow(rule: Resource, facts: Facts) -> list[str]:
    if flows(rule.get("description")):
        return []
    return [f"rule description {rule.get('description')!r} names no declared flow ('flow <name>[; approval <ref>]')"]


@over_stack
def _ownership(s: Stack) -> Iterator[Finding]:
    for group in s.of(t.SEC_GROUP):
        if not s.has_tenant(group):
            yield f"security group {group.name} belongs to no tenant (set tenantId)", group.urn
    for rule, owner in s.rules():
        if not s.has_tenant(rule):
            yield f"security-group rule {rule.name} belongs to no tenant (set tenantId)", rule.urn
        elif owner is not None and s.has_tenant(owner) and s.tenant(rule) != s.tenant(owner):
            yield (
                f"rule {rule.name} of tenant {s.tenant(rule)} sits in group {owner.name} of tenant {s.tenant(owner)}",
                rule.urn,
            )


@over_stack
def _group_tags(s: Stack) -> Iterator[Finding]:
    for group in s.of(t.SEC_GROUP):
        missing = [key for key in ("dept", "group") if not group.tag(key)]
        if missing:
            yield f"security group {group.name} lacks the {', '.join(missing)} tag(s)", group.urn
            continue
        project = s.target(group, "tenantId")
        owner = project.tag("dept") if project is not None else None
        if owner and group.tag("dept") != owner:
            yield f"security group {group.name} is tagged dept:{group.tag('dept')} but belongs to {owner}", group.urn


@over_stack
def _groups_used(s: Stack) -> Iterator[Finding]:
    remote_groups = {u for r in s.of(t.SEC_GROUP_RULE) for u in r.refs.get("remoteGroupId") or ()}
    for group in s.of(t.SEC_GROUP):
        if group.urn not in s.ports_of_group and group.urn not in remote_groups:
            yield f"security group {group.name} is attached to no port: remove it or attach it", group.urn


def _covers(wide: Resource, narrow: Resource) -> bool:
    """Whether rule `wide` admits everything rule `narrow` does (same group, direction, protocol)."""
    same = ("direction", "ethertype", "protocol", "remoteGroupId")
    if any(wide.get(k) != narrow.get(k) for k in same):
        return False
    wide_ports, narrow_ports = port_range(wide), port_range(narrow)
    if wide_ports is not None and (
        narrow_ports is None or not wide_ports[0] <= narrow_ports[0] <= narrow_ports[1] <= wide_ports[1]
    ):
        return False
    wide_net, narrow_net = net(wide.get("remoteIpPrefix")), net(narrow.get("remoteIpPrefix"))
    if wide_net is None or narrow_net is None:
        return bool(wide.get("remoteIpPrefix") == narrow.get("remoteIpPrefix"))
    return narrow_net.subnet_of(wide_net)


@over_stack
def _redundant(s: Stack) -> Iterator[Finding]:
    by_group: dict[str, list[Resource]] = {}
    for rule, group in s.rules():
        if group is not None:
            by_group.setdefault(group.urn, []).append(rule)
    for rules in by_group.values():
        flagged: set[str] = set()
        for i, first in enumerate(rules):
            for second in rules[i + 1 :]:
                for wide, narrow in ((first, second), (second, first)):
                    if narrow.urn in flagged or wide.urn in flagged or not _covers(wide, narrow):
                        continue
                    identical = dict(wide.props) == {**dict(narrow.props), "description": wide.get("description")}
                    if identical or flows(narrow.get("description")) <= flows(wide.get("description")):
                        flagged.add(narrow.urn)
                        yield f"rule {narrow.name} is redundant: {wide.name} already admits it", narrow.urn
                        break


@over_stack
def _remote_groups(s: Stack) -> Iterator[Finding]:
    for rule, group in s.rules():
        for remote in s.targets(rule, "remoteGroupId"):
            if group is not None and s.tenant(remote) != s.tenant(group):
                yield (
                    f"rule {rule.name} admits group {remote.name} of tenant {s.tenant(remote)} into "
                    f"{group.name} of tenant {s.tenant(group)}; name another tenant's hosts by address, with approval",
                    rule.urn,
                )


def _duplicate_rule(stack: list[Res]) -> Res:
    original = find(stack, "fin-app-rule-1")
    copy = {**original, "name": "fin-app-rule-1-copy", "urn": original["urn"] + "-copy"}
    copy["inputs"] = dict(original["inputs"])
    return copy


RULES = [
    Rule(
        id="GC-SG-01",
        title_zh="安全组默认拒绝",
        title_en="Security groups are default-deny",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-02",),
        rationale="Neutron gives every new security group allow-all egress; level 3 requires access "
        "control by default-deny with only the declared flows opened.",
        remediation="Create security groups with delete_default_rules=True and open declared flows only.",
        resource_types=(t.SEC_GROUP,),
        check=_default_deny,
        violate=set_input("fin-app-sg", "deleteDefaultRules", False),
    ),
    Rule(
        id="GC-SG-02",
        title_zh="禁止任意协议或全端口规则",
        title_en="No any-protocol or all-ports rules",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-04", "L3-ABD-03"),
        rationale="Level 3 boundary rules check protocol and port. A rule without a protocol, or a TCP/UDP rule "
        "without ports (or 1-65535), opens every service of the host to its remote.",
        remediation="Name the protocol and the service's port(s) in the flow that needs them.",
        resource_types=(t.SEC_GROUP_RULE,),
        check=_any_any,
        violate=edit("fin-app-rule-1", protocol=None, portRangeMin=None, portRangeMax=None),
    ),
    Rule(
        id="GC-SG-03",
        title_zh="端口范围应精确",
        title_en="Port ranges are narrow",
        severity=Severity.LOW,
        enforcement=EnforcementLevel.ADVISORY,
        controls=("L3-ABD-03",),
        rationale=f"A service listens on a port or a short range; a range wider than {MAX_PORT_SPAN} ports opens "
        "services nobody declared.",
        remediation="List the service's ports in the flow; split unrelated ports into their own flows.",
        resource_types=(t.SEC_GROUP_RULE,),
        check=_narrow_ranges,
        violate=edit("fin-app-rule-1", portRangeMin=8000, portRangeMax=8999),
    ),
    Rule(
        id="GC-SG-04",
        title_zh="安全组规则仅限IPv4",
        title_en="Security-group rules are IPv4 only",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-04", "L3-CNS-01"),
        rationale="The address plan and every zone rule are IPv4. An IPv6 rule opens a path no zone rule can "
        "reason about.",
        remediation="Use ethertype IPv4 with IPv4 remote prefixes.",
        resource_types=(t.SEC_GROUP_RULE,),
        check=_ipv4_only,
        violate=edit("fin-app-rule-1", ethertype="IPv6"),
    ),
    Rule(
        id="GC-SG-05",
        title_zh="规则须指定远端地址或安全组",
        title_en="Every rule names its remote",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-04", "L3-ABD-02"),
        rationale="A rule with neither a remote prefix nor a remote group admits every address (Neutron reads "
        "it as 0.0.0.0/0): source or destination goes unchecked.",
        remediation="Set remote_ip_prefix to the flow's other end (a host, or a subnet).",
        resource_types=(t.SEC_GROUP_RULE,),
        check=_names_remote,
        violate=edit("fin-app-rule-1", remoteIpPrefix=None),
    ),
    Rule(
        id="GC-SG-06",
        title_zh="规则须注明所属业务流",
        title_en="Every rule names the flow it opens",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-ABD-03",),
        rationale="Level 3 asks that no rule be redundant or unexplained. Each rule names the declared flow(s) "
        "it implements, so auditors can trace it to the catalog and remove it when the flow goes.",
        remediation="Describe the rule as 'flow <name>[; approval <ref>]' (govcloud does this from the flows).",
        resource_types=(t.SEC_GROUP_RULE,),
        check=_names_flow,
        violate=edit("fin-app-rule-1", description="db access"),
    ),
    Rule(
        id="GC-SG-07",
        title_zh="安全组及规则归属同一租户",
        title_en="Security groups and their rules belong to one tenant",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-03", "L3-CNS-04"),
        rationale="A group and its rules are the tenant's own boundary. An ownerless group lands in the "
        "deployer's project; a rule owned by another tenant than its group is controlled by someone else.",
        remediation="Create groups and rules with tenant_id of the tenant's project.",
        stack_check=_ownership,
        violate=relink("fin-app-rule-1", "tenantId", "web-project"),
    ),
    Rule(
        id="GC-SG-08",
        title_zh="安全组标注部门与主机组",
        title_en="Security groups carry their dept and host-group tags",
        severity=Severity.LOW,
        enforcement=EnforcementLevel.ADVISORY,
        controls=("L3-CLD-03",),
        rationale="Audits and the live check find a group's tenant and host group by its dept: and group: tags.",
        remediation="Tag the group govcloud, dept:<slug>, group:<host group>.",
        stack_check=_group_tags,
        violate=retag("fin-app-sg", "group", None),
    ),
    Rule(
        id="GC-SG-09",
        title_zh="不得保留未使用的安全组",
        title_en="No unused security groups",
        severity=Severity.LOW,
        enforcement=EnforcementLevel.ADVISORY,
        controls=("L3-ABD-03",),
        rationale="A group attached to no port is a rule set waiting to be attached by mistake; level 3 asks "
        "that redundant rules be removed.",
        remediation="Remove the group or attach it to the ports of its host group.",
        stack_check=_groups_used,
        violate=security_group("fin", "fin-spare-sg"),
    ),
    Rule(
        id="GC-SG-10",
        title_zh="不得存在冗余规则",
        title_en="No redundant rules",
        severity=Severity.LOW,
        enforcement=EnforcementLevel.ADVISORY,
        controls=("L3-ABD-03",),
        rationale="A rule that another rule of the same group already admits, for the same flows, is "
        "redundant; it survives the flow that needed it and hides what the group really opens.",
        remediation="Remove the duplicate; merge flows onto one rule ('flow a,b').",
        stack_check=_redundant,
        violate=add(_duplicate_rule),
        # A wider rule for another flow does not make a narrower one redundant: each flow keeps its own.
        comply=sg_rule("fin", "fin-app-rule-pool", "ingress", 5432, "10.10.16.0/24", "flow pool-to-db"),
    ),
    Rule(
        id="GC-SG-11",
        title_zh="规则不得引用其他租户的安全组",
        title_en="Rules reference only their own tenant's groups",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CNS-04", "L3-ABD-07"),
        rationale="A remote group of another tenant admits whatever that tenant attaches to it, now and later, "
        "without any approval on this side.",
        remediation="Name another tenant's hosts by address in a declared, approved flow.",
        stack_check=_remote_groups,
        violate=chain(
            edit("fin-app-rule-1", remoteIpPrefix=None), relink("fin-app-rule-1", "remoteGroupId", "web-app-sg")
        ),
    ),
]

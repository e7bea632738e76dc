"""Area boundary (安全区域边界): security groups, ingress sources, admin ports, approvals."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Severity

from . import resources as t
from .facts import Facts
from .fixtures import set_input
from .resources import Resource
from .rule import Rule


def _default_deny(resource: Resource, facts: Facts) -> list[str]:
    if resource.get("deleteDefaultRules") is not True:
        return ["security group keeps Neutron's default allow-all egress rules (set deleteDefaultRules)"]
    return []


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
]

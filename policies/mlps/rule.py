"""A policy rule: its metadata, its check, and its compliant and violating fixtures together.

A rule is written once over the resources' properties (camelCase, as the engine passes them)
and turned into a pulumi_policy ResourceValidationPolicy or StackValidationPolicy, so the
same object runs under `pulumi preview --policy-pack` and in govcloud's offline check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyComplianceFramework,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from .facts import Facts
from .fixtures import Mutation
from .resources import Resource, convert_stack

FRAMEWORK = PolicyComplianceFramework(
    name="MLPS 2.0", version="GB/T 22239-2019", reference="level 3 (等级保护第三级)"
)

# A resource check sees one resource; a stack check sees them all. Both yield messages.
ResourceCheck = Callable[[Resource, Facts], list[str]]
StackCheck = Callable[[list[Resource], Facts], list[tuple[str, str | None]]]
# A fixture mutation works on the plan-shaped dicts (fixtures.Res), before they become Resources.


@dataclass(frozen=True)
class Rule:
    id: str  # GC-<AREA>-<NN>, also the policy's name
    title_zh: str
    title_en: str
    severity: Severity
    enforcement: EnforcementLevel
    controls: tuple[str, ...]  # ids in policies/controls.yaml
    rationale: str
    remediation: str
    violate: Mutation  # turns the compliant base stack into this rule's violating fixture
    resource_types: tuple[str, ...] = ()  # for a resource rule
    check: ResourceCheck | None = None
    stack_check: StackCheck | None = None
    comply: Mutation | None = None  # an extra compliant variant beyond the base, if useful
    tags: tuple[str, ...] = field(default=())

    @property
    def description(self) -> str:
        return f"{self.title_en} ({self.title_zh}). {self.rationale}"

    def to_policy(self, facts: Facts) -> ResourceValidationPolicy | StackValidationPolicy:
        common: dict[str, Any] = {
            "name": self.id,
            "description": self.description,
            "enforcement_level": self.enforcement,
            "display_name": f"{self.id} {self.title_en}",
            "severity": self.severity,
            "framework": FRAMEWORK,
            "tags": [*self.tags, *self.controls],
            "remediation_steps": self.remediation,
            "config_schema": None,
        }
        if self.check is not None:
            check = self.check

            def validate_resource(args: ResourceValidationArgs, report: ReportViolation) -> None:
                if args.resource_type not in self.resource_types:
                    return
                resource = Resource.from_args(args)
                for message in check(resource, facts):
                    report(message, None)

            return ResourceValidationPolicy(validate=validate_resource, **common)
        assert self.stack_check is not None, f"{self.id} has neither check nor stack_check"
        stack_check = self.stack_check

        def validate_stack(args: StackValidationArgs, report: ReportViolation) -> None:
            resources = convert_stack(args.resources)
            for message, urn in stack_check(resources, facts):
                report(message, urn)

        return StackValidationPolicy(validate=validate_stack, **common)


def enforcement_override(config: Mapping[str, Any], rule: Rule) -> EnforcementLevel:
    """The level a pack config gives a rule (`{"GC-NET-01": "advisory"}` or `{"all": ...}`)."""
    value = config.get(rule.id, config.get("all"))
    if isinstance(value, dict):
        value = value.get("enforcementLevel")
    return EnforcementLevel(value) if value else rule.enforcement

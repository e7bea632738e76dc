"""Run the pack's own policy objects over a list of resources, as the Pulumi engine would.

The resources are plain dicts in the offline plan's shape (type, name, urn, parent,
inputs, dependencies, propertyDependencies). Validation args are built with pulumi_policy's
classes and each policy's own `validate` is called, with the enforcement levels applied.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
)
from pulumi_policy.proxy import unknown_checking_proxy

from .facts import Facts
from .rule import Rule, enforcement_override


@dataclass(frozen=True, order=True)
class Violation:
    policy: str
    urn: str
    message: str
    enforcement: str  # advisory | mandatory


@dataclass
class _Reporter:
    """The engine's report_violation callback: a resource policy's violation is its resource's."""

    policy: str
    level: str
    out: list[Violation]
    urn: str = ""

    def __call__(self, message: str, urn: str | None) -> None:
        self.out.append(Violation(self.policy, urn or self.urn, message, self.level))


def _options(parent: str | None) -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], parent)


def policy_resources(resources: Sequence[Mapping[str, Any]]) -> list[PolicyResource]:
    """PolicyResource objects with parents and (property) dependencies linked by URN."""
    by_urn: dict[str, PolicyResource] = {}
    for res in resources:
        by_urn[res["urn"]] = PolicyResource(
            res["type"], res.get("inputs", {}), res["urn"], res["name"], _options(res.get("parent")), None, None, [], {}
        )
    for res in resources:
        target = by_urn[res["urn"]]
        target.parent = by_urn.get(res.get("parent") or "")
        target.dependencies = [by_urn[u] for u in res.get("dependencies", []) if u in by_urn]
        target.property_dependencies = {
            key: [by_urn[u] for u in urns if u in by_urn]
            for key, urns in (res.get("propertyDependencies") or {}).items()
        }
    return [by_urn[r["urn"]] for r in resources]


def evaluate(
    rules: Sequence[Rule],
    resources: Sequence[Mapping[str, Any]],
    facts: Facts,
    config: Mapping[str, Any] | None = None,
    *,
    as_engine: bool = False,
) -> list[Violation]:
    """Violations of `rules` over `resources`; `as_engine` wraps the props in the engine's
    unknown-checking proxy, exactly as `pulumi preview --policy-pack` hands them over."""
    config = config or {}
    custom = [r for r in resources if r.get("custom", True)]
    linked = policy_resources(custom)
    if as_engine:
        for res in linked:
            res.props = unknown_checking_proxy(dict(res.props))
    out: list[Violation] = []
    for rule in rules:
        level = enforcement_override(config, rule)
        if level is EnforcementLevel.DISABLED:
            continue
        policy = rule.to_policy(facts)
        reporter = _Reporter(rule.id, level.value, out)
        if isinstance(policy, ResourceValidationPolicy):
            for res in linked:
                reporter.urn = res.urn
                args = ResourceValidationArgs(res.resource_type, res.props, res.urn, res.name, res.opts, None, {})
                policy.validate(args, reporter)
        else:
            reporter.urn = ""
            policy.validate(StackValidationArgs(linked, {}), reporter)
    return sorted(out)

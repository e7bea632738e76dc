"""Each rule beside its fixtures: the base stack is clean under the whole pack, and each
rule's violating fixture is caught by that rule and by no other."""

from __future__ import annotations

import pytest

from policies.mlps.evaluate import evaluate
from policies.mlps.fixtures import FACTS, base_stack
from policies.mlps.registry import all_rules
from policies.mlps.rule import Rule

RULES = all_rules()


def test_the_base_stack_is_compliant() -> None:
    assert evaluate(RULES, base_stack(), FACTS) == []


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_violating_fixture_raises_exactly_its_own_policy(rule: Rule) -> None:
    violations = evaluate(RULES, rule.violate(base_stack()), FACTS)
    assert violations, f"{rule.id}: the violating fixture passed"
    assert {v.policy for v in violations} == {rule.id}, [str(v) for v in violations]


@pytest.mark.parametrize("rule", [r for r in RULES if r.comply], ids=lambda r: r.id)
def test_compliant_variant_raises_nothing(rule: Rule) -> None:
    assert rule.comply is not None
    assert evaluate(RULES, rule.comply(base_stack()), FACTS) == []

"""In a first `pulumi preview` every new resource's ID is unknown and the engine wraps props
in a proxy that raises on reading one. The pack must still run and judge the same."""

from __future__ import annotations

from typing import Any

from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from policies.mlps.evaluate import evaluate
from policies.mlps.fixtures import FACTS, base_stack
from policies.mlps.registry import all_rules

RULES = all_rules()


def _unknown_ids(value: Any, ids: set[str]) -> Any:
    if isinstance(value, dict):
        return {k: _unknown_ids(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_unknown_ids(v, ids) for v in value]
    return UNKNOWN_STRING_VALUE if value in ids else value


def as_preview(stack: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every other resource's ID inside an input becomes unknown, as in a first preview
    (names, addresses and flags the program sets itself stay known)."""
    ids = {f"{res['name']}-id" for res in stack}
    for res in stack:
        res["inputs"] = _unknown_ids(res["inputs"], ids)
    return stack


def test_the_base_stack_is_compliant_in_a_preview() -> None:
    assert evaluate(RULES, as_preview(base_stack()), FACTS, as_engine=True) == []


def test_violations_are_still_found_in_a_preview() -> None:
    caught = 0
    for rule in RULES:
        violations = evaluate(RULES, as_preview(rule.violate(base_stack())), FACTS, as_engine=True)
        assert {v.policy for v in violations} <= {rule.id}, [str(v) for v in violations]
        caught += bool(violations)
    # Rules that judge an ID-valued input cannot see it in a preview; most rules still can.
    assert caught >= 0.8 * len(RULES), f"only {caught} of {len(RULES)} rules still fire in a preview"

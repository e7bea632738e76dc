"""Every rule of the pack, in one list, checked for unique ids."""

from __future__ import annotations

from . import (
    boundary,
    boundary_flows,
    compute,
    governance,
    identity,
    network,
    network_ports,
    quotas,
    storage,
    tagging,
)
from .rule import Rule

MODULES = (
    identity,
    network,
    network_ports,
    boundary,
    boundary_flows,
    compute,
    storage,
    quotas,
    tagging,
    governance,
)


def all_rules() -> list[Rule]:
    rules = [rule for module in MODULES for rule in module.RULES]
    ids = [r.id for r in rules]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ValueError(f"duplicate policy ids: {', '.join(duplicates)}")
    return sorted(rules, key=lambda r: r.id)

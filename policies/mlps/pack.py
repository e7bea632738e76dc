"""Assemble the CrossGuard pack (only __main__.py calls this: PolicyPack blocks serving gRPC)."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, PolicyPack

from .facts import Facts
from .registry import all_rules

PACK_NAME = "govcloud-mlps"


def build_pack() -> PolicyPack:
    facts = Facts.load()
    return PolicyPack(
        name=PACK_NAME,
        enforcement_level=EnforcementLevel.MANDATORY,
        policies=[rule.to_policy(facts) for rule in all_rules()],
    )

"""The sample catalog planned once per session (~5 s), and helpers to seed violations into plans."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from govcloud.catalog.loader import Catalog
from govcloud.isolation import Proof, build_intent, prove
from govcloud.isolation.intent import Intent

Plan = dict[str, Any]
Mutation = Callable[[Plan], None]


@pytest.fixture(scope="session")
def intent(catalog: Catalog) -> Intent:
    return build_intent(catalog)


@pytest.fixture(scope="session")
def proof(sample_plan: Plan, intent: Intent) -> Proof:
    return prove(sample_plan, intent)


@pytest.fixture
def seeded(sample_plan: Plan, intent: Intent) -> Callable[..., Proof]:
    """seeded(mutate, ...): the proof over a copy of the sample plan with the mutations applied."""

    def run(*mutations: Mutation, core_hub: str | None = None) -> Proof:
        plan = copy.deepcopy(sample_plan)
        for mutate in mutations:
            mutate(plan)
        return prove(plan, intent, core_hub=core_hub)

    return run


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """pulumi_openstack warns about its own deprecated modules when the mocks import them all."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.filterwarnings("ignore::DeprecationWarning:pulumi_openstack"))

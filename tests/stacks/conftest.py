"""The sample catalog planned once per session under the mock engine (~4-6 s).

tests/stacks has no __init__.py on purpose: as a package it would be imported as `stacks`
and shadow the Pulumi program's own package. Helpers live in stack_plan.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from stack_plan import STACK, PlanIndex

from govcloud.catalog.loader import Catalog


@pytest.fixture(scope="session")
def plan(sample_plan: dict[str, Any]) -> dict[str, Any]:
    """The session's plan of the sample zone (tests/conftest.py), stack lab."""
    assert sample_plan["stack"] == STACK
    return sample_plan


@pytest.fixture(scope="session")
def index(plan: dict[str, Any], catalog: Catalog) -> PlanIndex:
    return PlanIndex(plan, catalog)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """pulumi_openstack warns about its own deprecated modules when the mocks import them all."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.filterwarnings("ignore::DeprecationWarning:pulumi_openstack"))

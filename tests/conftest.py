"""The sample zone, loaded and planned once for the whole test session (~4 s a plan).

Suites that change a plan work on a deep copy: these objects are shared.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from evidence import Evidence

from govcloud.catalog.loader import Catalog, load_catalog
from govcloud.plan.document import dumps
from govcloud.plan.offline import plan_catalog

ROOT = Path(__file__).resolve().parents[1]  # the Pulumi project (Pulumi.yaml, Pulumi.lab.yaml)


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog(ROOT / "catalog")


@pytest.fixture(scope="session")
def sample_plan(catalog: Catalog) -> Iterator[dict[str, Any]]:
    plan = plan_catalog(catalog, stack="lab", project_dir=ROOT)
    before = dumps(plan)
    yield plan
    assert dumps(plan) == before, "a test changed the shared sample plan: work on copy.deepcopy(sample_plan)"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--evidence", metavar="FILE", help="write the host evidence (JSON) of the host checks run here")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--evidence", default=None):
        config.pluginmanager.register(Evidence(), "govcloud-evidence")


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = session.config.getoption("--evidence", default=None)
    plugin = session.config.pluginmanager.get_plugin("govcloud-evidence")
    if path and isinstance(plugin, Evidence):
        plugin.write(Path(path))


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """tests/hosts checks real hosts: collected only when `--hosts` names them (tests/hosts/conftest.py)."""
    if collection_path == ROOT / "tests" / "hosts" and not config.getoption("hosts", default=None):
        return True
    return None

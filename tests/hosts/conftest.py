"""Host checks: testinfra tests run against lab (or production) hosts, one result per control.

Run them through an inventory (the lab writes inventories/lab/hosts.yml):

    pytest tests/hosts --hosts 'ansible://all' --ansible-inventory inventories/lab/hosts.yml \\
        --sudo --evidence out/evidence/hosts.json

Every test carries `@pytest.mark.controls("L3-CEN-12", ...)` with ids from
policies/controls.yaml. `--evidence FILE` writes what the auditor report shows as host
evidence (tests/evidence.py): each check's outcome, host by host, under the controls it evidences. These tests
are collected only when `--hosts` is given (tests/conftest.py), never in a plain `pytest`.
"""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "controls(*ids): the controls (policies/controls.yaml) a host check evidences")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    unmarked = [i.nodeid for i in items if i.get_closest_marker("controls") is None]
    if unmarked:
        raise pytest.UsageError(f"host checks without @pytest.mark.controls: {', '.join(unmarked[:5])}")

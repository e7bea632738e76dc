"""Host checks: testinfra tests run against lab (or production) hosts, one result per control.

Run them through an inventory (the lab writes inventories/lab/hosts.yml):

    pytest tests/hosts --hosts 'ansible://all' --ansible-inventory inventories/lab/hosts.yml \\
        --sudo --evidence out/evidence/hosts.json

Every test carries `@pytest.mark.controls("L3-CEN-12", ...)` with ids from
policies/controls.yaml. `--evidence FILE` writes what the auditor report shows as host
evidence: each check's outcome, host by host, under the controls it evidences. These tests
are collected only when `--hosts` is given (tests/conftest.py), never in a plain `pytest`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

EVIDENCE_FORMAT = "govcloud.host-evidence/v1"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--evidence", metavar="FILE", help="write the host evidence (JSON) here")


class _Evidence:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        outcome = yield
        report = outcome.get_result()
        if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
            return
        marker = item.get_closest_marker("controls")
        host = item.funcargs.get("host") if isinstance(item, pytest.Function) else None
        doc = item.function.__doc__ if isinstance(item, pytest.Function) else None
        self.records.append(
            {
                "check": item.nodeid.split("[", 1)[0],
                "doc": (doc or "").strip().split("\n", 1)[0],
                "controls": list(marker.args) if marker else [],
                "host": host.backend.get_hostname() if host is not None else "",
                "outcome": report.outcome,
                "message": str(report.longrepr).strip().splitlines()[-1][:300] if report.failed else "",
            }
        )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "controls(*ids): the controls (policies/controls.yaml) a host check evidences")
    if config.getoption("--evidence", default=None):
        config.pluginmanager.register(_Evidence(), "govcloud-evidence")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    unmarked = [i.nodeid for i in items if i.get_closest_marker("controls") is None]
    if unmarked:
        raise pytest.UsageError(f"host checks without @pytest.mark.controls: {', '.join(unmarked[:5])}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    path = session.config.getoption("--evidence", default=None)
    plugin = session.config.pluginmanager.get_plugin("govcloud-evidence")
    if not path or plugin is None:
        return
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    doc = {
        "format": EVIDENCE_FORMAT,
        "observed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "records": sorted(plugin.records, key=lambda r: (r["host"], r["check"])),
    }
    target.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

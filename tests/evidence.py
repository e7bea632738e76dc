"""`--evidence FILE`: the outcome of every check marked `@pytest.mark.controls(...)` that ran against a
real host, written as govcloud.host-evidence/v1 for `govcloud report --host-evidence` (docs/report.md).

Two kinds of host checks feed it: the testinfra checks of tests/hosts (the `host` fixture names
its host) and the trust-services tests of tests/trust (the `trust_host` / `trust_client` fixtures:
one record per host the test used). Tests without a host, or without controls, are not evidence.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

EVIDENCE_FORMAT = "govcloud.host-evidence/v1"
TRUST_FIXTURES = ("trust_host", "trust_client")


def hosts_of(item: pytest.Item) -> list[str] | None:
    """The hosts a check ran against ([""] when its fixture failed before naming one); None: not a host check."""
    if not isinstance(item, pytest.Function):
        return None
    names = item.fixturenames
    if "host" in names:  # testinfra
        host = item.funcargs.get("host")
        return [host.backend.get_hostname() if host is not None else ""]
    used = [name for name in TRUST_FIXTURES if name in names]
    if not used:
        return None
    return [getattr(item.funcargs.get(name), "alias", "") for name in used]


class Evidence:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
        outcome = yield
        report = outcome.get_result()
        if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
            return
        marker = item.get_closest_marker("controls")
        hosts = hosts_of(item)
        if marker is None or hosts is None:
            return
        doc = item.function.__doc__ if isinstance(item, pytest.Function) else None
        for host in hosts:
            self.records.append(
                {
                    "check": item.nodeid.split("[", 1)[0],
                    "doc": (doc or "").strip().split("\n", 1)[0],
                    "controls": list(marker.args),
                    "host": host,
                    "outcome": report.outcome,
                    "message": str(report.longrepr).strip().splitlines()[-1][:300] if report.failed else "",
                }
            )

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        doc = {
            "format": EVIDENCE_FORMAT,
            "observed_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "records": sorted(self.records, key=lambda r: (r["host"], r["check"])),
        }
        path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

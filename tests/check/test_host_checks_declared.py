"""policies/controls.yaml declares, per control, exactly the host checks and trust-service tests whose
markers name it."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from policies.mlps.controls import load_controls

ROOT = Path(__file__).resolve().parents[2]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("host_checks_script", ROOT / "scripts" / "host_checks.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


SCRIPT = _script()


def test_controls_declare_the_host_checks_that_name_them() -> None:
    markers = SCRIPT.declared_by_markers()
    declared = {cid: list(c.host_checks) for cid, c in load_controls().items() if c.host_checks}
    assert declared == markers, "run: .venv/bin/python scripts/host_checks.py --write"


def test_controls_declare_the_trust_tests_that_name_them() -> None:
    markers = SCRIPT.declared_by_markers(SCRIPT.TRUST_TESTS)
    declared = {cid: list(c.tests) for cid, c in load_controls().items() if c.tests}
    assert markers, "the trust services' tests name no control"
    assert declared == markers, "run: .venv/bin/python scripts/host_checks.py --write"


def test_every_host_check_is_declared_somewhere() -> None:
    tests = {
        f"hosts/{path.name}::{line.split('(')[0][4:]}"
        for path in (ROOT / "tests" / "hosts").glob("test_*.py")
        for line in path.read_text().splitlines()
        if line.startswith("def test_")
    }
    declared = {check for c in load_controls().values() for check in c.host_checks}
    assert tests == declared


def test_rewrite_replaces_an_old_list(tmp_path: Path) -> None:
    text = (
        "controls:\n  - id: L3-CEN-01\n    host_checks:\n      - hosts/test_old.py::test_gone\n    tests: []\n"
        "  - id: L3-CEN-02\n    host_checks: []\n    tests: []\n"
    )
    new = SCRIPT.rewritten(text, {"L3-CEN-02": ["hosts/test_a.py::test_b"]})
    assert new == (
        "controls:\n  - id: L3-CEN-01\n    host_checks: []\n    tests: []\n"
        "  - id: L3-CEN-02\n    host_checks:\n      - hosts/test_a.py::test_b\n    tests: []\n"
    )

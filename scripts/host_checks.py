"""Declare in policies/controls.yaml which host checks and functional tests evidence each control.

The host checks (tests/hosts/test_*.py) and the trust services' functional tests
(tests/trust/test_*.py) carry `@pytest.mark.controls(...)`; this reads those markers (without
importing the tests) and lists each as `hosts/<file>::<test>` in the control's `host_checks`, or
`trust/<file>::<test>` in its `tests` (block lists). tests/check/test_host_checks_declared.py fails
when the markers and the file disagree.

    .venv/bin/python scripts/host_checks.py           # show what would change; exit 1 if anything would
    .venv/bin/python scripts/host_checks.py --write   # rewrite the host_checks lines
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST_CHECKS = ROOT / "tests" / "hosts"
TRUST_TESTS = ROOT / "tests" / "trust"
CONTROLS = ROOT / "policies" / "controls.yaml"
CONTROL_ID = re.compile(r"^  - id: (\S+)\s*$")
# Each field of a control and the folder whose markers fill it.
FIELDS = {"host_checks": HOST_CHECKS, "tests": TRUST_TESTS}


def _controls_of(function: ast.FunctionDef) -> list[str]:
    for decorator in function.decorator_list:
        if (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "controls"
        ):
            return [arg.value for arg in decorator.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)]
    return []


def declared_by_markers(folder: Path = HOST_CHECKS) -> dict[str, list[str]]:
    """{control id: sorted host check ids} from the markers in folder/test_*.py."""
    found: dict[str, set[str]] = {}
    for path in sorted(folder.glob("test_*.py")):
        for node in ast.parse(path.read_text(), filename=str(path)).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                for control in _controls_of(node):
                    found.setdefault(control, set()).add(f"{folder.name}/{path.name}::{node.name}")
    return {control: sorted(checks) for control, checks in found.items()}


def rewritten(text: str, checks: dict[str, list[str]], field: str = "host_checks") -> str:
    """controls.yaml with each control's `field` replaced by its checks (a block list, or [])."""
    field_line = re.compile(rf"^    {field}:.*$")
    lines: list[str] = []
    current, skipping = None, False
    for line in text.splitlines():
        if skipping and line.startswith("      - "):
            continue  # an item of the list being replaced
        skipping = False
        match = CONTROL_ID.match(line)
        if match:
            current = match.group(1)
        elif current and field_line.match(line):
            mine = checks.get(current, [])
            lines.append(f"    {field}:" + ("" if mine else " []"))
            lines.extend(f"      - {check}" for check in mine)
            skipping = True
            continue
        lines.append(line)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help="rewrite policies/controls.yaml")
    args = parser.parse_args(argv)
    text = CONTROLS.read_text()
    known = {m.group(1) for m in map(CONTROL_ID.match, text.splitlines()) if m}
    new = text
    for field, folder in FIELDS.items():
        checks = declared_by_markers(folder)
        unknown = sorted(set(checks) - known)
        if unknown:
            print(f"{folder.name} tests name controls that policies/controls.yaml lacks: {', '.join(unknown)}",
                  file=sys.stderr)  # fmt: skip
            return 2
        new = rewritten(new, checks, field)
    if new == text:
        print("policies/controls.yaml: host_checks and tests up to date")
        return 0
    if args.write:
        CONTROLS.write_text(new)
        print("policies/controls.yaml: host_checks and tests written")
        return 0
    print("policies/controls.yaml: host_checks or tests differ from the markers (run with --write)")
    return 1


if __name__ == "__main__":
    sys.exit(main())

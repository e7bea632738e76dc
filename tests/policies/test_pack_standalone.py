"""The pack as Pulumi runs it: from policies/, importing itself as `mlps`, and nothing of govcloud."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

POLICIES = Path(__file__).resolve().parents[2] / "policies"

PROBE = """
import sys
sys.path.insert(0, ".")
from mlps.facts import Facts
from mlps.pack import PACK_NAME
from mlps.registry import all_rules
policies = [rule.to_policy(Facts.load()) for rule in all_rules()]
assert not [m for m in sys.modules if m == "govcloud" or m.startswith("govcloud.")], "the pack imported govcloud"
assert len({p.name for p in policies}) == len(policies)
print(PACK_NAME, len(policies))
"""


def test_the_pack_builds_its_policies_standing_alone() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=POLICIES, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    name, count = done.stdout.split()
    assert name == "govcloud-mlps" and int(count) >= 60


def test_the_entry_point_only_assembles_the_pack() -> None:
    """PolicyPack(...) serves gRPC and blocks: __main__.py must do nothing else."""
    module = ast.parse((POLICIES / "__main__.py").read_text(encoding="utf-8"))
    body = [
        node
        for node in module.body
        if not isinstance(node, ast.Import | ast.ImportFrom)
        and not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))
    ]
    assert [ast.unparse(node) for node in body] == ["build_pack()"]

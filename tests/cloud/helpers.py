"""What the live cloud tests share: the govcloud CLI as a subprocess and the sample zone's plan."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOVCLOUD = [sys.executable, "-c", "from govcloud.cli import main; main()"]


def govcloud(*args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    """`govcloud ARGS` from the repository root, output captured, never raising on its exit code."""
    return subprocess.run([*GOVCLOUD, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)


def make_plan(folder: Path) -> Path:
    """The sample zone's offline plan (folder/plan.json)."""
    path = folder / "plan.json"
    result = govcloud("plan", "--out", str(path))
    assert result.returncode == 0, result.stderr
    return path

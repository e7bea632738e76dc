"""A benchmark's result as JSON (`--out FILE`), the raw numbers bench/README.md quotes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_result(path: Path | None, result: dict[str, Any]) -> None:
    """Write `result` to `path` (parents made); nothing when no `--out` was given."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")

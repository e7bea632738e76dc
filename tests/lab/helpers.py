"""Runners and podman helpers shared by the lab tests."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

import govcloud.commands  # noqa: F401  (registers every command, `lab` and its subcommands included)
from govcloud.cli import app

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "catalog"
TOOLS = {"podman": "podman", "runc": "runc", "debootstrap": "debootstrap"}


def run_lab(*args: str) -> Result:
    return CliRunner().invoke(app, ["lab", *args])


def sh(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.strip()


def lab_listing() -> list[dict[str, Any]]:
    """`podman ps -a --filter label=govcloud.lab=1`, parsed."""
    listed: list[dict[str, Any]] = json.loads(
        sh("podman", "ps", "-a", "--filter", "label=govcloud.lab=1", "--format", "json") or "[]"
    )
    return listed

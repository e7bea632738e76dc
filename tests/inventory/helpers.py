"""Paths and runners shared by the inventory tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from typer.testing import CliRunner, Result

import govcloud.inventory_cmd  # noqa: F401  (registers the command on the app)
from govcloud.cli import app

ROOT = Path(__file__).resolve().parents[2]  # the Pulumi project (Pulumi.yaml, Pulumi.lab.yaml)
CATALOG = ROOT / "catalog"
SCRIPT = ROOT / "inventories" / "production" / "govcloud_inventory.py"


def run_inventory(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(app, ["inventory", *args], input=input)


def load_yaml(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)

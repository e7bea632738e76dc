"""Runners shared by the VM tests."""

from __future__ import annotations

from typer.testing import CliRunner, Result

import govcloud.lab_vm_cmd  # noqa: F401  (registers `lab vm` on the app)
from govcloud.cli import app


def run_vm(*args: str) -> Result:
    return CliRunner().invoke(app, ["lab", "vm", *args])

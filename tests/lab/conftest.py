"""The lab tests run real containers: podman, runc and debootstrap must be installed (no skipping).

One session fixture builds the base image (or reuses it from the cache, GOVCLOUD_LAB_CACHE);
`lab` brings two hosts up and always runs `govcloud lab down` afterwards, pass or fail.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from govcloud.lab import BaseImage, ensure_image
from govcloud.lab.lab import down
from govcloud.plan.document import dumps
from lab.helpers import TOOLS, lab_listing, run_lab

LAB_HOSTS = ("mgmt-bastion", "audit-audit-app-1")


@pytest.fixture(scope="session")
def tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"the lab tests need {', '.join(missing)}: apt-get install {' '.join(TOOLS[t] for t in missing)} "
            "(make test installs them)"
        )


@pytest.fixture(scope="session")
def plan_file(sample_plan: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plan") / "plan.json"
    path.write_text(dumps(sample_plan), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def base_image(tools: None) -> BaseImage:
    """Built once per machine (about a minute), then reused from podman's store or the cache."""
    return ensure_image(print)


@pytest.fixture(scope="module")
def lab(base_image: BaseImage, plan_file: Path) -> Iterator[Path]:
    leftovers = lab_listing()
    if leftovers:
        pytest.fail(f"lab containers exist before the test ({len(leftovers)}): run `govcloud lab down` first")
    try:
        args = [arg for host in LAB_HOSTS for arg in ("--host", host)]
        result = run_lab("up", "--plan", str(plan_file), "--no-converge", *args)
        assert result.exit_code == 0, result.output
        yield plan_file
    finally:
        down(lambda _: None)

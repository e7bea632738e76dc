"""Lab pieces that need no container: the image cache key, host selection, clear errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from govcloud.inventory import hosts_from_plan
from govcloud.lab import LabError, select_hosts
from govcloud.lab.image import PACKAGES, SCRIPT, SUITE, base_image, image_key
from lab.helpers import run_lab


def test_the_cache_key_follows_the_inputs() -> None:
    text = SCRIPT.read_text(encoding="utf-8")
    key = image_key(SUITE, PACKAGES, text)
    assert key == image_key(SUITE, tuple(reversed(PACKAGES)), text)  # order does not matter
    assert key != image_key(SUITE, (*PACKAGES, "lynis"), text)
    assert key != image_key(SUITE, PACKAGES[:-1], text)
    assert key != image_key("trixie", PACKAGES, text)
    assert key != image_key(SUITE, PACKAGES, text + "\n# edited\n")


def test_the_image_is_named_by_its_key_and_cached_outside_the_repo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOVCLOUD_LAB_CACHE", str(tmp_path))
    image = base_image()
    assert image.ref == f"localhost/govcloud-lab-base:{image.key[:16]}"
    assert image.tarball.parent == tmp_path
    assert base_image(packages=(*PACKAGES, "lynis")).ref != image.ref


def test_default_hosts_are_the_management_tenant_and_one_department(sample_plan: dict[str, Any]) -> None:
    hosts = hosts_from_plan(sample_plan, "plan")
    chosen = select_hosts(hosts)
    tenants = sorted({h.tenant for h in chosen})
    assert tenants == ["audit", "mgmt"]
    assert [h.name for h in chosen] == sorted(h.name for h in hosts if h.tenant in tenants)
    assert {h.tenant for h in select_hosts(hosts, ["finance"])} == {"finance"}
    assert [h.name for h in select_hosts(hosts, names=["mgmt-ca"])] == ["mgmt-ca"]


def test_unknown_tenant_or_host_is_a_usage_error(sample_plan: dict[str, Any], plan_file: Path) -> None:
    hosts = hosts_from_plan(sample_plan, "plan")
    with pytest.raises(LabError) as raised:
        select_hosts(hosts, ["nope"])
    assert raised.value.exit_code == 2
    result = run_lab("up", "--plan", str(plan_file), "--host", "nope")
    assert result.exit_code == 2
    assert "--host nope: not in the plan" in result.output


def test_missing_plan_is_a_usage_error(tmp_path: Path) -> None:
    result = run_lab("up", "--plan", str(tmp_path / "absent.json"))
    assert result.exit_code == 2
    assert "govcloud plan --out" in result.output


def test_missing_podman_names_the_debian_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    for command in ("down", "status"):
        result = run_lab(command)
        assert result.exit_code == 2
        assert "apt-get install podman" in result.output

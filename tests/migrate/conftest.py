"""Helpers for the migrate tests: a private copy of the sample catalog, legacy files written
into it, and the CLI run against it from the project root (where the pack config lives)."""

from __future__ import annotations

import importlib.util
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from typer.testing import CliRunner, Result

from govcloud.cli import app
from govcloud.migrate_cmd import migrate_app  # noqa: F401  (registers `migrate` on the app)

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "catalog"
LEGACY = CATALOG / "legacy"
SAMPLES = sorted(p.stem for p in LEGACY.glob("*.yaml"))


def _generator() -> ModuleType:
    """bench/migrate_sample_flows.py, the sample CSV's generator (bench/ is not on the test path)."""
    spec = importlib.util.spec_from_file_location("migrate_sample_flows", ROOT / "bench" / "migrate_sample_flows.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


migrate_sample_flows = _generator()

# A small valid legacy application; tests change pieces of it.
BASE_APP = """\
app: {app}
name: 测试系统
name_en: Test system
owner: {{department: 测试局, contact: 信息科, email: it@test.example.gov.cn}}
mlps_level: 3
sensitivity: sensitive
specialised_network: 测试专网
downtime_minutes: 120
tiers:
  - {{name: web, role: web}}
  - {{name: app, role: app}}
  - {{name: db, role: db}}
hosts:
  - {{name: t-web, tier: web, os: CentOS 7.9, cpu: 2, memory_gb: 4, disk_gb: 40, addresses: [192.168.9.11]}}
  - {{name: t-app, tier: app, os: Kylin V10, cpu: 4, memory_gb: 8, disk_gb: 100, addresses: [192.168.9.21]}}
  - {{name: t-db, tier: db, os: Kylin V10, cpu: 8, memory_gb: 16, disk_gb: 200, addresses: [192.168.9.31]}}
connections:
  - {{from: web, to: app, ports: [8080/tcp]}}
  - {{from: app, to: db, ports: [5432/tcp]}}
"""


@pytest.fixture(autouse=True)
def _project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.fixture
def zone(tmp_path: Path) -> Path:
    """A private copy of the sample catalog (platform, tenants, waivers, legacy)."""
    root = tmp_path / "catalog"
    shutil.copytree(CATALOG, root)
    return root


Write = Callable[..., Path]


@pytest.fixture
def write_app(zone: Path) -> Write:
    """write_app(text=None, app="test-app", extra="") -> the legacy file (BASE_APP + extra lines by default)."""

    def write(text: str | None = None, app: str = "test-app", extra: str = "") -> Path:
        body = textwrap.dedent(text) if text is not None else BASE_APP.format(app=app)
        path = zone / "legacy" / f"{app}.yaml"
        path.write_text(body + extra, encoding="utf-8")
        return path

    return write


def migrate(*args: str) -> Result:
    return CliRunner().invoke(app, ["migrate", *args])


def line_of(path: Path, needle: str) -> int:
    """The 1-based line of the first line of `path` containing `needle`."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """pulumi_openstack warns about its own deprecated modules when the mocks import them all."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.filterwarnings("ignore::DeprecationWarning:pulumi_openstack"))

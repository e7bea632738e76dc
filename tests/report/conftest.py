"""The sample catalog planned once per session, its report built once per language, and a
stand-in isolation proof in the documented shape (docs/isolation-format.md) so the page's
claims, witnesses and matrix are exercised whatever the proof finds."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from govcloud.catalog.loader import Catalog
from govcloud.plan.document import dumps
from govcloud.report.build import Written, make_report

ROOT = Path(__file__).resolve().parents[2]  # the Pulumi project (Pulumi.yaml, Pulumi.lab.yaml)
CATALOG = ROOT / "catalog"
SEC_GROUP = "openstack:networking/secGroup:SecGroup"
TODAY = date(2026, 11, 30)  # before the sample waiver's expiry (2027-06-30)
NOW = datetime(2026, 11, 30, 8, 0, 0, tzinfo=UTC)

Plan = dict[str, Any]


def stand_in_isolation() -> dict[str, Any]:
    """An isolation proof as docs/isolation-format.md shapes it: one claim holds, one fails with a
    witness path; a small matrix over the zones and the internet."""

    def cell(reachable: bool, ports: list[str] = [], flows: list[str] = []) -> dict[str, Any]:  # noqa: B006
        return {"reachable": reachable, "ports": ports, "flows": flows}

    return {
        "format": "govcloud.isolation/v1",
        "nodes": ["internet", "intranet", "extranet", "management"],
        "matrix": {
            "internet": {"intranet": cell(False), "extranet": cell(True, ["443/tcp"], ["portal/web"]),
                         "management": cell(False)},
            "intranet": {"internet": cell(False), "extranet": cell(True, ["443/tcp"], ["audit-data-exchange"]),
                         "management": cell(True, ["53/udp", "53/tcp", "123/udp", "636/tcp"], ["resolve-names"])},
            "extranet": {"internet": cell(True, ["80/tcp", "443/tcp"], ["portal/egress"]), "intranet": cell(False),
                         "management": cell(True, ["53/udp"], ["resolve-names"])},
            "management": {"internet": cell(False), "intranet": cell(True, ["22/tcp"], ["bastion-ssh"]),
                           "extranet": cell(True, ["22/tcp"], ["bastion-ssh"])},
        },
        "claims": [
            {
                "id": "intranet-no-internet",
                "text_en": "The intranet cannot reach the internet.",
                "text_zh": "政务内网不能到达互联网。",
                "holds": True,
                "witnesses": [],
            },
            {
                "id": "management-only-from-bastion",
                "text_en": "The management network is reached only from the bastion.",
                "text_zh": "管理网络只能从堡垒机到达。",
                "holds": False,
                "witnesses": [
                    {
                        "summary": "finance app reaches the management zone's DNS on 22/tcp",
                        "hops": [
                            {"kind": "port", "name": "finance-budget-app-1-app", "urn": "urn:pulumi:lab::x::port"},
                            {"kind": "router", "name": "finance-intranet-router", "urn": None},
                            {"kind": "port", "name": "mgmt-dns-intranet-trust", "urn": None},
                        ],
                    }
                ],
            },
        ],
        "stats": {"classes": 12, "seconds": 0.01},
    }


@pytest.fixture(scope="session")
def plan_file(sample_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plan") / "plan.json"
    path.write_text(dumps(sample_plan), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def isolation_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("isolation") / "isolation.json"
    path.write_text(json.dumps(stand_in_isolation(), ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture(scope="package")
def project_root() -> Iterator[None]:
    """Run from the project root (policies/config.json is found relative to it), for this package."""
    mp = pytest.MonkeyPatch()
    mp.chdir(ROOT)
    yield
    mp.undo()


Build = Callable[..., Written]


@pytest.fixture(scope="package")
def build(
    sample_plan: Plan, plan_file: Path, catalog: Catalog, isolation_file: Path, project_root: None
) -> Build:
    """build(out_dir, lang=..., plan=..., **kw): the report of the sample (or of `plan`)."""

    def run(out_dir: Path, lang: str = "en", plan: Plan | None = None, **kw: Any) -> Written:
        options: dict[str, Any] = {"isolation_path": isolation_file, "today": TODAY, "now": NOW}
        options.update(kw)
        return make_report(
            plan=plan if plan is not None else sample_plan,
            plan_path=plan_file,
            catalog=catalog,
            out_dir=out_dir,
            lang=lang,
            **options,
        )

    return run


@pytest.fixture(scope="package")
def report_en(build: Build, tmp_path_factory: pytest.TempPathFactory) -> Written:
    return build(tmp_path_factory.mktemp("report-en"), "en")


@pytest.fixture(scope="package")
def report_zh(build: Build, tmp_path_factory: pytest.TempPathFactory) -> Written:
    return build(tmp_path_factory.mktemp("report-zh"), "zh")


def seeded(plan: Plan, mutate: Callable[[Plan], None]) -> Plan:
    copied = copy.deepcopy(plan)
    mutate(copied)
    return copied


def keep_default_egress(plan: Plan) -> None:
    """A finance security group keeps Neutron's allow-all egress (GC-SG-01, mandatory)."""
    group = next(r for r in plan["resources"] if r["type"] == SEC_GROUP and r["tenant"] == "finance")
    group["inputs"]["deleteDefaultRules"] = False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """pulumi_openstack warns about its own deprecated modules when the mocks import them all."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.filterwarnings("ignore::DeprecationWarning:pulumi_openstack"))

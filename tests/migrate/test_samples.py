"""Every sample in catalog/legacy/ yields a tenant that the real catalog loader accepts and the
real policy pack passes; `migrate plan` writes it and its plan, and the tenant joins the catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from govcloud.catalog.loader import Catalog, load_catalog
from govcloud.migrate.load import find_app, load_app
from govcloud.migrate.plan import build_plan
from govcloud.migrate.render import tenant_yaml
from govcloud.migrate.verify import verify_tenant

from .conftest import CATALOG, LEGACY, ROOT, SAMPLES, migrate, migrate_sample_flows


def test_the_samples_cover_the_bureaus_the_plan_names() -> None:
    departments: set[str] = set()
    for name in SAMPLES:
        text = (LEGACY / f"{name}.yaml").read_text(encoding="utf-8")
        departments.update(d for d in ("财政局", "审计局", "公安局") if f"department: {d}" in text)
    assert departments == {"财政局", "审计局", "公安局"}
    assert len(SAMPLES) >= 3


def test_one_sample_has_a_flow_csv_of_thousands_of_rows_regenerated_byte_for_byte(tmp_path: Path) -> None:
    committed = LEGACY / "audit-online.flows.csv"
    rows = committed.read_text(encoding="utf-8").count("\n") - 1
    assert 2000 <= rows <= 10000
    again = migrate_sample_flows.write(tmp_path / "again.csv", migrate_sample_flows.SAMPLE_ROWS)
    assert again.read_bytes() == committed.read_bytes(), "regenerate it: python -m bench.migrate_sample_flows"


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_yields_a_tenant_that_validates_and_passes_the_pack(name: str, catalog: Catalog) -> None:
    loaded = load_app(find_app(name, CATALOG), catalog)
    plan = build_plan(loaded, catalog)
    assert not plan.refused and plan.tenant is not None
    flavors = {f.name for f in catalog.platform.flavors}
    images = {i.name for i in catalog.platform.images}
    assert all(h.flavor in flavors and h.image in images for h in plan.tenant.hosts)
    assert sum(h.count for h in plan.tenant.hosts) == len(loaded.app.hosts)
    result = verify_tenant(CATALOG, plan.slug, tenant_yaml(plan), project_dir=ROOT)
    assert result.catalog_errors == []
    assert result.blocking == []
    assert result.resources > 20  # the tenant really was planned: project, networks, hosts, rules...
    assert result.policies >= 90


def test_plan_writes_the_tenant_and_the_bilingual_plan_and_the_tenant_joins_the_catalog(
    zone: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = migrate("plan", "finance-treasury", "--catalog", str(zone), "--out", str(out), "--into-catalog")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        [
            "finance-treasury.yaml",
            "plan.json",
            "migration-plan.zh.md",
            "migration-plan.en.md",
            "migration-plan.zh.html",
            "migration-plan.en.html",
        ]
    )
    assert "0 blocking" in result.output
    joined = load_catalog(zone)  # the real loader, over the catalog with the tenant installed
    tenant = joined.tenant("finance-treasury")
    assert {n.zone.value for n in tenant.networks} == {"intranet"}
    assert [f.name for f in tenant.flows] == ["web-to-app", "app-to-db", "db-peers", "app-to-legal-entities"]
    zh = (out / "migration-plan.zh.md").read_text(encoding="utf-8")
    en = (out / "migration-plan.en.md").read_text(encoding="utf-8")
    assert "## 迁移批次" in zh and "**回退步骤**" in zh and "专线接入" in zh
    assert "## Migration waves" in en and "**Rollback**" in en
    html = (out / "migration-plan.en.html").read_text(encoding="utf-8")
    assert "<table>" in html and "<script" not in html
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert doc["verification"]["passed"] is True
    assert [w["tiers"] for w in doc["waves"]] == [[], ["db"], ["app"], ["web"]]
    # planning again replaces the tenant it generated itself
    again = migrate("plan", "finance-treasury", "--catalog", str(zone), "--out", str(out), "--into-catalog")
    assert again.exit_code == 0, again.output
    assert "replacing the earlier generated one" in again.output


def test_sizing_takes_the_smallest_approved_flavor_and_says_why(catalog: Catalog) -> None:
    plan = build_plan(load_app(find_app("finance-treasury", CATALOG), catalog), catalog)
    web = next(t for t in plan.tiers if t.name == "web")
    # 4 cores at a 35 % peak -> 2 vCPU; 8 GiB at 50 % -> 5 GiB: g1.medium has 4 GiB, g1.large 8 GiB
    assert web.flavor.name == "g1.large"
    assert "needs 2 vCPU / 5 GiB" in web.sizing[0].why_en
    assert "smallest approved flavor" in web.sizing[0].why_en
    db = next(t for t in plan.tiers if t.name == "db")
    assert db.image.image.name.startswith("openeuler")  # Oracle Linux: RPM lineage
    assert db.data_gb == 800 - 160
    assert plan.tenant is not None
    db_host = next(h for h in plan.tenant.hosts if h.group == "db")
    assert db_host.volumes[0].type == "encrypted"  # level 3

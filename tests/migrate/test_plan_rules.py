"""The plan's judgements: cycles reported with their members, classified apps refused with the
reason, cross-zone peers without approval flagged and held back, waves in dependency order, and a
tenant that would fail the catalog or the pack reported, not written."""

from __future__ import annotations

import json
from pathlib import Path

from govcloud.catalog.loader import Catalog
from govcloud.migrate.load import load_app
from govcloud.migrate.plan import ACTION, NOTE, REFUSED, build_plan

from .conftest import BASE_APP, Write, migrate


def test_waves_move_what_a_tier_depends_on_first(write_app: Write, catalog: Catalog) -> None:
    plan = build_plan(load_app(write_app(), catalog), catalog)
    assert [w.tiers for w in plan.waves] == [[], ["db"], ["app"], ["web"]]
    assert plan.cycles == ()
    db_wave = plan.waves[1]
    assert any("Copy db's data offline inside the window" in item for item in db_wave.cutover_en)
    assert any("192.168.9.31 -> 10.10." in item for item in db_wave.cutover_en)
    assert any("Copy back the writes" in item for item in db_wave.rollback_en)
    assert db_wave.rollback_zh and db_wave.cutover_zh
    # 2000 GiB over 1000 Mbit/s takes longer than half the 120 min window: replicate ahead instead
    big = BASE_APP.format(app="test-app").replace("disk_gb: 200,", "disk_gb: 2000,")
    plan = build_plan(load_app(write_app(big), catalog), catalog)
    assert any(item.startswith("Replicate db's data ahead of the cutover") for item in plan.waves[1].cutover_en)


def test_a_dependency_cycle_is_reported_with_its_members(write_app: Write, catalog: Catalog, zone: Path) -> None:
    path = write_app(extra="  - {from: db, to: web, ports: [9000/tcp]}\n")
    plan = build_plan(load_app(path, catalog), catalog)
    assert [c.members for c in plan.cycles] == [("app", "db", "web")]
    assert str(plan.cycles[0]) == "app -> db -> web -> app"
    finding = next(f for f in plan.findings if f.kind == "dependency-cycle")
    assert finding.severity == ACTION and finding.subject == "app, db, web"
    assert [w.tiers for w in plan.waves] == [[], ["web", "app", "db"]]
    assert plan.waves[1].cycle is plan.cycles[0]
    result = migrate("plan", "test-app", "--catalog", str(zone), "--out", str(zone.parent / "out"))
    assert result.exit_code == 0, result.output
    assert "cycle app -> db -> web -> app" in result.output


def test_a_cycle_beside_ordered_tiers_keeps_the_order(write_app: Write, catalog: Catalog) -> None:
    text = (
        BASE_APP.format(app="test-app")
        .replace("  - {name: db, role: db}\n", "  - {name: db, role: db}\n  - {name: mq, role: mq, after: [db]}\n")
        .replace(
            "connections:\n",
            "  - {name: t-mq, tier: mq, os: Kylin V10, cpu: 2, memory_gb: 4, disk_gb: 40, addresses: [192.168.9.41]}\n"
            "connections:\n  - {from: app, to: mq, ports: [5672/tcp]}\n  - {from: mq, to: app, ports: [8081/tcp]}\n",
        )
    )
    plan = build_plan(load_app(write_app(text), catalog), catalog)
    assert [c.members for c in plan.cycles] == [("app", "mq")]
    assert [w.tiers for w in plan.waves] == [[], ["db"], ["app", "mq"], ["web"]]


def test_a_classified_app_is_refused_with_the_reason_and_nothing_written(write_app: Write, zone: Path) -> None:
    write_app(BASE_APP.format(app="test-app").replace("sensitivity: sensitive", "sensitivity: classified"))
    out = zone.parent / "out"
    result = migrate("plan", "test-app", "--catalog", str(zone), "--out", str(out))
    assert result.exit_code == 1, result.output
    assert "refused: classified (涉密) systems may not be placed on the shared e-government platform" in result.stderr
    assert "nothing written" in result.stderr
    assert not out.exists()
    zh = migrate("plan", "test-app", "--catalog", str(zone), "--out", str(out), "--lang", "zh")
    assert "涉密系统不得部署在共享的电子政务云平台上" in zh.stderr


def test_the_classified_refusal_is_a_finding_of_its_own(write_app: Write, catalog: Catalog) -> None:
    path = write_app(BASE_APP.format(app="test-app").replace("sensitivity: sensitive", "sensitivity: classified"))
    plan = build_plan(load_app(path, catalog), catalog)
    assert plan.refused and plan.tenant is None
    assert [(f.kind, f.severity) for f in plan.findings] == [("classified", REFUSED)]


PEER_PORTAL = """\
peers:
  - {name: portal, title: 网上办事大厅, reached_over: platform, endpoint: portal/app}
  - {name: base, title: 基础库, reached_over: platform, endpoint: base-data/api, approval: 杨管办发〔2024〕40号}
  - {name: extranet-app, title: 外网业务系统, reached_over: extranet}
connections:
  - {from: app, to: portal, ports: [443/tcp]}
  - {from: app, to: base, ports: [443/tcp]}
  - {from: app, to: extranet-app, ports: [443/tcp]}
"""


def test_a_peer_reached_across_zones_without_approval_is_flagged_and_held_back(
    write_app: Write, catalog: Catalog, zone: Path
) -> None:
    text = BASE_APP.format(app="test-app").replace("connections:\n", PEER_PORTAL + "  # declared:\n")
    path = write_app(text)
    plan = build_plan(load_app(path, catalog), catalog)
    flagged = {(f.kind, f.severity, f.subject) for f in plan.findings}
    assert ("cross-zone", ACTION, "app -> portal") in flagged
    assert ("cross-zone", ACTION, "app -> extranet-app") in flagged
    held = [f for f in plan.pending]
    assert [(f.source, f.destination) for f in held] == [("app", "data-exchange/gateway")]
    assert plan.tenant is not None
    in_tenant = {(f.source, f.destination, f.approval) for f in plan.tenant.flows}
    assert ("app", "base-data/api", "杨管办发〔2024〕40号") in in_tenant  # same zone, approved: kept
    assert not any(f.destination == "data-exchange/gateway" for f in plan.tenant.flows)
    out = zone.parent / "out"
    result = migrate("plan", "test-app", "--catalog", str(zone), "--out", str(out))
    assert result.exit_code == 0, result.output
    tenant_text = (out / "test-app.yaml").read_text(encoding="utf-8")
    assert "# Held back until an approval reference is given" in tenant_text
    assert "#       to: data-exchange/gateway" in tenant_text
    doc = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    assert any(f["pending"] and f["to"] == "data-exchange/gateway" for f in doc["flows"])


def test_with_an_approval_the_cross_zone_peer_goes_through_the_exchange(write_app: Write, catalog: Catalog) -> None:
    text = BASE_APP.format(app="test-app").replace("connections:\n", PEER_PORTAL + "  # declared:\n")
    text = text.replace("endpoint: portal/app}", "endpoint: portal/app, approval: 杨管办发〔2024〕41号}")
    plan = build_plan(load_app(write_app(text), catalog), catalog)
    assert ("cross-zone", NOTE, "app -> portal") in {(f.kind, f.severity, f.subject) for f in plan.findings}
    assert plan.tenant is not None
    assert ("app", "data-exchange/gateway") in {(f.source, f.destination) for f in plan.tenant.flows}
    assert any(f.kind == "exchange-route" for f in plan.findings)


def test_internet_users_put_a_tier_on_the_extranet_and_tiers_meet_through_the_exchange(
    write_app: Write, catalog: Catalog
) -> None:
    text = BASE_APP.format(app="test-app") + (
        "  - {from: app, to: sms, ports: [443/tcp]}\n"
        "peers:\n  - {name: sms, title: 短信平台, reached_over: internet}\n"
        "users:\n  - {name: 群众, count: 1000, reached_over: internet, tier: web, ports: [443/tcp],"
        " approval: 杨网信发〔2024〕50号}\n"
    )
    text = text.replace(
        "{from: web, to: app, ports: [8080/tcp]}", "{from: web, to: app, ports: [8080/tcp], approval: X号}"
    )
    plan = build_plan(load_app(write_app(text), catalog), catalog)
    zones = {t.name: t.zone.value for t in plan.tiers}
    assert zones == {"web": "extranet", "app": "intranet", "db": "intranet"}
    assert plan.tenant is not None
    flows = {(f.source, f.destination) for f in plan.tenant.flows}
    assert ("internet", "web") in flows
    assert ("web", "data-exchange/gateway") in flows and ("data-exchange/gateway", "app") in flows
    assert ("web", "app") not in flows
    assert any(f.kind == "internet-from-intranet" and f.subject == "app -> sms" for f in plan.findings)
    assert not any(f.destination == "internet" and f.source == "app" for f in plan.flows)


def test_specialised_links_stay_as_dedicated_access(write_app: Write, catalog: Catalog) -> None:
    text = BASE_APP.format(app="test-app") + (
        "  - {from: app, to: province, ports: [443/tcp]}\n"
        "peers:\n  - {name: province, title: 省厅系统, reached_over: specialised, addresses: [172.16.0.0/16]}\n"
    )
    plan = build_plan(load_app(write_app(text), catalog), catalog)
    finding = next(f for f in plan.findings if f.kind == "dedicated-access")
    assert finding.subject == "app -> province" and "测试专网" in finding.en
    assert not any("province" in f.destination for f in plan.flows)


def test_a_tenant_that_would_fail_the_catalog_is_reported_not_written(
    write_app: Write, zone: Path, catalog: Catalog
) -> None:
    used = sum(t.quotas.instances for t in catalog.tenants.values())
    platform = zone / "platform.yaml"
    text = platform.read_text(encoding="utf-8")
    platform.write_text(text.replace("  instances: 400\n", f"  instances: {used + 1}\n"), encoding="utf-8")
    write_app()
    out = zone.parent / "out"
    result = migrate("plan", "test-app", "--catalog", str(zone), "--out", str(out))
    assert result.exit_code == 1, result.output
    assert "capacity.instances: tenants' quotas add up to" in result.stderr
    assert "would fail the catalog" in result.stderr
    assert not out.exists()


def test_a_tenant_that_would_fail_the_policy_pack_is_reported_not_written(
    write_app: Write, zone: Path, tmp_path: Path
) -> None:
    text = BASE_APP.format(app="test-app").replace(
        "addresses: [192.168.9.21]}", "addresses: [192.168.9.21], image: debian-12}"
    )
    write_app(text)
    out = zone.parent / "out"
    advisory = migrate("plan", "test-app", "--catalog", str(zone), "--out", str(out))
    assert advisory.exit_code == 0, advisory.output
    assert "1 advisory (GC-CMP-02)" in advisory.output  # level 3 prefers a domestic image: a warning
    strict = tmp_path / "strict.json"
    strict.write_text('{"GC-CMP-02": "mandatory"}', encoding="utf-8")
    out2 = zone.parent / "out2"
    result = migrate("plan", "test-app", "--catalog", str(zone), "--out", str(out2), "--config", str(strict))
    assert result.exit_code == 1, result.output
    assert "GC-CMP-02 test-app-app-vm" in result.stderr
    assert "would fail `govcloud check`" in result.stderr
    assert not out2.exists()


def test_blocking_findings_the_catalog_had_already_are_not_blamed_on_the_plan(
    write_app: Write, zone: Path, tmp_path: Path
) -> None:
    strict = tmp_path / "strict.json"
    strict.write_text('{"GC-CMP-02": "mandatory"}', encoding="utf-8")
    (zone / "waivers.yaml").unlink()  # the waiver for the mgmt hosts' Debian: now they fail GC-CMP-02
    write_app()  # Kylin and CentOS (-> openEuler): domestic images only
    result = migrate(
        "plan", "test-app", "--catalog", str(zone), "--out", str(zone.parent / "out"), "--config", str(strict)
    )
    assert result.exit_code == 0, result.output
    assert "0 blocking" in result.output
    assert "blocking finding(s) on other tenants, not caused by this plan" in result.output

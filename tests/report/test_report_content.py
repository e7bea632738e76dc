"""The report of the sample zone: every control, statuses from coverage, evidence from the check
and the isolation proof, tenants, waivers, the matrix and the topology, in both languages."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from govcloud.catalog.loader import Catalog
from govcloud.report.assemble import NETWORK_CONTROLS, REPORT_FORMAT
from govcloud.report.build import Written
from govcloud.report.i18n import EN, LABELS, ZH
from policies.mlps.controls import coverage, load_controls
from policies.mlps.registry import all_rules

from .conftest import Build, Plan, keep_default_egress, seeded

CONFIG = Path(__file__).resolve().parents[2] / "policies" / "config.json"


def page(written: Written) -> str:
    return (written.files[0].parent / "index.html").read_text(encoding="utf-8")


def data(written: Written) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((written.files[0].parent / "report.json").read_text(encoding="utf-8"))
    return loaded


def control(report: dict[str, Any], cid: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in report["controls"] if c["id"] == cid)
    return found


def test_writes_the_page_and_the_data(report_en: Written) -> None:
    names = {p.name for p in report_en.files}
    assert {"index.html", "report.json", "topology.svg", "topology.dot"} <= names
    assert data(report_en)["format"] == REPORT_FORMAT


def test_every_control_of_the_catalog_in_its_order(report_en: Written) -> None:
    expected = list(load_controls())
    report = data(report_en)
    assert [c["id"] for c in report["controls"]] == expected
    text = page(report_en)
    for cid in expected:
        assert f'id="{cid}"' in text, cid
    assert report["summary"]["controls"] == len(expected)


def test_statuses_are_the_computed_coverage(report_en: Written) -> None:
    config = json.loads(CONFIG.read_text(encoding="utf-8")) if CONFIG.is_file() else {}
    expected = {cov.control.id: cov for cov in coverage(all_rules(), load_controls(), config)}
    report = data(report_en)
    for row in report["controls"]:
        cov = expected[row["id"]]
        assert row["status"] == cov.status, row["id"]
        assert set(row["coverage"]["mandatory"]) == set(cov.mandatory), row["id"]
        assert {p["policy"] for p in row["implementers"]} >= set(cov.policies), row["id"]
    counts = report["summary"]
    assert counts["enforced"] + counts["partly"] + counts["not automated"] == counts["controls"]
    # The page shows each control's computed status beside it.
    text = page(report_en)
    for row in report["controls"]:
        badge = f'<span class="badge st-{row["status"].replace(" ", "-")}">{EN["status_" + row["status"]]}</span>'
        article = text[text.index(f'<article class="control" id="{row["id"]}">') :]
        assert badge in article[: article.index("</header>")], row["id"]


def test_implementers_carry_titles_enforcement_and_check_evidence(report_en: Written) -> None:
    rules = {r.id: r for r in all_rules()}
    for row in data(report_en)["controls"]:
        for impl in row["implementers"]:
            rule = rules[impl["policy"]]
            assert row["id"] in rule.controls
            assert (impl["title_en"], impl["title_zh"]) == (rule.title_en, rule.title_zh)
            assert impl["enforcement"] in ("mandatory", "advisory", "disabled")
            assert impl["evidence"]["result"] in ("passed", "violations", "waived", "disabled")
    # The sample's one waiver covers advisory GC-CMP-02 findings on the management hosts.
    cmp02 = [i for c in data(report_en)["controls"] for i in c["implementers"] if i["policy"] == "GC-CMP-02"]
    assert cmp02 and all(i["evidence"]["result"] in ("waived", "passed") for i in cmp02)


def test_network_controls_carry_the_isolation_claims(report_en: Written) -> None:
    report = data(report_en)
    claim_ids = [c["id"] for c in report["claims"]]
    for cid in NETWORK_CONTROLS:
        assert control(report, cid)["isolation_claims"] == claim_ids, cid
    assert control(report, "L3-CEN-08")["isolation_claims"] == []
    text = page(report_en)
    assert "The management network is reached only from the bastion." in text
    assert "finance-intranet-router" in text  # the failing claim's witness path
    assert report["isolation"] == {**report["isolation"], "claims": 2, "holding": 1}


def test_without_host_evidence_every_control_says_so(report_en: Written) -> None:
    report = data(report_en)
    assert report["host_evidence"] is None and report["host_findings"] == []
    assert all(c["host_evidence"] is None for c in report["controls"])
    assert all(c["host_verdict"] == "no host evidence" for c in report["controls"])
    text = page(report_en)
    for row in report["controls"]:
        article = text[text.index(f'<article class="control" id="{row["id"]}">') :]
        assert EN["host_verdict_no host evidence"] in article[: article.index("</article>")], row["id"]
    assert EN["host_none_given"] in text


def test_header_names_the_zone_catalog_plan_and_version(report_en: Written, sample_plan: Plan) -> None:
    report = data(report_en)
    text = page(report_en)
    assert report["zone"]["name"] == "yangling-demo"
    assert report["plan"]["catalog"]["sha256"] == sample_plan["catalog"]["sha256"]
    assert report["plan"]["catalog"]["matches"] is True
    assert report["warnings"] == []
    for shown in (
        "yangling-demo",
        sample_plan["catalog"]["sha256"],
        sample_plan["format"],
        sample_plan["generated_at"],
        report["govcloud_version"],
    ):
        assert html.escape(shown) in text, shown
    assert report["govcloud_version"] not in ("", "unknown")


def test_tenant_summaries(report_en: Written, catalog: Catalog, sample_plan: Plan) -> None:
    tenants = {t["slug"]: t for t in data(report_en)["tenants"]}
    assert set(tenants) == set(catalog.tenants)
    finance = tenants["finance"]
    assert finance["level"] == 3 and finance["zones"] == ["intranet"]
    instances = [r for r in sample_plan["resources"] if r["type"] == "openstack:compute/instance:Instance"]
    hosts = sum(1 for r in instances if r["tenant"] == "finance")
    assert finance["hosts"] == hosts > 0
    assert finance["volumes"]["encrypted"] == finance["volumes"]["total"] > 0
    assert finance["flows"] == len(catalog.tenants["finance"].flows)
    assert finance["violations"] == {"total": 0, "blocking": 0, "waived": 0}
    opendata = tenants["open-data"]  # level 2: standard volumes
    assert opendata["level"] == 2 and opendata["volumes"]["encrypted"] == 0 < opendata["volumes"]["total"]
    mgmt = tenants["mgmt"]
    assert mgmt["violations"]["total"] == mgmt["violations"]["waived"] > 0


def test_waivers_active_in_the_sample(report_en: Written) -> None:
    waivers = data(report_en)["waivers"]
    assert [w["status"] for w in waivers] == ["active"]
    assert waivers[0]["policy"] == "GC-CMP-02" and waivers[0]["covers"]
    assert "科信发〔2026〕7号" in page(report_en)


def test_an_expired_waiver_shows_as_expired(build: Build, tmp_path: Path) -> None:
    written = build(tmp_path, "en", today=date(2027, 7, 1))
    report = data(written)
    assert [w["status"] for w in report["waivers"]] == ["expired"]
    assert report["check"]["summary"]["waivers_expired"] == 1
    text = page(written)
    assert EN["waiver_status_expired"] in text
    assert "waiver catalog/waivers.yaml:" in text and "expired" in text  # beside the violations it no longer covers


def test_the_matrix(report_en: Written) -> None:
    report = data(report_en)
    matrix = report["matrix"]
    assert [n["id"] for n in matrix["nodes"]] == ["internet", "intranet", "extranet", "management"]
    assert matrix["cells"]["intranet"]["internet"]["reachable"] is False
    assert matrix["cells"]["management"]["intranet"]["ports"] == ["22/tcp"]
    text = page(report_en)
    table = text[text.index('<table class="matrix">') : text.index("</table>", text.index('<table class="matrix">'))]
    assert table.count('<th class="row') == 4
    assert '<th class="row kind-zone" title="intranet">Intranet</th>' in table  # translated zone names
    assert "22/tcp" in table and 'class="no"' in table
    assert "53/udp, 53/tcp, 123/udp +1" in table  # long port lists are cut short


def test_the_topology_svg_is_inline(report_en: Written, sample_plan: Plan) -> None:
    text = page(report_en)
    assert re.search(r'<figure class="topology-figure"><svg\b[^>]*class="topology"', text)
    svg = html.unescape(text[text.index("<svg") : text.index("</svg>")])  # dot writes '-' as &#45;
    routers = [r["name"] for r in sample_plan["resources"] if r["type"] == "openstack:networking/router:Router"]
    assert routers and all(name in svg for name in routers)
    for shown in ("gov-intranet-backbone", "gov-extranet-backbone", "gov-mgmt-backbone", "Internet", "internet-exit"):
        assert shown in svg, shown
    assert "<?xml" not in text and "<!DOCTYPE svg" not in text
    assert data(report_en)["topology"]["drawn"] is True


def test_the_page_is_self_contained(report_en: Written) -> None:
    text = page(report_en)
    assert "<script" not in text.lower()
    assert "<link" not in text.lower()
    assert not re.search(r"""(src|href)\s*=\s*["'](?!#)""", text), "only in-page links"
    assert not re.search(r"url\(", text)
    assert "Content-Security-Policy" in text and "default-src 'none'" in text


def test_both_languages_render(report_en: Written, report_zh: Written) -> None:
    en, zh = page(report_en), page(report_zh)
    assert '<html lang="en">' in en and '<html lang="zh-CN">' in zh
    assert EN["title"] in en and ZH["title"] in zh
    assert ZH["title"] not in en and EN["title"] not in zh
    report = data(report_zh)
    first = report["controls"][0]
    assert first["text_zh"] in zh and first["text_en"] not in zh
    assert first["text_en"] in en
    assert "财政局" in zh  # tenant names in Chinese
    assert "Finance Bureau" in en
    # Topology labels follow the language too.
    assert "政务内网" in zh[zh.index("<svg") :] and "Intranet" in en[en.index("<svg") :]
    # The data is the same whatever the page's language.
    a, b = data(report_en), data(report_zh)
    for key in ("controls", "tenants", "waivers", "matrix", "claims"):
        assert a[key] == b[key], key


def test_label_dicts_cover_the_same_words() -> None:
    assert set(EN) == set(ZH)
    assert all(value.strip() for words in LABELS.values() for value in words.values())


@pytest.fixture(scope="module")
def seeded_report(build: Build, sample_plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Written:
    return build(tmp_path_factory.mktemp("seeded"), "en", plan=seeded(sample_plan, keep_default_egress))


def test_a_violation_is_evidence_not_status(seeded_report: Written, report_en: Written) -> None:
    report = data(seeded_report)
    assert report["check"]["summary"]["blocking"] >= 1
    violated = [v for v in report["violations"] if v["policy"] == "GC-SG-01"]
    assert violated and violated[0]["tenant"] == "finance" and violated[0]["blocking"]
    rows = [c for c in report["controls"] if any(i["policy"] == "GC-SG-01" for i in c["implementers"])]
    assert rows
    for row in rows:
        impl = next(i for i in row["implementers"] if i["policy"] == "GC-SG-01")
        assert impl["evidence"]["result"] == "violations" and impl["evidence"]["blocking"] >= 1
        # The status says how the control is implemented, not whether today's plan passes.
        assert row["status"] == control(data(report_en), row["id"])["status"]
    finance = next(t for t in report["tenants"] if t["slug"] == "finance")
    assert finance["violations"]["blocking"] >= 1
    text = page(seeded_report)
    assert EN["sum_failed"] in text and "GC-SG-01" in text


def test_inputs_that_do_not_belong_together_are_warned(
    build: Build, sample_plan: Plan, isolation_file: Path, tmp_path: Path
) -> None:
    other = seeded(sample_plan, lambda plan: plan["catalog"].update(sha256="0" * 64))
    proof = json.loads(isolation_file.read_text(encoding="utf-8"))
    proof["plan"] = {"catalog_sha256": "f" * 64}
    moved = tmp_path / "isolation.json"
    moved.write_text(json.dumps(proof), encoding="utf-8")
    written = build(tmp_path / "out", "zh", plan=other, isolation_path=moved)
    report = data(written)
    assert [w["code"] for w in report["warnings"]] == ["plan_catalog_differs", "isolation_other_plan"]
    assert report["plan"]["catalog"]["matches"] is False
    text = page(written)
    assert ZH["warn_plan_catalog_differs"] in text and ZH["warn_isolation_other_plan"] in text

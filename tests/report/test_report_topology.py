"""The topology read from the plan and drawn by Graphviz (which must be installed: `make setup`)."""

from __future__ import annotations

import html
import shutil

import pytest

from govcloud.catalog.loader import Catalog
from govcloud.report.i18n import EN, ZH
from govcloud.report.topology import DotFailed, build_topology, inline_svg, render_svg, to_dot

from .conftest import Plan


def test_graphviz_is_installed() -> None:
    assert shutil.which("dot"), "Graphviz's dot is missing: apt-get install graphviz (make setup installs it)"


def test_routers_gateways_and_interfaces_from_the_plan(sample_plan: Plan, catalog: Catalog) -> None:
    topo = build_topology(sample_plan, catalog)
    exits = [r for r in topo.routers if r.exit]
    assert [r.name for r in exits] == [catalog.platform.internet_exit.router]
    assert exits[0].gateway == catalog.platform.internet_exit.external_network == topo.internet
    assert [i.zone for i in exits[0].interfaces] == ["extranet"]
    backbones = {z.value: spec.backbone.network for z, spec in catalog.platform.zones.items()}
    for router in topo.routers:
        if router.exit:
            continue
        assert router.zone in backbones and router.gateway == backbones[router.zone], router.name
        assert router.interfaces and all(i.zone == router.zone for i in router.interfaces), router.name
        assert router.tenant in catalog.tenants
    # Every tenant has one router per zone it is in.
    for slug, tenant in catalog.tenants.items():
        zones = sorted(r.zone or "" for r in topo.routers if r.tenant == slug)
        assert zones == sorted(z.value for z in tenant.zones), slug
    # The exit's return routes lead only into extranet tenant routers.
    routed = [r for r in topo.routers if r.exit_routes]
    assert routed and all(r.zone == "extranet" for r in routed)


def test_intranet_routers_have_no_path_drawn_to_the_internet(sample_plan: Plan, catalog: Catalog) -> None:
    dot = to_dot(build_topology(sample_plan, catalog), EN, "en")
    edges = [line.strip() for line in dot.splitlines() if " -> " in line]
    assert any(e.startswith('"internet" -> "router:internet-exit"') for e in edges)
    assert any(e.startswith('"router:internet-exit" -> "backbone:extranet"') for e in edges)
    assert not any("internet" in e and "intranet" in e for e in edges)


def test_dot_renders_both_languages(sample_plan: Plan, catalog: Catalog) -> None:
    topo = build_topology(sample_plan, catalog)
    for words, lang, shown in ((EN, "en", "Finance Bureau"), (ZH, "zh", "财政局")):
        svg = render_svg(to_dot(topo, words, lang))
        assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
        assert 'class="topology"' in svg and "viewBox=" in svg
        assert not any(f' {attr}="' in svg[: svg.index(">")] for attr in ("width", "height"))
        assert shown in html.unescape(svg)


def test_labels_are_escaped(sample_plan: Plan, catalog: Catalog) -> None:
    topo = build_topology(sample_plan, catalog)
    topo.tenants[0]["name_en"] = 'R&D <"lab"> \\ dept'
    svg = render_svg(to_dot(topo, EN, "en"))
    assert 'R&amp;D &lt;&quot;lab&quot;&gt;' in svg or "R&amp;D &lt;&#34;lab&#34;&gt;" in svg, svg[:3000]


def test_bad_dot_output_is_reported() -> None:
    with pytest.raises(DotFailed):
        inline_svg("no svg here")
    with pytest.raises(DotFailed):
        render_svg("digraph { this is not dot")

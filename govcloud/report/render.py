"""Render the report: index.html (Jinja2, self-contained: inline CSS and SVG, no scripts, no
fetches) and report.json (the data, both languages), plus topology.svg/.dot beside them."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from govcloud.report.assemble import STATUSES
from govcloud.report.hosts import HOSTS_FAIL, HOSTS_PASS
from govcloud.report.i18n import Labels, labels
from policies.mlps.controls import CATEGORIES

TEMPLATES = Path(__file__).resolve().parent / "templates"
INDEX, DATA, SVG, DOT = "index.html", "report.json", "topology.svg", "topology.dot"
MAX_PORTS = 3  # ports shown in a matrix cell before "+N"
VERDICT_CLASS = {HOSTS_PASS: "hv-pass", HOSTS_FAIL: "hv-fail"}  # anything else: hv-none


@dataclass(frozen=True)
class Picture:
    """The topology: DOT source always; the SVG when Graphviz drew it, else why not."""

    dot: str
    svg: str | None
    error: str | None = None


def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _helpers(words: Labels, lang: str) -> dict[str, Any]:
    def t(key: str, **params: Any) -> str:
        text = words[key]
        return text.format(**params) if params else text

    def pick(item: Mapping[str, Any], field: str) -> str:
        """item['<field>_zh'] or ['<field>_en'], falling back to the other language."""
        other = "en" if lang == "zh" else "zh"
        return str(item.get(f"{field}_{lang}") or item.get(f"{field}_{other}") or "")

    def source(where: str) -> str:
        return t("computed") if where == "computed" else where

    def evidence_text(evidence: Mapping[str, Any]) -> str:
        result = str(evidence["result"])
        if result == "violations":
            text = t("ev_violations", n=evidence["violations"])
            if evidence.get("blocking"):
                text += " · " + t("ev_blocking", n=evidence["blocking"])
            if evidence.get("waived"):
                text += " · " + t("ev_waived", n=evidence["waived"])
            return text
        if result == "waived":
            return t("ev_waived", n=evidence["waived"])
        return t(f"ev_{result}")

    def evidence_summary(control: Mapping[str, Any]) -> str:
        """One line for the overview: the implementers' results counted, then the isolation claims."""
        results: dict[str, int] = {}
        for policy in control["implementers"]:
            key = str(policy["evidence"]["result"])
            results[key] = results.get(key, 0) + 1
        parts = [f"{t('evs_' + key)} ×{n}" for key, n in sorted(results.items())]
        claims = len(control["isolation_claims"])
        if claims:
            parts.append(f"{t('isolation_evidence')} ×{claims}")
        return " · ".join(parts) or "—"

    def node_label(node: Mapping[str, str]) -> str:
        """A matrix node in the page's language: zones and the internet translated, tenants by slug."""
        kind, name = node.get("kind", ""), node.get("name", "")
        if kind == "internet":
            return t("topo_internet")
        if kind == "bastion":
            return t("bastion")
        if kind == "zone" and f"zone_{name}" in words:
            return t(f"zone_{name}")
        return name or node.get("id", "")

    def host_label(host: str) -> str:
        return host or t("host_unknown")

    def hosts_text(hosts: Sequence[str]) -> str:
        return ", ".join(host_label(h) for h in hosts)

    def verdict_class(verdict: str) -> str:
        return VERDICT_CLASS.get(verdict, "hv-none")

    def ports(values: Sequence[str]) -> str:
        shown = ", ".join(values[:MAX_PORTS])
        more = len(values) - MAX_PORTS
        return f"{shown} +{more}" if more > 0 else (shown or "✓")

    return {
        "t": t,
        "pick": pick,
        "source": source,
        "evidence_text": evidence_text,
        "evidence_summary": evidence_summary,
        "ports": ports,
        "node_label": node_label,
        "host_label": host_label,
        "hosts_text": hosts_text,
        "verdict_class": verdict_class,
    }


def render_html(report: Mapping[str, Any], picture: Picture) -> str:
    lang = str(report["lang"])
    words = labels(lang)
    template = environment().get_template("index.html.j2")
    used = {str(c["category"]) for c in report["controls"]}
    categories = [c for c in CATEGORIES if c in used] + sorted(used - set(CATEGORIES))
    return template.render(
        r=report,
        statuses=STATUSES,
        categories=categories,
        claims_by_id={c["id"]: c for c in report["claims"]},
        svg=Markup(picture.svg) if picture.svg else None,
        svg_error=picture.error,
        **_helpers(words, lang),
    )


def write_report(out_dir: Path, report: Mapping[str, Any], picture: Picture) -> list[Path]:
    """Write index.html, report.json, topology.dot and (when drawn) topology.svg; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    index = out_dir / INDEX
    index.write_text(render_html(report, picture), encoding="utf-8")
    written.append(index)
    data = out_dir / DATA
    data.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    written.append(data)
    dot = out_dir / DOT
    dot.write_text(picture.dot, encoding="utf-8")
    written.append(dot)
    svg = out_dir / SVG
    if picture.svg:
        svg.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' + picture.svg, encoding="utf-8")
        written.append(svg)
    elif svg.exists():
        svg.unlink()  # never leave a stale picture beside a new report
    return written

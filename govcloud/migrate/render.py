"""The plan written out: the tenant YAML for the catalog, plan.json, and the readable migration plan
(Markdown and HTML, Chinese and English)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

from jinja2 import Environment, select_autoescape
from markupsafe import Markup
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from govcloud.migrate.discover import DiscoveryResult
from govcloud.migrate.load import GENERATED_MARK
from govcloud.migrate.plan import ACTION, NOTE, REFUSED, MigrationPlan
from govcloud.migrate.verify import Verification

SCHEMA_LINE = "# yaml-language-server: $schema=../../schema/tenant.schema.json"
LANGS = ("zh", "en")


def _yaml_node(value: Any, key: str = "") -> Any:
    """Plain data to ruamel nodes: short lists of scalars and NIC/volume entries in flow style."""
    if isinstance(value, dict):
        node = CommentedMap()
        for k, v in value.items():
            node[k] = _yaml_node(v, k)
        if key in ("nics", "volumes", "owner_inline"):
            node.fa.set_flow_style()
        return node
    if isinstance(value, list):
        seq = CommentedSeq(_yaml_node(v, key) for v in value)
        if key in ("zones", "ports", "nics", "volumes") or all(not isinstance(v, dict | list) for v in value):
            seq.fa.set_flow_style()
        if key == "networks":
            for item in seq:
                item.fa.set_flow_style()
        return seq
    return value


def _dump(data: Any) -> str:
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


def tenant_data(plan: MigrationPlan) -> dict[str, Any]:
    assert plan.tenant is not None
    data: dict[str, Any] = plan.tenant.model_dump(mode="json", by_alias=True, exclude_none=True)
    for host in data["hosts"]:
        if not host.get("volumes"):
            host.pop("volumes", None)
    for flow in data["flows"]:
        if not flow.get("purpose"):
            flow.pop("purpose", None)
    if not data.get("notes"):
        data.pop("notes", None)
    return data


def tenant_yaml(plan: MigrationPlan) -> str:
    """The tenant file for catalog/tenants/<slug>.yaml, its rationale in comments."""
    app = plan.app
    head = [
        SCHEMA_LINE,
        f"{GENERATED_MARK}catalog/legacy/{app.app}.yaml.",
        "# Edit the legacy file and plan again rather than editing this one (docs/migrate.md).",
        f"# {app.owner.department} {app.name} ({app.name_en}), today on the {app.specialised_network}.",
        "#",
        "# Placement and sizing (smallest approved flavor that holds each legacy host):",
    ]
    for tier in plan.tiers:
        head.append(f"#   {tier.name} -> {tier.zone.value} {tier.cidr}, {tier.flavor.name}, {tier.image.image.name}")
        head += [f"#     {s.why_en}" for s in tier.sizing]
        head.append(f"#     image: {tier.image.why_en}")
    head.append(
        "# Quotas: the declared use + 25 % (security-group rules + 50 %, at least 100); networks, subnets, "
        "routers exactly as declared."
    )
    body = _yaml_node(tenant_data(plan))
    for host, tier in zip(body["hosts"], plan.tiers, strict=True):
        host.yaml_add_eol_comment(f"{len(tier.hosts)} legacy host(s): {', '.join(h.name for h in tier.hosts)}", "count")
    text = "\n".join(head) + "\n" + _dump(body)
    if plan.pending:
        text += "\n# Held back until an approval reference is given (then move them into flows:):\n" + "".join(
            f"#   {line}\n" for line in _dump(_yaml_node([f.catalog() for f in plan.pending], "flows")).splitlines()
        )
    return text


def plan_json(plan: MigrationPlan, verification: Verification | None) -> str:
    app = plan.app
    doc: dict[str, Any] = {
        "format": "govcloud.migrate/v1",
        "app": app.app,
        "tenant": plan.slug,
        "refused": plan.refused,
        "tiers": [
            {
                "name": t.name,
                "role": t.tier.role,
                "zone": t.zone.value,
                "zone_reason": t.zone_en,
                "network": t.cidr,
                "flavor": t.flavor.name,
                "image": t.image.image.name,
                "image_reason": t.image.why_en,
                "count": len(t.hosts),
                "data_gb": t.data_gb,
                "sizing": [s.why_en for s in t.sizing],
                "addresses": [{"legacy": old, "new": new} for old, new in plan.addresses.get(t.name, [])],
            }
            for t in plan.tiers
        ],
        "flows": [{**f.catalog(), "origin": f.origin, "pending": f.pending} for f in plan.flows],
        "findings": [
            {"kind": f.kind, "severity": f.severity, "subject": f.subject, "en": f.en, "zh": f.zh}
            for f in plan.findings
        ],
        "cycles": [{"members": list(c.members), "path": list(c.path)} for c in plan.cycles],
        "waves": [
            {
                "wave": w.number,
                "tiers": w.tiers,
                "cycle": list(w.cycle.path) if w.cycle else None,
                "cutover": {"en": w.cutover_en, "zh": w.cutover_zh},
                "rollback": {"en": w.rollback_en, "zh": w.rollback_zh},
            }
            for w in plan.waves
        ],
        "quotas": plan.quota_en,
        "discovery": _discovery_json(plan),
        "verification": None
        if verification is None
        else {
            "passed": verification.passed,
            "catalog_errors": verification.catalog_errors,
            "policies": verification.policies,
            "resources": verification.resources,
            "blocking": [f"{f.policy} {f.name}: {f.violation.message}" for f in verification.blocking],
            "advisory": [f"{f.policy} {f.name}: {f.violation.message}" for f in verification.advisory],
        },
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def _discovery_json(plan: MigrationPlan) -> dict[str, Any] | None:
    found = plan.discovery
    if found is None:
        return None
    return {
        "rows": found.rows,
        "min_count": found.min_count,
        "candidates": [
            {"from": c.source, "to": c.destination, "ports": list(c.ports), "count": c.count} for c in found.candidates
        ],
        "noise_dropped": len(found.noise),
        "unmapped_rows": found.unmapped_rows,
    }


@dataclass(frozen=True)
class Words:
    title: str
    summary: str
    placement: str
    addresses: str
    flows: str
    findings: str
    discovery: str
    waves: str
    quotas: str
    verification: str


WORDS = {
    "en": Words(
        "Migration plan",
        "Summary",
        "Placement and sizing",
        "Address changes",
        "Flows",
        "Boundary findings",
        "Observed connections",
        "Migration waves",
        "Quotas",
        "Verification",
    ),
    "zh": Words(
        "迁移方案", "概要", "部署区域与规格", "地址变更", "业务流", "边界核查", "流量发现", "迁移批次", "配额", "校验"
    ),
}
SEVERITY = {
    "en": {REFUSED: "refused", ACTION: "action needed", NOTE: "note"},
    "zh": {REFUSED: "拒绝", ACTION: "需处理", NOTE: "说明"},
}


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _table(head: list[str], rows: list[list[object]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*out, ""]


def markdown(plan: MigrationPlan, verification: Verification | None, lang: str) -> str:
    """The readable migration plan in `lang` (zh or en)."""
    zh = lang == "zh"
    w = WORDS[lang]
    app = plan.app
    lines = [f"# {w.title}：{app.name}" if zh else f"# {w.title}: {app.name_en}", ""]
    lines.append(
        f"{app.owner.department} {app.name} — {app.name_en}. "
        + (
            f"现运行于{app.specialised_network}，迁入电子政务云租户 `{plan.slug}`（依据规划 四(一)3）。"
            if zh
            else f"Today on the {app.specialised_network}; moves to the e-government cloud as tenant `{plan.slug}` "
            "(zone plan clause 四(一)3)."
        )
    )
    lines.append("")
    lines.append(f"## {w.summary}")
    lines.append("")
    pending = len(plan.pending)
    rows: list[list[object]] = [
        ["等保级别" if zh else "MLPS level", app.mlps_level],
        ["数据敏感程度" if zh else "Sensitivity", app.sensitivity.value],
        ["租户" if zh else "Tenant", f"`{plan.slug}` ({', '.join(sorted({t.zone.value for t in plan.tiers}))})"],
        ["层 / 主机" if zh else "Tiers / hosts", f"{len(plan.tiers)} / {sum(len(t.hosts) for t in plan.tiers)}"],
        [
            "业务流" if zh else "Flows",
            f"{len(plan.flows) - pending} + {pending} " + ("待审批" if zh else "awaiting approval"),
        ],
        ["迁移批次" if zh else "Waves", len(plan.waves) - 1],
        ["可容忍停机" if zh else "Tolerated downtime", f"{app.downtime_minutes} min"],
    ]
    if verification is not None:
        rows.append([w.verification, _verdict(verification, zh)])
    lines += _table(["", ""], rows)
    lines += _placement(plan, zh, w)
    lines += _flows_section(plan, zh, w)
    lines += _findings(plan, zh, w, lang)
    if plan.discovery is not None:
        lines += _discovery(plan, zh, w)
    lines += _waves(plan, zh, w)
    lines += [f"## {w.quotas}", ""]
    lines += [f"- {q}" for q in (plan.quota_zh if zh else plan.quota_en)] + [""]
    return "\n".join(lines).rstrip() + "\n"


def _verdict(v: Verification, zh: bool) -> str:
    if v.catalog_errors:
        return ("目录校验失败：" if zh else "catalog rejects it: ") + "; ".join(v.catalog_errors[:3])
    head = (
        f"目录校验通过；策略包 {v.policies} 条策略，阻断 {len(v.blocking)} 项，提示 {len(v.advisory)} 项"
        if zh
        else f"catalog valid; policy pack: {v.policies} policies, {len(v.blocking)} blocking, "
        f"{len(v.advisory)} advisory finding(s)"
    )
    extra = [f"{f.policy} {f.name}" for f in v.advisory]
    return head + (f" ({', '.join(extra)})" if extra else "")


def _placement(plan: MigrationPlan, zh: bool, w: Words) -> list[str]:
    head = (
        ["层", "角色", "区域", "网络", "主机数", "规格", "镜像", "数据卷"]
        if zh
        else ["Tier", "Role", "Zone", "Network", "Hosts", "Flavor", "Image", "Data volume"]
    )
    rows: list[list[object]] = [
        [
            t.name,
            t.tier.role,
            t.zone.value,
            t.cidr,
            len(t.hosts),
            t.flavor.name,
            t.image.image.name,
            f"{t.data_gb} GiB" if t.data_gb else "-",
        ]
        for t in plan.tiers
    ]
    lines = [f"## {w.placement}", "", *_table(head, rows)]
    for t in plan.tiers:
        lines.append(f"- **{t.name}** — " + ("区域：" if zh else "zone: ") + (t.zone_zh if zh else t.zone_en))
        lines += [f"  - {s.why_zh if zh else s.why_en}" for s in t.sizing]
        lines.append(("  - 镜像：" if zh else "  - image: ") + (t.image.why_zh if zh else t.image.why_en))
    lines += ["", f"## {w.addresses}", ""]
    rows = [[t.name, old, new] for t in plan.tiers for old, new in plan.addresses.get(t.name, [])]
    lines += _table(["层", "原地址", "新地址"] if zh else ["Tier", "Legacy address", "New address"], rows)
    return lines


def _flows_section(plan: MigrationPlan, zh: bool, w: Words) -> list[str]:
    origin_zh = {"declared": "声明", "discovered": "流量发现", "declared+discovered": "声明+发现", "users": "用户访问"}
    rows: list[list[object]] = []
    for f in plan.flows:
        status = (
            ("待审批（暂缓）" if zh else "held back: needs approval") if f.pending else ("生效" if zh else "active")
        )
        rows.append(
            [
                f.name,
                f.source,
                f.destination,
                ", ".join(f.ports),
                f.approval or "-",
                origin_zh.get(f.origin, f.origin) if zh else f.origin,
                status,
            ]
        )
    head = (
        ["名称", "源", "目的", "端口", "审批", "来源", "状态"]
        if zh
        else ["Name", "From", "To", "Ports", "Approval", "Origin", "Status"]
    )
    note = (
        "平台基线业务流（DNS、时间、审计日志、目录认证、堡垒机运维）由平台统一开放，不在此列。"
        if zh
        else "The platform's baseline flows (DNS, time, audit log, directory login, bastion SSH) are opened "
        "platform-wide and are not listed."
    )
    return [f"## {w.flows}", "", note, "", *_table(head, rows)]


def _findings(plan: MigrationPlan, zh: bool, w: Words, lang: str) -> list[str]:
    order = {REFUSED: 0, ACTION: 1, NOTE: 2}
    rows: list[list[object]] = [
        [SEVERITY[lang][f.severity], f.kind, f.subject, f.zh if zh else f.en]
        for f in sorted(plan.findings, key=lambda f: (order[f.severity], f.kind, f.subject))
    ]
    head = ["级别", "类别", "对象", "说明"] if zh else ["Severity", "Kind", "Subject", "Finding"]
    if not rows:
        return [f"## {w.findings}", "", "无。" if zh else "None.", ""]
    return [f"## {w.findings}", "", *_table(head, rows)]


def _discovery(plan: MigrationPlan, zh: bool, w: Words) -> list[str]:
    found = plan.discovery
    assert found is not None
    lines = [f"## {w.discovery}", ""]
    lines.append(
        f"{found.path.name}：读取 {found.rows} 行，得到 {len(found.candidates)} 条候选业务流；"
        f"低于阈值 {found.min_count} 次的 {len(found.noise)} 个端口作为噪声丢弃；"
        f"{found.unmapped_rows} 行的一端不属于本系统。"
        if zh
        else f"{found.path.name}: {found.rows} rows read, {len(found.candidates)} candidate flows; "
        f"{len(found.noise)} port(s) seen fewer than {found.min_count} times dropped as noise; "
        f"{found.unmapped_rows} rows with one end outside the application."
    )
    lines.append("")
    rows: list[list[object]] = [[c.source, c.destination, ", ".join(c.ports), c.count] for c in found.candidates]
    lines += _table(["源", "目的", "端口", "次数"] if zh else ["From", "To", "Ports", "Seen"], rows)
    return lines


def _waves(plan: MigrationPlan, zh: bool, w: Words) -> list[str]:
    lines = [f"## {w.waves}", ""]
    if plan.cycles:
        for c in plan.cycles:
            lines.append(("循环依赖：" if zh else "Dependency cycle: ") + str(c))
        lines.append("")
    for wave in plan.waves:
        if wave.number == 0:
            title = "第 0 批：平台准备" if zh else "Wave 0: prepare the platform"
        else:
            title = (f"第 {wave.number} 批：" if zh else f"Wave {wave.number}: ") + ", ".join(wave.tiers)
            if wave.cycle is not None:
                title += "（循环依赖，整体迁移）" if zh else " (a cycle: moved together)"
        lines += [f"### {title}", "", "**切换步骤**" if zh else "**Cutover**", ""]
        lines += [f"- [ ] {item}" for item in (wave.cutover_zh if zh else wave.cutover_en)]
        lines += ["", "**回退步骤**" if zh else "**Rollback**", ""]
        lines += [f"- [ ] {item}" for item in (wave.rollback_zh if zh else wave.rollback_en)]
        lines.append("")
    return lines


PAGE = """<!doctype html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<title>{{ title }}</title>
<style>
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", system-ui, sans-serif; max-width: 70rem;
       margin: 2rem auto; padding: 0 1rem; line-height: 1.5; color: #1d2733; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #c8d0da; padding: 0.25rem 0.5rem; vertical-align: top; text-align: left; }
th { background: #eef2f6; }
h2 { border-bottom: 2px solid #2f5d8a; padding-bottom: 0.2rem; margin-top: 2rem; }
code { background: #f3f5f7; padding: 0 0.2rem; }
</style>
</head>
<body>
{{ body }}
</body>
</html>
"""


def html(markdown_text: str, lang: str, title: str) -> str:
    """The Markdown plan as one self-contained page (no scripts, nothing fetched)."""
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark", {"html": False}).enable("table").render(markdown_text)
    env = Environment(autoescape=select_autoescape(default=True))
    return env.from_string(PAGE).render(lang="zh-CN" if lang == "zh" else "en", title=title, body=Markup(body))


def files(plan: MigrationPlan, verification: Verification | None) -> dict[str, str]:
    """Everything `migrate plan` writes, by file name."""
    out = {f"{plan.slug}.yaml": tenant_yaml(plan), "plan.json": plan_json(plan, verification)}
    for lang in LANGS:
        text = markdown(plan, verification, lang)
        out[f"migration-plan.{lang}.md"] = text
        out[f"migration-plan.{lang}.html"] = html(text, lang, text.splitlines()[0].lstrip("# "))
    return out


def connections_yaml(found: DiscoveryResult) -> str:
    """The candidate flows as a `connections:` block to paste into the legacy file."""
    lines = [
        f"# Discovered from {found.path.name}: {found.rows} rows, ports seen at least {found.min_count} times.",
        "# Review each one before pasting it into the legacy file's connections:",
    ]
    items = [
        {"from": c.source, "to": c.destination, "ports": list(c.ports), "purpose": f"observed {c.count} times"}
        for c in found.candidates
    ]
    return "\n".join(lines) + "\n" + _dump(_yaml_node({"connections": items}))

"""Assemble the auditor report's data (report.json) from the plan, the catalog, the check's JSON
report and the isolation proof's JSON document.

Nothing here is written by hand: a control's status comes from the pack's coverage
(policies.mlps.controls.coverage over the rules at the levels the check applied), its evidence
from the check's violations, the isolation claims and the host evidence files (beside the
status, never changing it), the tenant summaries from the plan.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

from govcloud.catalog.loader import Catalog
from govcloud.report import hosts
from govcloud.report.hostfile import HostEvidenceFile
from govcloud.report.topology import Topology
from policies.mlps.controls import ENFORCED, NOT_AUTOMATED, PARTLY, Control, coverage
from policies.mlps.rule import Rule

REPORT_FORMAT = "govcloud.report/v1"
INSTANCE = "openstack:compute/instance:Instance"
VOLUME = "openstack:blockstorage/volume:Volume"
NETWORK = "openstack:networking/network:Network"
DISABLED = "disabled"
ZONE_NAMES = ("intranet", "extranet", "management")
STATUSES = (ENFORCED, PARTLY, NOT_AUTOMATED)
# Controls the zone isolation proof gives evidence for (network zoning, boundaries, management).
NETWORK_CONTROLS = (
    "L3-CNS-01",
    "L3-CNS-02",
    "L3-CNS-04",
    "L3-ABD-01",
    "L3-ABD-05",
    "L3-ABD-07",
    "L3-SMC-01",
    "L3-SMC-03",
)
# The network controls each claim of the isolation proof (docs/isolation-format.md) is evidence for.
# A claim that names its own `controls` serves those; an unknown claim serves every network control.
CLAIM_CONTROLS: dict[str, tuple[str, ...]] = {
    "ISO-1": ("L3-CNS-01", "L3-CNS-02", "L3-ABD-01", "L3-ABD-05"),  # intranet and internet never meet
    "ISO-2": ("L3-CNS-01", "L3-CNS-02", "L3-ABD-01", "L3-ABD-07"),  # intranet/extranet only via the exchange
    "ISO-3": ("L3-CNS-04", "L3-ABD-07"),  # tenants only along declared flows
    "ISO-4": ("L3-CNS-01", "L3-SMC-01", "L3-SMC-03"),  # management only from the bastion
}
# Evidence of one policy in the check
PASSED, VIOLATED, WAIVED, NOT_EVALUATED = "passed", "violations", "waived", "not evaluated"


@dataclass(frozen=True)
class Sources:
    """Where each input came from: a file path, or 'computed' (in-process)."""

    plan: str
    check: str
    isolation: str


def govcloud_version() -> str:
    try:
        return metadata.version("govcloud")
    except metadata.PackageNotFoundError:
        return "unknown"


def _policy_evidence(policy: str, level: str | None, violations: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    mine = [v for v in violations if v.get("policy") == policy]
    waived = sum(1 for v in mine if v.get("waived_by"))
    blocking = sum(1 for v in mine if v.get("blocking"))
    if level is None:
        result = NOT_EVALUATED
    elif level == DISABLED:
        result = DISABLED
    elif not mine:
        result = PASSED
    elif waived == len(mine):
        result = WAIVED
    else:
        result = VIOLATED
    return {"result": result, "violations": len(mine), "waived": waived, "blocking": blocking}


def _claims_by_control(claims: Sequence[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Control id -> claim ids: the claim's own `controls`, else CLAIM_CONTROLS, else every network
    control (the proof as a whole is their evidence)."""
    out: dict[str, list[str]] = {}
    for claim in claims:
        named = claim.get("controls")
        targets: Sequence[str] = (
            [str(c) for c in named]
            if isinstance(named, list) and named
            else CLAIM_CONTROLS.get(str(claim["id"]), NETWORK_CONTROLS)
        )
        for control in targets:
            out.setdefault(control, []).append(str(claim["id"]))
    return out


def controls_section(
    rules: Sequence[Rule],
    controls: Mapping[str, Control],
    check: Mapping[str, Any],
    claims: Sequence[Mapping[str, Any]],
    host_results: Sequence[hosts.HostResult] = (),
) -> list[dict[str, Any]]:
    levels: dict[str, str] = {str(k): str(v) for k, v in check["config"]["levels"].items()}
    # Coverage at the levels the check applied: the same pack config, so status and evidence agree.
    covered = coverage(rules, controls, {k: v for k, v in levels.items() if k in {r.id for r in rules}})
    by_id = {rule.id: rule for rule in rules}
    violations: list[Mapping[str, Any]] = check["violations"]
    claim_map = _claims_by_control(claims)
    out = []
    for cov in covered:
        control = cov.control
        naming = sorted(rule.id for rule in rules if control.id in rule.controls)
        implementers = []
        for policy in naming:
            rule = by_id[policy]
            level = levels.get(policy)
            implementers.append(
                {
                    "policy": policy,
                    "title_en": rule.title_en,
                    "title_zh": rule.title_zh,
                    "severity": rule.severity.value,
                    "enforcement": level or rule.enforcement.value,
                    "evidence": _policy_evidence(policy, level, violations),
                }
            )
        evidence = hosts.control_evidence(host_results, control.id)
        out.append(
            {
                "id": control.id,
                "category": control.category,
                "clause": control.clause,
                "see_also": list(control.see_also),
                "plan_clause": control.plan_clause,
                "text_zh": control.text_zh,
                "text_en": control.text_en,
                "note": control.note,
                "status": cov.status,
                "coverage": {"mandatory": list(cov.mandatory), "advisory": list(cov.advisory)},
                "implementers": implementers,
                "isolation_claims": claim_map.get(control.id, []),
                "host_checks": list(control.host_checks),
                "tests": list(control.tests),
                "host_evidence": evidence,
                "host_verdict": hosts.verdict(evidence),
            }
        )
    return out


def _count(resources: Iterable[Mapping[str, Any]], kind: str) -> Counter[str]:
    return Counter(str(r.get("tenant", "")) for r in resources if r.get("type") == kind)


def tenants_section(
    plan: Mapping[str, Any], catalog: Catalog, violations: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    resources: list[Mapping[str, Any]] = plan["resources"]
    encrypted_types = {vt.name for vt in catalog.platform.volume_types if vt.encrypted}
    hosts = _count(resources, INSTANCE)
    networks = _count(resources, NETWORK)
    volumes: dict[str, list[bool]] = {}
    for res in resources:
        if res.get("type") == VOLUME:
            volume_type = (res.get("inputs") or {}).get("volumeType")
            volumes.setdefault(str(res.get("tenant", "")), []).append(volume_type in encrypted_types)
    out = []
    for slug, tenant in catalog.tenants.items():
        mine = [v for v in violations if v.get("tenant") == slug]
        tenant_volumes = volumes.get(slug, [])
        out.append(
            {
                "slug": slug,
                "name": tenant.name,
                "name_en": tenant.name_en,
                "level": tenant.mlps_level,
                "sensitivity": tenant.sensitivity.value,
                "zones": [z.value for z in tenant.zones],
                "networks": networks.get(slug, 0),
                "hosts": hosts.get(slug, 0),
                "volumes": {"total": len(tenant_volumes), "encrypted": sum(tenant_volumes)},
                "flows": len(tenant.flows),
                "violations": {
                    "total": len(mine),
                    "blocking": sum(1 for v in mine if v.get("blocking")),
                    "waived": sum(1 for v in mine if v.get("waived_by")),
                },
            }
        )
    return out


def _node(node: Any) -> dict[str, str]:
    """A matrix node: id, kind (internet, zone, bastion, tenant, ...), name and title."""
    if isinstance(node, Mapping):
        ident = str(node.get("id", node.get("name", "")))
        name = str(node.get("name", ident))
        return {"id": ident, "kind": str(node.get("kind", "")), "name": name, "title": str(node.get("title", name))}
    kind = "internet" if node == "internet" else "zone" if node in ZONE_NAMES else ""
    return {"id": str(node), "kind": kind, "name": str(node), "title": str(node)}


def matrix_section(isolation: Mapping[str, Any]) -> dict[str, Any]:
    """The reachability matrix, rows and columns in the proof's node order (then any others)."""
    matrix: Mapping[str, Mapping[str, Mapping[str, Any]]] = isolation["matrix"]
    nodes = [_node(n) for n in isolation.get("nodes") or []]
    known = {n["id"] for n in nodes}
    for src, row in matrix.items():
        for name in (src, *row):
            if name not in known:
                nodes.append(_node(name))
                known.add(name)
    cells: dict[str, dict[str, dict[str, Any]]] = {}
    for src in (n["id"] for n in nodes):
        row = matrix.get(src, {})
        cells[src] = {}
        for dst in (n["id"] for n in nodes):
            cell = row.get(dst)
            if cell is None:
                continue
            cells[src][dst] = {
                "reachable": bool(cell.get("reachable")),
                "ports": [str(p) for p in cell.get("ports") or []],
                "flows": [str(f) for f in cell.get("flows") or []],
            }
    return {"nodes": nodes, "cells": cells}


def claims_section(isolation: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for claim in isolation["claims"]:
        witnesses = []
        for witness in claim.get("witnesses") or []:
            if not isinstance(witness, Mapping):
                continue
            hops = [
                {"kind": str(h.get("kind", "")), "name": str(h.get("name", "")), "urn": h.get("urn")}
                for h in witness.get("hops") or []
                if isinstance(h, Mapping)
            ]
            witnesses.append(
                {"summary": str(witness.get("summary", "")), "layer": str(witness.get("layer", "")), "hops": hops}
            )
        out.append(
            {
                "id": str(claim["id"]),
                "text_en": str(claim.get("text_en", claim["id"])),
                "text_zh": str(claim.get("text_zh", claim.get("text_en", claim["id"]))),
                "holds": bool(claim.get("holds")),
                "witness_count": int(claim.get("witness_count") or len(witnesses)),
                "controls": [str(c) for c in claim.get("controls") or []],
                "witnesses": witnesses,
            }
        )
    return out


def waivers_section(check: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for waiver in check["waivers"]:
        if not isinstance(waiver, Mapping):
            continue
        out.append(
            {
                "policy": str(waiver.get("policy", "")),
                "resource": str(waiver.get("resource", "")),
                "reason": str(waiver.get("reason", "")),
                "approver": str(waiver.get("approver", "")),
                "expires": str(waiver.get("expires", "")),
                "status": str(waiver.get("status", "")),
                "where": f"{waiver.get('file', '')}:{waiver.get('line', '')}",
                "covers": [dict(c) for c in waiver.get("covers") or [] if isinstance(c, Mapping)],
            }
        )
    return out


def violations_section(check: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for v in check["violations"]:
        waived_by = v.get("waived_by") or None
        expired = v.get("expired_waiver") or None
        out.append(
            {
                "policy": v["policy"],
                "title_en": str(v.get("title_en", "")),
                "title_zh": str(v.get("title_zh", "")),
                "severity": str(v.get("severity", "")),
                "enforcement": str(v.get("enforcement", "")),
                "tenant": str(v.get("tenant", "")),
                "name": str(v.get("name", "")),
                "urn": v.get("urn"),
                "message": str(v.get("message", "")),
                "blocking": bool(v.get("blocking")),
                "waived_by": f"{waived_by.get('file', '')}:{waived_by.get('line', '')}" if waived_by else None,
                "expired_waiver": f"{expired.get('file', '')}:{expired.get('line', '')}" if expired else None,
            }
        )
    return out


def warnings(
    plan: Mapping[str, Any], catalog: Catalog, check: Mapping[str, Any], isolation: Mapping[str, Any]
) -> list[dict[str, str]]:
    """Inputs that do not belong together: codes the page translates, with their details."""
    out = []
    planned = str((plan.get("catalog") or {}).get("sha256", ""))
    if planned != catalog.digest:
        out.append({"code": "plan_catalog_differs", "detail": f"{planned[:12]} ≠ {catalog.digest[:12]}"})
    checked = (check.get("plan") or {}).get("catalog") or {}
    if checked.get("sha256") and checked.get("sha256") != planned:
        out.append({"code": "check_other_plan", "detail": f"{str(checked.get('sha256'))[:12]} ≠ {planned[:12]}"})
    proved = (isolation.get("plan") or {}).get("catalog_sha256")
    if proved and proved != planned:
        out.append({"code": "isolation_other_plan", "detail": f"{str(proved)[:12]} ≠ {planned[:12]}"})
    if check.get("facts_file_stale"):
        out.append({"code": "facts_stale", "detail": "policies/facts.json"})
    return out


def build_report(
    *,
    plan: Mapping[str, Any],
    catalog: Catalog,
    check: Mapping[str, Any],
    isolation: Mapping[str, Any],
    rules: Sequence[Rule],
    controls: Mapping[str, Control],
    topology: Topology,
    sources: Sources,
    lang: str,
    host_evidence: Sequence[HostEvidenceFile] = (),
    now: datetime | None = None,
) -> dict[str, Any]:
    """The report's data: everything index.html shows, in both languages (report.json)."""
    platform = catalog.platform
    host_results = hosts.merge(host_evidence)
    control_rows = controls_section(rules, controls, check, isolation["claims"], host_results)
    claims = claims_section(isolation)
    statuses = Counter(str(c["status"]) for c in control_rows)
    summary = check.get("summary") or {}
    recorded = plan.get("catalog") or {}
    return {
        "format": REPORT_FORMAT,
        "generated_at": (now or datetime.now(UTC)).replace(microsecond=0).isoformat(),
        "lang": lang,
        "govcloud_version": govcloud_version(),
        "zone": {"name": platform.name, "title": platform.title},
        "plan": {
            "path": sources.plan,
            "format": plan.get("format"),
            "generated_at": plan.get("generated_at"),
            "stack": plan.get("stack"),
            "resources": sum(1 for r in plan["resources"] if r.get("custom", True)),
            "catalog": {
                "path": recorded.get("path"),
                "sha256": recorded.get("sha256"),
                "matches": recorded.get("sha256") == catalog.digest,
            },
        },
        "check": {
            "source": sources.check,
            "date": check.get("date"),
            "config": (check.get("config") or {}).get("path"),
            "waivers_file": check.get("waivers_file"),
            "summary": dict(summary),
        },
        "isolation": {
            "source": sources.isolation,
            "format": isolation.get("format"),
            "stats": dict(isolation.get("stats") or {}),
            "claims": len(claims),
            "holding": sum(1 for c in claims if c["holds"]),
        },
        "warnings": warnings(plan, catalog, check, isolation),
        "summary": {
            "controls": len(control_rows),
            **{status: statuses.get(status, 0) for status in STATUSES},
            "policies": len(rules),
        },
        "controls": control_rows,
        "claims": claims,
        "matrix": matrix_section(isolation),
        "tenants": tenants_section(plan, catalog, check["violations"]),
        "violations": violations_section(check),
        "waivers": waivers_section(check),
        "host_findings": hosts.findings(host_results),
        "host_evidence": hosts.summary(host_evidence, host_results, [str(c["host_verdict"]) for c in control_rows]),
        "topology": topology.to_json(),
    }

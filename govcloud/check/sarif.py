"""`govcloud check --format sarif`: SARIF 2.1.0 for code-scanning tools.

Rules carry the policy metadata (severity, controls, remediation as help); each violation is a
result whose logical location is the resource's URN and whose physical location is the catalog
file the resource comes from (the tenant's file, else platform.yaml). Waived violations carry a
suppression naming the waiver; the run's properties list every waiver, expired ones too.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from govcloud.catalog.errors import CatalogError, relative
from govcloud.catalog.loader import PLATFORM_FILE, TENANTS_DIR
from govcloud.catalog.source import read_yaml
from govcloud.check.json_report import use_json
from govcloud.check.run import CheckResult, Finding
from govcloud.check.waivers import Waiver
from policies.mlps.rule import Rule

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"mandatory": "error", "advisory": "warning", "disabled": "none"}
# GitHub code scanning ranks security results by this number (as text): critical >= 9, high >= 7.
SECURITY_SEVERITY = {"low": "3.0", "medium": "5.5", "high": "8.0", "critical": "9.5"}
SRCROOT = "%SRCROOT%"

Location = tuple[str, int]  # (file path as shown, 1-based line)


def catalog_locations(root: Path, tenants: Iterable[str]) -> dict[str, Location]:
    """Where each tenant (and the platform) is declared: its catalog file and its first field."""
    out: dict[str, Location] = {}
    files = {tenant: root / TENANTS_DIR / f"{tenant}.yaml" for tenant in tenants}
    files[""] = root / PLATFORM_FILE
    for tenant, path in files.items():
        if not path.is_file():
            continue
        source = read_yaml(path)
        line = 1 if isinstance(source, CatalogError) else source.line_of(())
        out[tenant] = (relative(path), line)
    return out


def _artifact(path: str) -> dict[str, Any]:
    if Path(path).is_absolute():
        return {"uri": Path(path).as_uri()}
    return {"uri": Path(path).as_posix(), "uriBaseId": SRCROOT}


def _physical(where: Location) -> dict[str, Any]:
    return {"artifactLocation": _artifact(where[0]), "region": {"startLine": where[1]}}


def _pascal(text: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in re.split(r"[^A-Za-z0-9]+", text) if word)


def rule_json(rule: Rule, level: str) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": _pascal(rule.title_en),
        "shortDescription": {"text": f"{rule.title_en} ({rule.title_zh})"},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": rule.remediation, "markdown": f"**Remediation**: {rule.remediation}"},
        "defaultConfiguration": {"level": LEVELS[level], "enabled": level != "disabled"},
        "properties": {
            "severity": rule.severity.value,
            "security-severity": SECURITY_SEVERITY[rule.severity.value],
            "enforcement": level,
            "controls": list(rule.controls),
            "tags": ["security", "mlps", *rule.tags, *rule.controls],
        },
    }


def _suppression(waiver: Waiver) -> dict[str, Any]:
    spec = waiver.spec
    return {
        "kind": "external",
        "status": "accepted",
        "justification": f"{spec.reason} (approved by {spec.approver}, until {spec.expires.isoformat()})",
        "location": {"physicalLocation": _physical((waiver.file, waiver.line))},
    }


def _fingerprint(finding: Finding) -> str:
    key = "\0".join((finding.policy, finding.violation.urn or finding.name, finding.violation.message))
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def result_json(finding: Finding, index: int, where: Location | None) -> dict[str, Any]:
    logical = {"name": finding.name, "kind": "resource"}
    if finding.violation.urn:
        logical["fullyQualifiedName"] = finding.violation.urn
    location: dict[str, Any] = {"logicalLocations": [logical]}
    if where is not None:
        location["physicalLocation"] = _physical(where)
    out: dict[str, Any] = {
        "ruleId": finding.policy,
        "ruleIndex": index,
        "level": LEVELS[finding.enforcement],
        "message": {"text": f"{finding.name}: {finding.violation.message}"},
        "locations": [location],
        "partialFingerprints": {"govcloudFinding/v1": _fingerprint(finding)},
        "properties": {"tenant": finding.tenant, "enforcement": finding.enforcement},
    }
    if finding.waived_by is not None:
        out["suppressions"] = [_suppression(finding.waived_by)]
    if finding.expired_waiver is not None:
        spec = finding.expired_waiver.spec
        out["properties"]["expiredWaiver"] = f"{finding.expired_waiver.where} (expired {spec.expires.isoformat()})"
    return out


def _version() -> str:
    try:
        return metadata.version("govcloud")
    except metadata.PackageNotFoundError:
        return "0.0.0"


def to_sarif(result: CheckResult, locations: Mapping[str, Location]) -> dict[str, Any]:
    index = {rule.id: i for i, rule in enumerate(result.rules)}
    platform = locations.get("")
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "govcloud",
                        "fullName": "govcloud check (MLPS 2.0 level-3 policy pack)",
                        "version": _version(),
                        "semanticVersion": _version(),
                        "rules": [rule_json(rule, result.levels[rule.id]) for rule in result.rules],
                    }
                },
                "invocations": [{"executionSuccessful": True}],
                "results": [
                    result_json(f, index[f.policy], locations.get(f.tenant, platform)) for f in result.findings
                ],
                "properties": {
                    "plan": result.plan.path,
                    "summary": result.summary(),
                    "waivers": [use_json(u) for u in result.waivers],
                },
            }
        ],
    }


def dumps(result: CheckResult, locations: Mapping[str, Location]) -> str:
    return json.dumps(to_sarif(result, locations), indent=1, ensure_ascii=False) + "\n"

"""A structural check of SARIF 2.1.0 output: the properties the specification requires and the
values it allows, for what govcloud writes (no schema file is available offline)."""

from __future__ import annotations

from typing import Any

LEVELS = {"none", "note", "warning", "error"}
SUPPRESSION_KINDS = {"inSource", "external"}
SUPPRESSION_STATUSES = {"accepted", "underReview", "rejected"}


def _message(message: Any, where: str) -> list[str]:
    if not isinstance(message, dict) or not (isinstance(message.get("text"), str) or "id" in message):
        return [f"{where}: a message needs text (or id)"]
    return []


def _location(location: Any, where: str) -> list[str]:
    problems: list[str] = []
    if not isinstance(location, dict):
        return [f"{where}: a location is an object"]
    physical = location.get("physicalLocation")
    if physical is not None:
        artifact = physical.get("artifactLocation", {})
        if not isinstance(artifact.get("uri"), str) or not artifact["uri"]:
            problems.append(f"{where}.physicalLocation.artifactLocation: needs a uri")
        region = physical.get("region")
        if region is not None and not (isinstance(region.get("startLine"), int) and region["startLine"] >= 1):
            problems.append(f"{where}.physicalLocation.region.startLine: an integer >= 1")
    for i, logical in enumerate(location.get("logicalLocations", [])):
        if not any(isinstance(logical.get(k), str) for k in ("name", "fullyQualifiedName")):
            problems.append(f"{where}.logicalLocations[{i}]: needs a name or fullyQualifiedName")
    if physical is None and not location.get("logicalLocations"):
        problems.append(f"{where}: needs a physical or a logical location")
    return problems


def _result(result: Any, rules: list[dict[str, Any]], where: str) -> list[str]:
    problems = _message(result.get("message"), f"{where}.message")
    rule_ids = [r["id"] for r in rules]
    if result.get("ruleId") not in rule_ids:
        problems.append(f"{where}.ruleId: {result.get('ruleId')!r} is not a rule of the driver")
    index = result.get("ruleIndex")
    if index is not None and not (0 <= index < len(rules) and rules[index]["id"] == result.get("ruleId")):
        problems.append(f"{where}.ruleIndex: does not point at rule {result.get('ruleId')!r}")
    if result.get("level", "warning") not in LEVELS:
        problems.append(f"{where}.level: {result.get('level')!r} is not a SARIF level")
    for i, location in enumerate(result.get("locations", [])):
        problems += _location(location, f"{where}.locations[{i}]")
    for i, suppression in enumerate(result.get("suppressions", [])):
        if suppression.get("kind") not in SUPPRESSION_KINDS:
            problems.append(f"{where}.suppressions[{i}].kind: not one of {sorted(SUPPRESSION_KINDS)}")
        if suppression.get("status", "accepted") not in SUPPRESSION_STATUSES:
            problems.append(f"{where}.suppressions[{i}].status: not one of {sorted(SUPPRESSION_STATUSES)}")
    fingerprints = result.get("partialFingerprints", {})
    if not all(isinstance(v, str) for v in fingerprints.values()):
        problems.append(f"{where}.partialFingerprints: values are strings")
    return problems


def sarif_problems(log: Any) -> list[str]:
    """Every way `log` departs from what SARIF 2.1.0 requires (empty when it conforms)."""
    if not isinstance(log, dict):
        return ["the log is a JSON object"]
    problems = [] if log.get("version") == "2.1.0" else ["version: must be '2.1.0'"]
    if not isinstance(log.get("$schema", ""), str):
        problems.append("$schema: a URI string")
    runs = log.get("runs")
    if not isinstance(runs, list):
        return [*problems, "runs: required array"]
    for r, run in enumerate(runs):
        driver = run.get("tool", {}).get("driver")
        if not isinstance(driver, dict) or not isinstance(driver.get("name"), str):
            problems.append(f"runs[{r}].tool.driver.name: required")
            continue
        rules = driver.get("rules", [])
        ids = [rule.get("id") for rule in rules]
        if len(ids) != len(set(ids)) or not all(isinstance(i, str) for i in ids):
            problems.append(f"runs[{r}].tool.driver.rules: ids are unique strings")
        for i, rule in enumerate(rules):
            for key in ("shortDescription", "fullDescription", "help"):
                if key in rule:
                    problems += _message(rule[key], f"runs[{r}].tool.driver.rules[{i}].{key}")
            level = rule.get("defaultConfiguration", {}).get("level", "warning")
            if level not in LEVELS:
                problems.append(f"runs[{r}].tool.driver.rules[{i}].defaultConfiguration.level: not a SARIF level")
        for i, result in enumerate(run.get("results", [])):
            problems += _result(result, rules, f"runs[{r}].results[{i}]")
    return problems

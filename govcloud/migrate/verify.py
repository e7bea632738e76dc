"""Prove a generated tenant before it is written: the real catalog loader and the real policy pack.

The catalog is copied to a temporary directory with the new tenant file beside the others;
loading it runs every catalog rule (address plan, flows, approvals, quotas, capacity); the
Pulumi program then runs under the mock engine (the offline plan) and the policy pack is
evaluated over it with the project's pack config and the catalog's waivers, as `govcloud check`
does.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from govcloud.catalog.errors import CatalogInvalid
from govcloud.catalog.loader import PLATFORM_FILE, TENANTS_DIR
from govcloud.check.run import Finding as PolicyFinding
from govcloud.check.session import WAIVERS_FILE


@dataclass
class Verification:
    catalog_errors: list[str] = field(default_factory=list)  # the loader's FILE:LINE: field: message lines
    blocking: list[PolicyFinding] = field(default_factory=list)  # unwaived mandatory findings on the new tenant
    advisory: list[PolicyFinding] = field(default_factory=list)  # advisory findings on the new tenant
    elsewhere: list[PolicyFinding] = field(default_factory=list)  # blocking findings on other tenants (not ours)
    resources: int = 0  # resources of the new tenant in the plan
    policies: int = 0

    @property
    def passed(self) -> bool:
        return not self.catalog_errors and not self.blocking


def copy_catalog(root: Path, into: Path, slug: str, tenant_yaml: str | None) -> Path:
    """platform.yaml, tenants/*.yaml (minus `slug`'s) and waivers.yaml, plus the new tenant if given."""
    (into / TENANTS_DIR).mkdir(parents=True)
    shutil.copy2(root / PLATFORM_FILE, into / PLATFORM_FILE)
    if (root / WAIVERS_FILE).is_file():
        shutil.copy2(root / WAIVERS_FILE, into / WAIVERS_FILE)
    for path in sorted((root / TENANTS_DIR).glob("*.yaml")):
        if path.stem != slug:
            shutil.copy2(path, into / TENANTS_DIR / path.name)
    target = into / TENANTS_DIR / f"{slug}.yaml"
    if tenant_yaml is not None:
        target.write_text(tenant_yaml, encoding="utf-8")
    return target


def verify_tenant(
    catalog_root: Path,
    slug: str,
    tenant_yaml: str,
    *,
    stack: str = "lab",
    project_dir: Path = Path("."),
    shown_as: str = "",
    config: Path | None = None,
    on_step: Callable[[str], None] = lambda step: None,
) -> Verification:
    """Load and check the catalog with the tenant added; `shown_as` names its file in error lines.

    The pack config is `config`, else policies/config.json when present (as `govcloud check`);
    raises InputError for a bad config file.
    """
    from govcloud.catalog.loader import load_catalog
    from govcloud.check.session import check_plan
    from govcloud.plan.offline import DuplicateUrnsError, plan_catalog
    from policies.mlps.registry import all_rules

    result = Verification()
    with tempfile.TemporaryDirectory(prefix="govcloud-migrate-") as tmp:
        root = Path(tmp) / "catalog"
        target = copy_catalog(catalog_root, root, slug, tenant_yaml)
        on_step("loading the catalog with the new tenant")
        try:
            loaded = load_catalog(root)
        except CatalogInvalid as exc:
            result.catalog_errors = [_relabel(str(e), target, shown_as, root, catalog_root) for e in exc.errors]
            return result
        on_step("running the Pulumi program under the mock engine")
        try:
            plan = plan_catalog(loaded, stack=stack, project_dir=project_dir)
        except DuplicateUrnsError as exc:
            result.catalog_errors = list(exc.problems)
            return result
        on_step("evaluating the policy pack")
        rules = all_rules()
        check = check_plan(plan, root / "plan.json", loaded, rules, config=config)
    result.policies = check.summary()["policies"]
    result.resources = sum(1 for r in plan["resources"] if r.get("custom", True) and r.get("tenant") == slug)
    others: list[PolicyFinding] = []
    for finding in check.findings:
        ours = finding.tenant == slug or finding.name.startswith(f"{slug}-")
        if finding.blocking:
            (result.blocking if ours else others).append(finding)
        elif ours and finding.waived_by is None:
            result.advisory.append(finding)
    if others:
        # Blocking findings elsewhere (another tenant, the stack): caused by the new tenant unless the
        # catalog without it has them too (e.g. the exchange gateways' rules towards the new tenant).
        on_step("checking the catalog without the new tenant")
        before = _blocking_without(catalog_root, slug, stack=stack, project_dir=project_dir, config=config)
        for finding in others:
            known = (finding.policy, finding.violation.urn) in before
            (result.elsewhere if known else result.blocking).append(finding)
    return result


def _blocking_without(
    catalog_root: Path, slug: str, *, stack: str, project_dir: Path, config: Path | None
) -> set[tuple[str, str]]:
    """(policy, URN) of every blocking finding of the catalog without tenant `slug`."""
    from govcloud.catalog.loader import load_catalog
    from govcloud.check.session import check_plan
    from govcloud.plan.offline import plan_catalog
    from policies.mlps.registry import all_rules

    with tempfile.TemporaryDirectory(prefix="govcloud-migrate-") as tmp:
        root = Path(tmp) / "catalog"
        copy_catalog(catalog_root, root, slug, None)
        loaded = load_catalog(root)
        plan = plan_catalog(loaded, stack=stack, project_dir=project_dir)
        check = check_plan(plan, root / "plan.json", loaded, all_rules(), config=config)
    return {(f.policy, f.violation.urn) for f in check.findings if f.blocking}


def _relabel(line: str, target: Path, shown_as: str, root: Path, catalog_root: Path) -> str:
    """Error lines name the temporary copy: show the generated file and the real catalog instead."""
    for path, shown in ((target, shown_as or str(target.name)), (root, str(catalog_root))):
        for form in (str(path), str(path.resolve())):
            line = line.replace(form, shown)
    return line

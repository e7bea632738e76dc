"""Load a catalog directory, validate everything, report every error at once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from govcloud.catalog import rules
from govcloud.catalog.errors import CatalogError, CatalogInvalid, relative
from govcloud.catalog.field_errors import validation_errors
from govcloud.catalog.model import Platform, Tenant
from govcloud.catalog.source import SourceFile, read_yaml
from govcloud.catalog.topology import Topology, build_topology

PLATFORM_FILE = "platform.yaml"
TENANTS_DIR = "tenants"

M = TypeVar("M", bound=BaseModel)


@dataclass
class Catalog:
    root: Path
    platform: Platform
    tenants: dict[str, Tenant]
    topology: Topology
    digest: str

    def tenant(self, slug: str) -> Tenant:
        return self.tenants[slug]


def _parse(path: Path, model: type[M], errors: list[CatalogError]) -> tuple[M, SourceFile] | None:
    """Read and validate one YAML file as `model`; on problems add them to `errors`, return None."""
    source = read_yaml(path)
    if isinstance(source, CatalogError):
        errors.append(source)
        return None
    try:
        return model.model_validate(source.plain()), source
    except ValidationError as exc:
        errors.extend(validation_errors(source, model, exc))
        return None


def load_model(path: Path, model: type[M]) -> tuple[M, SourceFile]:
    """Read and validate one YAML file as `model`; raise CatalogInvalid with FILE:LINE errors."""
    errors: list[CatalogError] = []
    parsed = _parse(path, model, errors)
    if parsed is None:
        raise CatalogInvalid(errors)
    return parsed


def catalog_files(root: Path) -> list[Path]:
    return [root / PLATFORM_FILE, *sorted((root / TENANTS_DIR).glob("*.yaml"))]


def digest_of(files: list[Path]) -> str:
    sha = hashlib.sha256()
    for path in files:
        if path.is_file():
            sha.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return sha.hexdigest()


def load_catalog(root: Path) -> Catalog:
    """Parse and check `root`; raise CatalogInvalid listing every problem found."""
    errors: list[CatalogError] = []
    platform_path = root / PLATFORM_FILE
    if not root.is_dir():
        raise CatalogInvalid([CatalogError(relative(root), 1, "", "catalog directory not found")])
    if not platform_path.is_file():
        raise CatalogInvalid([CatalogError(relative(platform_path), 1, "", "file not found")])
    parsed_platform = _parse(platform_path, Platform, errors)
    items: list[rules.Checked] = []
    seen: dict[str, SourceFile] = {}
    broken: set[str] = set()  # tenant files that failed: don't cascade errors from them
    for path in catalog_files(root)[1:]:
        parsed = _parse(path, Tenant, errors)
        if parsed is None:
            broken.add(path.stem)
            continue
        tenant, source = parsed
        if tenant.slug != path.stem:
            # Other files name tenants by slug: which one this file means is unclear until fixed.
            mismatch = f"{tenant.slug!r} differs from the file name (allowed: {path.stem!r})"
            errors.append(source.error(("slug",), mismatch))
            broken.update({path.stem, tenant.slug})
            continue
        seen[tenant.slug] = source
        items.append(rules.Checked(tenant, source))
    if parsed_platform is None:
        # Without a valid platform the tenant rules have nothing to check against.
        raise CatalogInvalid(errors)
    platform, platform_src = parsed_platform
    errors.extend(rules.check_platform(platform, platform_src))
    for item in items:
        errors.extend(rules.check_tenant(platform, item))
    errors.extend(rules.check_address_plan(platform, items, platform_src))
    errors.extend(rules.check_name_collisions(items))
    tenants = {i.tenant.slug: i.tenant for i in items}
    topology = build_topology(platform, tenants)
    errors.extend(rules.check_flows(platform, items, topology, broken))
    errors.extend(rules.check_placements(platform, topology, platform_src, broken))
    errors.extend(rules.check_quotas(platform, items, topology, platform_src))
    if errors:
        raise CatalogInvalid(errors)
    return Catalog(root, platform, dict(sorted(tenants.items())), topology, digest_of(catalog_files(root)))

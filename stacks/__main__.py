"""Entry point for the real Pulumi CLI (`pulumi preview` / `pulumi up`, see Pulumi.yaml)."""

from pathlib import Path

from govcloud.catalog.errors import CatalogInvalid
from govcloud.catalog.loader import load_catalog
from stacks.program import deploy
from stacks.settings import read_settings

settings = read_settings()
try:
    catalog = load_catalog(Path(settings.catalog))
except CatalogInvalid as exc:
    raise SystemExit("\n".join(str(e) for e in exc.errors)) from None
deploy(catalog, settings)

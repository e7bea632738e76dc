"""The govcloud command line: validate, show, plan and schema."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from govcloud.catalog.errors import CatalogInvalid
from govcloud.catalog.loader import Catalog, load_catalog

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

app = typer.Typer(
    name="govcloud",
    help=(
        "Infrastructure as code for a zone's e-government cloud.\n\n"
        "One catalog (catalog/platform.yaml and catalog/tenants/*.yaml) describes the zone; "
        "everything else is derived from it.\n\n"
        "Exit codes: 0 ok, 1 a check failed, 2 bad input or usage."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
out = Console()
err = Console(stderr=True)

CatalogOption = Annotated[
    Path,
    typer.Option("--catalog", "-c", help="Catalog directory (platform.yaml + tenants/).", show_default=True),
]


def load_or_exit(catalog: Path) -> Catalog:
    """Load the catalog; on any problem print every error as FILE:LINE: field: message, exit 2."""
    try:
        return load_catalog(catalog)
    except CatalogInvalid as exc:
        for error in exc.errors:
            err.print(str(error), markup=False, highlight=False, soft_wrap=True)
        err.print(f"[red]{len(exc.errors)} error(s)[/red] in {catalog}")
        raise typer.Exit(EXIT_USAGE) from None


@app.command()
def validate(catalog: CatalogOption = Path("catalog")) -> None:
    """Check the catalog and report every error at once.

    Each error reads FILE:LINE: path.to.field: what is wrong (what is allowed).

    [bold]Examples[/bold]

      govcloud validate

      govcloud validate --catalog /srv/zone/catalog
    """
    loaded = load_or_exit(catalog)
    hosts = sum(len(h) for h in loaded.topology.hosts.values())
    out.print(
        f"[green]ok[/green] {catalog}: {len(loaded.tenants)} tenants, {hosts} hosts, "
        f"{sum(len(t.flows) for t in loaded.tenants.values())} flows"
    )


def main() -> None:
    from govcloud import commands  # noqa: F401  (registers plan, show, schema)

    app()

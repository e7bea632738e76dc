"""`govcloud facts`: write the platform facts the policy pack reads (policies/facts.json)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govcloud.catalog.errors import relative
from govcloud.check.facts import facts_from_catalog
from govcloud.check.session import FACTS_FILE
from govcloud.cli import EXIT_FAILED, CatalogOption, app, err, load_or_exit, out


@app.command()
def facts(
    catalog: CatalogOption = Path("catalog"),
    out_file: Annotated[
        Path, typer.Option("--out", "-o", help="Where to write the facts; '-' prints them.")
    ] = FACTS_FILE,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing; exit 1 if the file differs from the catalog's facts.")
    ] = False,
) -> None:
    """Derive the facts the policy pack needs from the catalog and write them as JSON.

    Under `pulumi preview --policy-pack policies` the pack cannot read the catalog, so the
    platform facts its rules use (zone supernets and backbones, the internet zone and exit
    router, the management and exchange tenants, the bastion's /32s, approved and domestic
    images, flavors, encrypted volume types, capacity) travel in policies/facts.json
    (GOVCLOUD_POLICY_FACTS points the pack elsewhere). `govcloud check` derives them itself.

    [bold]Examples[/bold]

      govcloud facts

      govcloud facts --catalog /srv/zone/catalog --out /srv/zone/facts.json

      govcloud facts --check   (in CI: is policies/facts.json up to date?)
    """
    text = facts_from_catalog(load_or_exit(catalog)).to_json()
    if str(out_file) == "-":
        typer.echo(text, nl=False)
        return
    if check:
        current = out_file.read_text(encoding="utf-8") if out_file.is_file() else None
        if current != text:
            err.print(
                f"{relative(out_file)} is out of date: run govcloud facts --catalog {catalog} --out {out_file}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            raise typer.Exit(EXIT_FAILED)
        out.print(f"[green]ok[/green] {relative(out_file)} matches {catalog}")
        return
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(text, encoding="utf-8")
    out.print(f"wrote {relative(out_file)}")

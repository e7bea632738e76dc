"""`govcloud check`: the policy pack over the offline plan, with waivers, as text, JSON or SARIF."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from govcloud.catalog.errors import CatalogInvalid, relative
from govcloud.catalog.loader import Catalog
from govcloud.check import json_report, sarif
from govcloud.check.inputs import DEFAULT_PLAN, InputError, read_plan
from govcloud.check.run import CheckResult
from govcloud.check.session import DEFAULT_CONFIG, WAIVERS_FILE, check_plan
from govcloud.check.text import summary_line, write_text
from govcloud.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CatalogOption, app, err, load_or_exit, out


class Format(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


def _fail(message: str) -> typer.Exit:
    err.print(message, markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_USAGE)


def _render(result: CheckResult, fmt: Format, loaded: Catalog) -> str | None:
    """The report as text for json/sarif; None for text (printed through rich)."""
    if fmt is Format.json:
        return json_report.dumps(result)
    if fmt is Format.sarif:
        return sarif.dumps(result, sarif.catalog_locations(loaded.root, loaded.tenants))
    return None


def _write(result: CheckResult, fmt: Format, loaded: Catalog, out_file: Path | None) -> None:
    rendered = _render(result, fmt, loaded)
    if out_file is None:
        if rendered is None:
            write_text(result, out)
        else:
            typer.echo(rendered, nl=False)
        return
    out_file.parent.mkdir(parents=True, exist_ok=True)
    if rendered is None:
        with out_file.open("w", encoding="utf-8") as handle:
            write_text(result, Console(file=handle, width=160, no_color=True, highlight=False))
    else:
        out_file.write_text(rendered, encoding="utf-8")
    out.print(f"wrote {relative(out_file)}")
    out.print(summary_line(result))


@app.command()
def check(
    plan_file: Annotated[
        Path | None,
        typer.Option("--plan", "-p", help="Offline plan from `govcloud plan --out`.", show_default=str(DEFAULT_PLAN)),
    ] = None,
    catalog: CatalogOption = Path("catalog"),
    config: Annotated[
        Path | None,
        typer.Option(
            help='Pulumi policy-pack config: {"all": LEVEL, "GC-XXX-NN": LEVEL | {"enforcementLevel": LEVEL}}, '
            "LEVEL advisory, mandatory or disabled.",
            show_default=f"{DEFAULT_CONFIG} if present",
        ),
    ] = None,
    waivers: Annotated[
        Path | None,
        typer.Option(help="Waivers file.", show_default=f"<catalog>/{WAIVERS_FILE} if present"),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.text,
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the report here instead of printing it.")
    ] = None,
    today: Annotated[
        str | None,
        typer.Option("--today", metavar="YYYY-MM-DD", help="Judge waiver expiry as of this day.", show_default="today"),
    ] = None,
) -> None:
    """Evaluate the MLPS policy pack over the offline plan, apply waivers, report.

    The pack's own pulumi_policy objects run over the plan's resources, as `pulumi preview
    --policy-pack policies` would run them, with facts (zones, bastion, images, ...) taken
    from the catalog and enforcement levels from the pack config. A waiver stops waiving
    after its `expires` day; every report lists every waiver, expired ones too.
    Formats: docs/check-format.md.

    Exit 0 when no mandatory policy is violated without a waiver (advisory ones only
    warn), 1 otherwise, 2 on bad input (plan, catalog, config or waivers).

    [bold]Examples[/bold]

      govcloud plan --out out/plan.json && govcloud check

      govcloud check --format sarif --out out/check.sarif

      govcloud check --format json --config policies/config.json --waivers catalog/waivers.yaml

      govcloud check --today 2026-12-31   (which waivers will have expired by then?)
    """
    from policies.mlps.registry import all_rules  # the rule modules: only when checking

    rules = all_rules()
    try:
        day = date.fromisoformat(today) if today else date.today()
    except ValueError:
        raise _fail(f"--today: {today!r} is not a date (YYYY-MM-DD)") from None
    try:
        plan = read_plan(plan_file or DEFAULT_PLAN, default=plan_file is None)
        loaded = load_or_exit(catalog)
        result = check_plan(plan, plan_file or DEFAULT_PLAN, loaded, rules, config=config, waivers=waivers, today=day)
    except InputError as exc:
        raise _fail(str(exc)) from None
    except CatalogInvalid as exc:  # the waivers file
        for error in exc.errors:
            err.print(str(error), markup=False, highlight=False, soft_wrap=True)
        raise _fail(f"{len(exc.errors)} error(s) in {exc.errors[0].file}") from None
    _write(result, fmt, loaded, out_file)
    raise typer.Exit(EXIT_OK if result.passed else EXIT_FAILED)

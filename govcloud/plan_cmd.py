"""`govcloud plan`: the offline plan of exactly what `pulumi up` would create."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from govcloud.catalog.errors import CatalogInvalid
from govcloud.cli import EXIT_USAGE, CatalogOption, app, err, load_or_exit, out
from govcloud.plan.document import dumps
from govcloud.plan.offline import DuplicateUrnsError, plan_catalog


def summary_table(plan: dict[str, Any]) -> Table:
    summary = plan["summary"]
    types = sorted({t for counts in summary["tenants"].values() for t in counts})
    short = {t: t.split(":")[-1] for t in types}
    table = Table(title=f"plan: {summary['resources']} resources in {len(summary['tenants'])} scopes")
    table.add_column("tenant")
    table.add_column("total", justify="right")
    for key in ("Instance", "Port", "SecGroupRule", "Volume", "Network", "Router"):
        table.add_column(key, justify="right")
    for tenant, counts in summary["tenants"].items():
        by_short: dict[str, int] = {}
        for t, n in counts.items():
            by_short[short[t]] = by_short.get(short[t], 0) + n
        table.add_row(
            tenant,
            str(sum(counts.values())),
            *(str(by_short.get(k, 0)) for k in ("Instance", "Port", "SecGroupRule", "Volume", "Network", "Router")),
        )
    return table


@app.command()
def plan(
    catalog: CatalogOption = Path("catalog"),
    stack: Annotated[str, typer.Option(help="Stack whose Pulumi.<stack>.yaml supplies the config.")] = "lab",
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the JSON plan here (default: print only the summary).")
    ] = None,
) -> None:
    """Run the Pulumi program under Pulumi's mock engine and write the offline plan.

    The plan lists every resource `pulumi up` would create: type, logical name, parent,
    tenant, inputs (secrets masked) and dependencies. The same catalog gives a
    byte-identical plan apart from `generated_at`. Format: docs/plan-format.md.

    [bold]Examples[/bold]

      govcloud plan --out out/plan.json

      govcloud plan --catalog /srv/zone/catalog --stack production --out plan.json
    """
    loaded = load_or_exit(catalog)
    try:
        with out.status("running the Pulumi program under the mock engine") as status:

            def progress(n: int) -> None:
                if n % 200 == 0:
                    status.update(f"running the Pulumi program under the mock engine: {n} registered")

            document = plan_catalog(loaded, stack=stack, on_register=progress)
    except CatalogInvalid as exc:
        for error in exc.errors:
            err.print(str(error), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from None
    except DuplicateUrnsError as exc:
        for problem in exc.problems:
            err.print(problem, markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from None
    if out_file is not None:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(dumps(document), encoding="utf-8")
        out.print(f"wrote {out_file}")
    out.print(summary_table(document))

"""`govcloud isolation`: the zone isolation proof over the offline plan, as text or JSON."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from govcloud.catalog.errors import relative
from govcloud.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CatalogOption, app, err, load_or_exit, out
from govcloud.isolation import prove
from govcloud.isolation.intent import build_intent, read_stack_config
from govcloud.isolation.report import dumps, write_text
from govcloud.plan import reader
from govcloud.plan.reader import PlanFileError

DEFAULT_PLAN = Path("out/plan.json")


class Format(StrEnum):
    text = "text"
    json = "json"


def _fail(message: str) -> typer.Exit:
    err.print(message, markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_USAGE)


def read_plan(path: Path) -> dict[str, Any]:
    try:
        return reader.read_plan(path)
    except PlanFileError as exc:
        raise _fail(str(exc)) from None


@app.command()
def isolation(
    plan_file: Annotated[
        Path | None,
        typer.Option("--plan", "-p", help="Offline plan from `govcloud plan --out`.", show_default=str(DEFAULT_PLAN)),
    ] = None,
    catalog: CatalogOption = Path("catalog"),
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.text,
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the report here instead of printing it.")
    ] = None,
    core_hub: Annotated[
        str | None,
        typer.Option(
            "--core-hub",
            metavar="ZONE",
            help="Assume the platform core outside the plan routes this zone's backbone (e.g. management) "
            "to every other zone's backbone, and nothing else. Default: only what the plan shows.",
        ),
    ] = None,
) -> None:
    """Prove zone isolation from the offline plan: who reaches whom, and four claims.

    Reachability between the internet, the zones, the bastion and every tenant is computed
    from the plan alone (routers, interfaces, gateways, ports, security groups and their
    rules), on address and port equivalence classes. The catalog only names zones, tenants,
    the bastion and the exchange gateways, and says which flows were declared. Claims:
    ISO-1 the intranet and the internet never meet; ISO-2 the intranet and the extranet
    meet only through the exchange gateways on approved rules; ISO-3 tenants reach each
    other only along declared (or baseline) flows; ISO-4 the management network is reached
    only from the bastion, apart from the baseline service ports. A violated claim comes
    with witness paths. Format: docs/isolation-format.md.

    Exit 0 when every claim holds, 1 when one fails, 2 on bad input.

    [bold]Examples[/bold]

      govcloud plan --out out/plan.json && govcloud isolation

      govcloud isolation --format json --out out/isolation.json

      govcloud isolation --core-hub management   (with the platform core's routes to management)
    """
    path = plan_file or DEFAULT_PLAN
    plan = read_plan(path)
    loaded = load_or_exit(catalog)
    if core_hub is not None and core_hub not in {z.value for z in loaded.platform.zones}:
        allowed = ", ".join(sorted(z.value for z in loaded.platform.zones))
        raise _fail(f"--core-hub: {core_hub!r} is not a zone (allowed: {allowed})")
    intent = build_intent(loaded, read_stack_config(Path("."), str(plan.get("stack") or "")))
    recorded = plan.get("catalog")
    sha = recorded.get("sha256") if isinstance(recorded, dict) else None
    info = {
        "path": relative(path),
        "stack": plan.get("stack"),
        "generated_at": plan.get("generated_at"),
        "catalog_path": relative(loaded.root),
        "catalog_sha256": sha,
        "catalog_matches": sha == loaded.digest,
    }
    proof = prove(plan, intent, core_hub=core_hub, plan_info=info)
    if fmt is Format.json:
        rendered = dumps(proof.doc)
        if out_file is None:
            typer.echo(rendered, nl=False)
        else:
            out_file.parent.mkdir(parents=True, exist_ok=True)
            out_file.write_text(rendered, encoding="utf-8")
    elif out_file is None:
        write_text(proof.doc, out)
    else:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        with out_file.open("w", encoding="utf-8") as handle:
            write_text(proof.doc, Console(file=handle, width=200, no_color=True, highlight=False))
    if out_file is not None:
        held = sum(1 for c in proof.claims if c.holds)
        out.print(f"wrote {relative(out_file)}: {held}/{len(proof.claims)} claims hold", soft_wrap=True)
    raise typer.Exit(EXIT_OK if proof.holds else EXIT_FAILED)

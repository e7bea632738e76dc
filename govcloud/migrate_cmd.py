"""`govcloud migrate`: legacy specialised-network (专网) applications onto the platform (docs/migrate.md)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from govcloud.catalog.errors import CatalogInvalid, relative
from govcloud.check.inputs import InputError
from govcloud.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CatalogOption, app, err, load_or_exit, out
from govcloud.migrate.discover import DiscoveryResult, discover
from govcloud.migrate.load import LoadedApp, find_app, legacy_files, load_app

DEFAULT_OUT = Path("out/migrate")

migrate_app = typer.Typer(
    name="migrate",
    help=(
        "Move legacy specialised-network (专网) applications onto the platform (plan clause 四(一)3).\n\n"
        "Describe the application in catalog/legacy/<app>.yaml (hosts, tiers, peers, users, tolerated "
        "downtime; optionally a CSV of observed connections), then `migrate plan` writes a tenant for "
        "catalog/tenants/, its flows, the boundary findings and the migration waves. Reference: docs/migrate.md.\n\n"
        "Exit codes: 0 ok, 1 refused or the generated tenant would fail the catalog or the policy pack "
        "(nothing written), 2 bad input (FILE:LINE: field: message; nothing written)."
    ),
    no_args_is_help=True,
)
app.add_typer(migrate_app, name="migrate")


class Lang(StrEnum):
    en = "en"
    zh = "zh"


class Format(StrEnum):
    text = "text"
    json = "json"
    yaml = "yaml"


def _bad_input(exc: CatalogInvalid) -> typer.Exit:
    for error in exc.errors:
        err.print(str(error), markup=False, highlight=False, soft_wrap=True)
    err.print(f"[red]{len(exc.errors)} error(s)[/red]; nothing written")
    return typer.Exit(EXIT_USAGE)


def _say(text: str) -> None:
    out.print(text, markup=False, highlight=False, soft_wrap=True)


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    )


@migrate_app.command("list")
def list_apps(catalog: CatalogOption = Path("catalog")) -> None:
    """List the legacy applications in <catalog>/legacy/ and whether each is ready to plan.

    [bold]Examples[/bold]

      govcloud migrate list

      govcloud migrate list --catalog /srv/zone/catalog
    """
    loaded = load_or_exit(catalog)
    table = Table(box=None)
    table.add_column("app", no_wrap=True)
    for column in ("department", "network", "level", "sensitivity", "tiers", "hosts"):
        table.add_column(column)
    table.add_column("status", no_wrap=True)
    problems = 0
    for path in legacy_files(catalog):
        try:
            item = load_app(path, loaded)
        except CatalogInvalid as exc:
            problems += 1
            table.add_row(path.stem, "", "", "", "", "", "", f"[red]{len(exc.errors)} error(s)[/red]")
            continue
        a = item.app
        status = "replaces its generated tenant" if item.replaces else "ready"
        if a.sensitivity.value == "classified":
            status = "[red]refused: classified[/red]"
        table.add_row(
            a.app,
            a.owner.department,
            a.specialised_network,
            str(a.mlps_level),
            a.sensitivity.value,
            str(len(a.tiers)),
            str(len(a.hosts)),
            status,
        )
    out.print(table)
    if problems:
        err.print(f"{problems} file(s) with errors: `govcloud migrate plan APP` lists them")
        raise typer.Exit(EXIT_USAGE)


@migrate_app.command("waves")
def waves_cmd(
    catalog: CatalogOption = Path("catalog"),
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="text or json (yaml is not offered here).")
    ] = Format.text,
) -> None:
    """Order all legacy applications into migration waves: the graded migration plan.

    An application moves after the legacy applications it depends on (peers that
    name them with `app:`); applications depending on each other are reported as a
    cycle with their members and move together. Within a wave the lower MLPS level
    and the less sensitive data go first. Classified (涉密) applications are listed as
    refused. Each application's own tiers are ordered by `migrate plan APP`.

    Exit 0, 2 when a legacy file has errors (all listed).

    [bold]Examples[/bold]

      govcloud migrate waves

      govcloud migrate waves --format json > out/migrate/waves.json
    """
    from govcloud.migrate.portfolio import order_apps

    loaded = load_or_exit(catalog)
    apps: list[LoadedApp] = []
    errors = []
    for path in legacy_files(catalog):
        try:
            apps.append(load_app(path, loaded, new_tenant=False))
        except CatalogInvalid as exc:
            errors.extend(exc.errors)
    if errors:
        raise _bad_input(CatalogInvalid(errors))
    portfolio = order_apps(apps)
    if fmt is not Format.text:
        doc = {
            "waves": [[item.app.app for item in wave] for wave in portfolio.waves],
            "depends_on": portfolio.depends_on,
            "cycles": [{"members": list(c.members), "path": list(c.path)} for c in portfolio.cycles],
            "refused": [item.app.app for item in portfolio.refused],
        }
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=1))
        raise typer.Exit(EXIT_OK)
    table = Table(box=None)
    table.add_column("wave")
    table.add_column("app", no_wrap=True)
    for column in ("department", "network", "level", "sensitivity", "hosts", "after"):
        table.add_column(column)
    for number, wave in enumerate(portfolio.waves, start=1):
        for item in wave:
            a = item.app
            table.add_row(
                str(number),
                a.app,
                a.owner.department,
                a.specialised_network,
                str(a.mlps_level),
                a.sensitivity.value,
                str(len(a.hosts)),
                ", ".join(portfolio.depends_on.get(a.app, [])) or "-",
            )
    out.print(table)
    for cycle in portfolio.cycles:
        _say(f"cycle: {', '.join(cycle.members)} depend on each other ({cycle}): they move in one wave")
    for item in portfolio.refused:
        _say(f"refused: {item.app.app} is classified (涉密): it stays off the shared platform")
    raise typer.Exit(EXIT_OK)


def _resolve_csv_app(csv_path: Path, catalog: Path, given: str | None, loaded_catalog: object) -> LoadedApp:
    from govcloud.catalog.loader import Catalog

    assert isinstance(loaded_catalog, Catalog)
    if given is not None:
        return load_app(find_app(given, catalog), loaded_catalog, new_tenant=False)
    target = csv_path.resolve()
    for path in legacy_files(catalog):
        try:
            item = load_app(path, loaded_catalog, new_tenant=False)
        except CatalogInvalid:
            continue
        found = item.csv_path()
        if found is not None and found.resolve() == target:
            return item
    raise typer.BadParameter(
        f"no legacy file in {relative(catalog / 'legacy')} names {relative(csv_path)} as its discovery.flows_csv: "
        "give --app",
        param_hint="--app",
    )


def _discovery_table(found: DiscoveryResult) -> Table:
    table = Table("from", "to", "ports", "seen", "per port", box=None, title="candidate flows")
    for c in found.candidates:
        per_port = ", ".join(f"{p}: {n}" for p, n in c.port_counts) if len(c.port_counts) > 1 else ""
        table.add_row(c.source, c.destination, ", ".join(c.ports), str(c.count), per_port)
    return table


def _discovery_doc(found: DiscoveryResult, app_name: str) -> dict[str, object]:
    return {
        "app": app_name,
        "csv": relative(found.path),
        "rows": found.rows,
        "min_count": found.min_count,
        "ignored_columns": list(found.ignored_columns),
        "candidates": [
            {
                "from": c.source,
                "to": c.destination,
                "ports": list(c.ports),
                "count": c.count,
                "per_port": dict(c.port_counts),
            }
            for c in found.candidates
        ],
        "noise": [{"from": s, "to": d, "port": p, "count": n} for s, d, p, n in found.noise],
        "unmapped_rows": found.unmapped_rows,
        "unmapped_top": [{"from": s, "to": d, "port": p, "count": n} for s, d, p, n in found.unmapped[:20]],
        "rows_outside_app": found.between_unknown_rows,
    }


@migrate_app.command("discover")
def discover_cmd(
    csv_file: Annotated[
        Path,
        typer.Argument(
            metavar="CSV",
            help="Observed connections: a header naming source, destination, port, protocol and count "
            "(aliases src/dst/dport/proto/sessions accepted; other columns ignored), then one row per "
            "observation.",
        ),
    ],
    app_name: Annotated[
        str | None,
        typer.Option(
            "--app",
            "-a",
            help="Legacy application (name under <catalog>/legacy/ or a path).",
            show_default="the one whose discovery.flows_csv is CSV",
        ),
    ] = None,
    catalog: CatalogOption = Path("catalog"),
    min_count: Annotated[
        int | None,
        typer.Option(
            "--min-count",
            "-m",
            min=1,
            help="Ports seen fewer times than this are noise.",
            show_default="the app's discovery.min_count, else 10",
        ),
    ] = None,
    fmt: Annotated[
        Format,
        typer.Option(
            "--format", "-f", help="text (tables), json, or yaml (connections: to paste into the legacy file)."
        ),
    ] = Format.text,
    out_file: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write json/yaml here instead of printing.")
    ] = None,
) -> None:
    """Turn observed connections into candidate flows between the app's tiers and peers.

    Each address is mapped to a tier (by its hosts' current addresses) or a peer (by
    its addresses or networks). Counts are summed per (from, to, port); ports seen
    fewer than --min-count times are dropped as noise; neighbouring ports merge into
    ranges (at most 64 ports, as the policy pack allows). Connections with one end
    outside the application (desktop users, old infrastructure) are summarised apart.
    The CSV is streamed: memory stays flat for millions of rows.

    Exit 0 with the result, 2 on a malformed CSV (FILE:LINE: column: what is wrong).

    [bold]Examples[/bold]

      govcloud migrate discover catalog/legacy/audit-online.flows.csv

      govcloud migrate discover firewall-week.csv --app audit-online --min-count 50

      govcloud migrate discover flows.csv --app catalog/legacy/audit-online.yaml --format yaml --out found.yaml
    """
    loaded_catalog = load_or_exit(catalog)
    if not csv_file.is_file():
        err.print(f"{relative(csv_file)}:1: file not found", markup=False, highlight=False)
        raise typer.Exit(EXIT_USAGE)
    try:
        item = _resolve_csv_app(csv_file, catalog, app_name, loaded_catalog)
        threshold = min_count or (item.app.discovery.min_count if item.app.discovery else 10)
        size = csv_file.stat().st_size
        with _progress() as progress:
            task = progress.add_task(f"reading {csv_file.name}", total=size)
            found = discover(csv_file, item.app, threshold, lambda n: progress.update(task, completed=n))
    except CatalogInvalid as exc:
        raise _bad_input(exc) from None
    if fmt is Format.text:
        out.print(_discovery_table(found))
        _say(
            f"{found.rows} rows: {len(found.candidates)} candidate flows; {len(found.noise)} port(s) seen fewer "
            f"than {threshold} times dropped as noise ({found.noise_count} connections); {found.unmapped_rows} rows "
            f"with one end outside {item.app.app}; {found.between_unknown_rows} rows with neither end in it"
            + (f"; ignored columns: {', '.join(found.ignored_columns)}" if found.ignored_columns else "")
        )
        if found.unmapped:
            top = ", ".join(f"{s} -> {d} {p} ({n})" for s, d, p, n in found.unmapped[:5])
            _say(f"busiest connections with an unmapped end: {top}")
        raise typer.Exit(EXIT_OK)
    if fmt is Format.json:
        text = json.dumps(_discovery_doc(found, item.app.app), ensure_ascii=False, indent=1) + "\n"
    else:
        from govcloud.migrate.render import connections_yaml

        text = connections_yaml(found)
    if out_file is None:
        typer.echo(text, nl=False)
    else:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(text, encoding="utf-8")
        err.print(f"wrote {relative(out_file)}", markup=False, highlight=False)
    raise typer.Exit(EXIT_OK)


@migrate_app.command("plan")
def plan_cmd(
    app_name: Annotated[
        str, typer.Argument(metavar="APP", help="Name under <catalog>/legacy/, or a path to a legacy file.")
    ],
    catalog: CatalogOption = Path("catalog"),
    out_dir: Annotated[
        Path | None, typer.Option("--out", "-o", help="Directory to write into.", show_default=f"{DEFAULT_OUT}/<app>")
    ] = None,
    into_catalog: Annotated[
        bool, typer.Option("--into-catalog", help="Also write the tenant to <catalog>/tenants/<tenant>.yaml.")
    ] = False,
    stack: Annotated[str, typer.Option(help="Stack whose Pulumi.<stack>.yaml configures the offline plan.")] = "lab",
    lang: Annotated[Lang, typer.Option("--lang", "-l", help="Language of the findings printed here.")] = Lang.en,
    config: Annotated[
        Path | None,
        typer.Option(
            help="Policy-pack config, as for `govcloud check`.", show_default="policies/config.json if present"
        ),
    ] = None,
) -> None:
    """Plan the migration of one legacy application and prove it before writing it.

    Writes into --out: <tenant>.yaml (the tenant for catalog/tenants/: each tier a
    host group on its own network in the right zone, sized to the smallest approved
    flavor and mapped to an approved image, with the rationale in comments; flows
    that still need an approval are listed commented out), plan.json, and the
    migration plan as Markdown and HTML in Chinese and English
    (migration-plan.zh.md, .en.md, .zh.html, .en.html): placement and sizing,
    address changes, flows, boundary findings, observed connections, waves with
    their cutover and rollback checklists, quotas.

    Before anything is written the tenant is added to a temporary copy of the
    catalog, loaded by the real catalog loader, planned under the mock engine and
    checked by the policy pack (as `govcloud check`). A classified (涉密) application
    is refused with the reason.

    Exit 0 when written (findings may still ask for action), 1 when refused or
    when the tenant fails the catalog or the pack (nothing written), 2 on bad input.

    [bold]Examples[/bold]

      govcloud migrate plan finance-treasury

      govcloud migrate plan audit-online --lang zh --out out/audit

      govcloud migrate plan catalog/legacy/ps-household.yaml --into-catalog && govcloud validate
    """
    from govcloud.migrate.plan import ACTION, REFUSED, build_plan
    from govcloud.migrate.render import files, tenant_yaml
    from govcloud.migrate.verify import verify_tenant

    loaded_catalog = load_or_exit(catalog)
    zh = lang is Lang.zh
    try:
        item = load_app(find_app(app_name, catalog), loaded_catalog)
        with out.status("planning") as status:

            def step(text: str) -> None:
                status.update(text)

            csv_path = item.csv_path()
            size = csv_path.stat().st_size if csv_path is not None else 0
            plan = build_plan(
                item,
                loaded_catalog,
                on_progress=lambda n: step(f"reading observed connections: {n * 100 // max(size, 1)}%"),
            )
            verification = None
            if not plan.refused:
                target = out_dir or DEFAULT_OUT / item.app.app
                verification = verify_tenant(
                    catalog,
                    plan.slug,
                    tenant_yaml(plan),
                    stack=stack,
                    shown_as=relative(target / f"{plan.slug}.yaml") + " (generated)",
                    config=config,
                    on_step=step,
                )
    except CatalogInvalid as exc:
        raise _bad_input(exc) from None
    except InputError as exc:
        err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from None
    for finding in plan.findings:
        if finding.severity == REFUSED:
            err.print(
                f"{relative(item.path)}: refused: {finding.zh if zh else finding.en}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    if plan.refused or verification is None:
        err.print("nothing written")
        raise typer.Exit(EXIT_FAILED)
    _summary(plan, zh)
    if not verification.passed:
        for line in verification.catalog_errors:
            err.print(line, markup=False, highlight=False, soft_wrap=True)
        for f in verification.blocking:
            err.print(f"{f.policy} {f.name}: {f.violation.message}", markup=False, highlight=False, soft_wrap=True)
        what = "the catalog" if verification.catalog_errors else "`govcloud check`"
        err.print(f"[red]the generated tenant would fail[/red] {what}; nothing written")
        raise typer.Exit(EXIT_FAILED)
    _say(
        f"verified: the catalog loads with tenant {plan.slug}; policy pack ({verification.policies} policies) over "
        f"{verification.resources} new resources: 0 blocking, {len(verification.advisory)} advisory"
        + (f" ({', '.join(sorted({f.policy for f in verification.advisory}))})" if verification.advisory else "")
    )
    if verification.elsewhere:
        _say(f"note: {len(verification.elsewhere)} blocking finding(s) on other tenants, not caused by this plan")
    target = out_dir or DEFAULT_OUT / item.app.app
    target.mkdir(parents=True, exist_ok=True)
    written = files(plan, verification)
    for name, text in written.items():
        (target / name).write_text(text, encoding="utf-8")
        _say(f"wrote {relative(target / name)}")
    if into_catalog:
        tenant_file = catalog / "tenants" / f"{plan.slug}.yaml"
        tenant_file.write_text(written[f"{plan.slug}.yaml"], encoding="utf-8")
        _say(f"wrote {relative(tenant_file)}" + (" (replacing the earlier generated one)" if item.replaces else ""))
    actions = sum(1 for f in plan.findings if f.severity == ACTION)
    if actions:
        _say(f"{actions} finding(s) need action before the cutover: see migration-plan.{lang.value}.md")
    raise typer.Exit(EXIT_OK)


def _summary(plan: object, zh: bool) -> None:
    from govcloud.migrate.plan import MigrationPlan

    assert isinstance(plan, MigrationPlan)
    table = Table(
        "tier",
        "zone",
        "network",
        "hosts",
        "flavor",
        "image",
        "data",
        box=None,
        title=f"{plan.app.app} -> tenant {plan.slug}",
    )
    for t in plan.tiers:
        table.add_row(
            t.name,
            t.zone.value,
            t.cidr,
            str(len(t.hosts)),
            t.flavor.name,
            t.image.image.name,
            f"{t.data_gb} GiB" if t.data_gb else "-",
        )
    out.print(table)
    held = plan.pending
    _say(
        f"flows: {len(plan.flows) - len(held)} in the tenant, {len(held)} held back until approved"
        + (f" ({', '.join(f.name for f in held)})" if held else "")
    )
    for f in plan.findings:
        _say(f"  {f.severity}: {f.kind}: {f.subject}: {f.zh if zh else f.en}")
    waves = "; ".join(
        f"{w.number}: {', '.join(w.tiers)}" + (f" (cycle {w.cycle})" if w.cycle else "") for w in plan.waves[1:]
    )
    _say(f"waves (after wave 0, preparing the platform): {waves}")

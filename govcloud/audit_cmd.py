"""`govcloud audit`: the MLPS policy pack over the live cloud, as text, JSON or SARIF."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from govcloud.catalog.errors import CatalogInvalid, relative
from govcloud.check.inputs import DEFAULT_PLAN, InputError, read_plan
from govcloud.check.session import resolve_config, resolve_waivers
from govcloud.check.text import summary_line
from govcloud.check_cmd import Format  # the same three outputs as the plan-time check
from govcloud.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CatalogOption, app, err, load_or_exit, out


def _fail(message: str) -> typer.Exit:
    err.print(message, markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(EXIT_USAGE)


@app.command()
def audit(
    cloud: Annotated[
        str, typer.Option("--cloud", help="Cloud name in clouds.yaml (openstacksdk), e.g. govcloud-local.")
    ],
    catalog: CatalogOption = Path("catalog"),
    plan_file: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            "-p",
            help="Offline plan that says what is declared (servers, ports, rules, attachments); "
            "without one the undeclared-resource checks have nothing to compare.",
            show_default=f"{DEFAULT_PLAN} if present",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(help="Policy-pack config, as for govcloud check.", show_default="policies/config.json if present"),
    ] = None,
    waivers: Annotated[
        Path | None, typer.Option(help="Waivers file.", show_default="<catalog>/waivers.yaml if present")
    ] = None,
    operator: Annotated[
        list[str] | None,
        typer.Option(
            "--operator",
            help="A break-glass operator account allowed Keystone's admin role (repeat). Service accounts "
            "(holding the `service` role) are always allowed.",
            show_default="admin (keystone's bootstrap account)",
        ),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.text,
    out_file: Annotated[Path | None, typer.Option("--out", "-o", help="Write the report here.")] = None,
    evidence: Annotated[
        Path | None,
        typer.Option(
            "--evidence",
            help="Also write the findings as report evidence (govcloud.host-evidence/v1), for "
            "`govcloud report --host-evidence FILE`.",
        ),
    ] = None,
) -> None:
    """Audit the running cloud with the same rules as the plan: one rule, two evidence sources.

    Reads projects, role assignments, quotas, networks, subnets, routers, security groups and
    rules, ports, floating IPs, servers, server groups, flavors, images, volumes and volume
    types through openstacksdk (one list call per type), turns them into the plan's resource
    shapes and runs the pack's rules over them, plus the checks only a live cloud allows:
    undeclared servers, ports, rules and attachments, floating IPs on intranet addresses,
    the admin role held by people, unencrypted volumes on level-3 servers, unapproved images
    in use. Every finding names the live resource and when the cloud was observed (UTC).
    The checks: docs/audit.md.

    Exit 0 when no mandatory policy is violated (advisory ones only warn), 1 otherwise,
    2 on bad input (unknown cloud, unreachable cloud, bad catalog, plan, config or waivers).

    [bold]Examples[/bold]

      govcloud audit --cloud govcloud-local

      govcloud audit --cloud govcloud-local --format sarif --out out/audit.sarif

      govcloud audit --cloud govcloud-local --format json --out out/audit.json --evidence out/evidence/live.json
      govcloud report --host-evidence out/evidence/live.json
    """
    from govcloud.audit import evidence as evidence_file
    from govcloud.audit import report
    from govcloud.audit.connect import CloudNotFound, connect
    from govcloud.audit.declared import from_plan
    from govcloud.audit.live import read_cloud
    from govcloud.audit.rules import audit_rules
    from govcloud.audit.run import run_audit
    from govcloud.check.facts import facts_from_catalog
    from govcloud.check.sarif import catalog_locations

    loaded = load_or_exit(catalog)
    rules = audit_rules()
    chosen_plan = plan_file or (DEFAULT_PLAN if DEFAULT_PLAN.is_file() else None)
    try:
        declared = from_plan(read_plan(chosen_plan)) if chosen_plan is not None else None
        pack_config, _ = resolve_config(config, rules)
        waiver_list, _ = resolve_waivers(waivers, loaded.root, rules)
    except InputError as exc:
        raise _fail(str(exc)) from None
    except CatalogInvalid as exc:
        raise _fail("\n".join(str(e) for e in exc.errors)) from None
    started = time.perf_counter()
    try:
        live = read_cloud(connect(cloud), cloud)
    except CloudNotFound as exc:
        raise _fail(str(exc)) from None
    read_s = time.perf_counter() - started
    result = run_audit(
        live,
        rules,
        facts_from_catalog(loaded),
        declared=declared,
        plan_path=relative(chosen_plan) if chosen_plan else None,
        catalog_path=relative(loaded.root),
        config=pack_config,
        waivers=waiver_list,
        operators=operator or ["admin"],
    )
    result.timings.update({"read": round(read_s, 3), "total": round(time.perf_counter() - started, 3)})
    if evidence is not None:
        evidence.parent.mkdir(parents=True, exist_ok=True)
        evidence.write_text(evidence_file.dumps(result), encoding="utf-8")
        err.print(f"wrote evidence {relative(evidence)}", markup=False, highlight=False)
    if fmt is Format.text:
        if out_file is None:
            report.write_text(result, out)
        else:
            out_file.parent.mkdir(parents=True, exist_ok=True)
            with out_file.open("w", encoding="utf-8") as handle:
                report.write_text(result, Console(file=handle, width=160, no_color=True, highlight=False))
    else:
        rendered = (
            report.dumps_json(result)
            if fmt is Format.json
            else report.dumps_sarif(result, catalog_locations(loaded.root, loaded.tenants))
        )
        if out_file is None:
            typer.echo(rendered, nl=False)
        else:
            out_file.parent.mkdir(parents=True, exist_ok=True)
            out_file.write_text(rendered, encoding="utf-8")
    if out_file is not None:
        out.print(f"wrote {relative(out_file)}")
        out.print(summary_line(result.result))
    raise typer.Exit(EXIT_OK if result.result.passed else EXIT_FAILED)

"""`govcloud report`: the auditor report (static HTML + JSON) from the plan, the check and the
isolation proof."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from govcloud.catalog.errors import relative
from govcloud.cli import EXIT_OK, EXIT_USAGE, CatalogOption, app, err, load_or_exit, out

DEFAULT_PLAN = Path("out/plan.json")
DEFAULT_OUT = Path("out/report")


class Lang(StrEnum):
    en = "en"
    zh = "zh"


@app.command()
def report(
    plan_file: Annotated[
        Path, typer.Option("--plan", "-p", help="Offline plan from `govcloud plan --out`.")
    ] = DEFAULT_PLAN,
    catalog: CatalogOption = Path("catalog"),
    check_file: Annotated[
        Path | None,
        typer.Option(
            "--check",
            help="`govcloud check --format json --out FILE` report.",
            show_default="computed in-process",
        ),
    ] = None,
    isolation_file: Annotated[
        Path | None,
        typer.Option(
            "--isolation",
            help="Zone isolation proof (JSON).",
            show_default="computed in-process",
        ),
    ] = None,
    host_evidence: Annotated[
        list[Path] | None,
        typer.Option(
            "--host-evidence",
            help="Host evidence (`pytest tests/hosts ... --evidence FILE`); repeat to merge several.",
            show_default="none",
        ),
    ] = None,
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Directory to write the report into.")] = DEFAULT_OUT,
    lang: Annotated[Lang, typer.Option("--lang", "-l", help="Page language (report.json holds both).")] = Lang.en,
) -> None:
    """Write the auditor report: OUT/index.html and OUT/report.json.

    Control by control (policies/controls.yaml): its status (enforced,
    partly, not automated: computed from the policies implementing it),
    those policies with their results in the check, the isolation claims
    for network controls, and the host checks' results from --host-evidence
    files (a verdict per control: hosts pass, hosts fail, no host evidence;
    failing checks also listed as host findings). Then the
    isolation claims and reachability matrix, the zone topology drawn by
    Graphviz, per-tenant summaries, violations and every waiver.

    The page is static and self-contained (inline CSS and SVG, no
    scripts, nothing fetched). Without --check / --isolation both are
    computed in-process from the plan and the catalog. Format:
    docs/report.md.

    Exit 0 when the report is written (whatever it finds), 2 on bad input.

    [bold]Examples[/bold]

      govcloud plan --out out/plan.json && govcloud report

      govcloud report --lang zh --out out/report-zh

      govcloud report --check out/check.json --isolation out/isolation.json

      govcloud report --host-evidence out/evidence/lab.json --host-evidence out/evidence/vm.json
    """
    from govcloud.report.build import make_report  # the pack and Jinja2: only when reporting
    from govcloud.report.sources import SourceError, read_plan

    try:
        plan = read_plan(plan_file)
        loaded = load_or_exit(catalog)
        written = make_report(
            plan=plan,
            plan_path=plan_file,
            catalog=loaded,
            out_dir=out_dir,
            lang=lang.value,
            check_path=check_file,
            isolation_path=isolation_file,
            host_evidence_paths=host_evidence or [],
        )
    except SourceError as exc:
        err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from None
    if written.picture.error:
        warning = f"warning: topology not drawn: {written.picture.error}"
        err.print(warning, markup=False, highlight=False, soft_wrap=True)
    for path in written.files:
        out.print(f"wrote {relative(path)}", markup=False, highlight=False, soft_wrap=True)
    data = written.report
    summary = data["summary"]
    check = data["check"]["summary"]
    iso = data["isolation"]
    hosts = data["host_evidence"]
    host_line = (
        f"hosts: {hosts['passed']} passed, {hosts['failed']} FAILED on {len(hosts['failing_hosts'])} host(s)"
        if hosts and hosts["failed"]
        else f"hosts: {hosts['passed']} passed on {hosts['hosts']} host(s)"
        if hosts
        else "no host evidence"
    )
    out.print(
        f"{summary['controls']} controls: {summary['enforced']} enforced, {summary['partly']} partly, "
        f"{summary['not automated']} not automated; check {'passed' if check.get('passed') else 'FAILED'} "
        f"({check.get('violations', 0)} violation(s), {check.get('blocking', 0)} blocking); "
        f"isolation {iso['holding']}/{iso['claims']} claims hold; {host_line}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(EXIT_OK)

"""`govcloud lab verify`: the zone isolation proof checked with real TCP connections in the lab (docs/lab.md)."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from govcloud.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CatalogOption, err, load_or_exit, out
from govcloud.lab.network import NetworkSource
from govcloud.lab.network.verify import Verdict, verify
from govcloud.lab.podman import LabError
from govcloud.lab_cmd import DEFAULT_PLAN, lab_app
from govcloud.plan import reader
from govcloud.plan.reader import PlanFileError

MAX_SHOWN = 40  # disagreements listed in the text format (JSON has them all)


class Format(StrEnum):
    text = "text"
    json = "json"


def _say(line: str) -> None:
    err.print(line, markup=False, highlight=False, soft_wrap=True)


def _cells(verdict: Verdict, kind: str) -> Table:
    title = "zones (internet, zones, bastion)" if kind == "zone" else "tenants"
    table = Table("from", "to", "attempts", "allowed by the proof", "connected", "disagree",
                  title=f"cells: {title}", box=None, pad_edge=False, title_justify="left")  # fmt: skip
    for (src, dst), cell in verdict.cells(kind).items():
        table.add_row(src, dst, str(cell.attempts), str(cell.expected_allowed), str(cell.reached),
                      str(cell.disagreements) if cell.disagreements else "-")  # fmt: skip
    return table


def _text(verdict: Verdict) -> None:
    out.print(_cells(verdict, "zone"))
    out.print(_cells(verdict, "tenant"))
    bad = verdict.disagreements
    if bad:
        out.print(f"disagreements ({len(bad)}):", highlight=False)
        for a in bad[:MAX_SHOWN]:
            out.print(
                f"  {a.src.label} {a.src.address} → {a.dst.label} {a.dst.address} {a.port}/tcp: "
                f"proof says {'allowed' if a.expected else 'refused'}, packets: {a.observed}",
                highlight=False, soft_wrap=True,
            )  # fmt: skip
        if len(bad) > MAX_SHOWN:
            out.print(f"  ... {len(bad) - MAX_SHOWN} more (--format json lists all)", highlight=False)
    served: dict[tuple[int, ...], int] = {}
    for ports in verdict.listeners_busy.values():
        served[tuple(ports)] = served.get(tuple(ports), 0) + 1
    for busy, count in sorted(served.items()):
        listed = ", ".join(f"{p}/tcp" for p in busy)
        out.print(f"note: {listed} already served by the host itself (sshd...) on {count} endpoints", highlight=False)
    allowed = sum(a.expected for a in verdict.attempts)
    out.print(
        f"lab verify: {len(verdict.cells('zone'))} zone cells, {len(verdict.cells('tenant'))} tenant cells, "
        f"{verdict.places} endpoints, {len(verdict.attempts)} connection attempts "
        f"({allowed} allowed, {len(verdict.attempts) - allowed} refused by the proof), "
        f"{len(bad)} disagreements, {verdict.seconds:.1f} s",
        highlight=False, soft_wrap=True,
    )  # fmt: skip


@lab_app.command("verify")
def lab_verify(
    plan_file: Annotated[
        Path, typer.Option("--plan", "-p", help="The offline plan the lab was brought up from.")
    ] = DEFAULT_PLAN,
    catalog: CatalogOption = Path("catalog"),
    core_hub: Annotated[
        str | None,
        typer.Option(
            "--core-hub",
            metavar="ZONE",
            help="As for `govcloud isolation`: the platform core routes ZONE's backbone to every other "
            "backbone (never spoke to spoke). The lab's core namespace forwards so for this run only.",
        ),
    ] = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Report format.")] = Format.text,
    timeout: Annotated[
        float, typer.Option("--timeout", min=0.1, help="Seconds each connection attempt may take.")
    ] = 1.0,
) -> None:
    """Check the zone isolation proof with real packets between the running lab hosts.

    For every ordered pair of lab endpoints (each plan port of a running lab host, and a
    stand-in internet host at 203.0.113.100) and every probed TCP port, a listener in the
    destination and a connection from the source's address must agree with the proof:
    connected where it says allowed, not connected where it says refused. Probed ports:
    both ends of every TCP range security groups open between lab endpoints (routed or
    not), 22 (administration) and one port nothing opens. Progress goes to stderr; the report lists the cells of the
    zone and tenant matrices that were tested, every disagreement (source, destination,
    port, expected, observed), the totals and the wall time.

    Exit 0 every attempt agrees, 1 a disagreement, 2 bad input: no plan, an invalid catalog,
    --core-hub not a zone, no running lab or no lab network (run `govcloud lab up`), ip/nft
    missing.

    [bold]Examples[/bold]

      govcloud lab up --no-converge && govcloud lab verify

      govcloud lab verify --core-hub management

      govcloud lab verify --format json > out/lab-verify.json
    """
    try:
        plan = reader.read_plan(plan_file)
    except PlanFileError as exc:
        err.print(f"lab verify: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from None
    loaded = load_or_exit(catalog)
    zones = sorted(z.value for z in loaded.platform.zones)
    if core_hub is not None and core_hub not in zones:
        err.print(f"lab verify: --core-hub: {core_hub!r} is not a zone (allowed: {', '.join(zones)})")
        raise typer.Exit(EXIT_USAGE)
    source = NetworkSource.of(plan, loaded)
    try:
        verdict = verify(source.plan, source.intent, _say, core_hub=core_hub, timeout=timeout)
    except LabError as exc:
        err.print(f"lab verify: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    if fmt is Format.json:
        typer.echo(json.dumps(verdict.as_dict(), indent=1, ensure_ascii=False))
    else:
        _text(verdict)
    raise typer.Exit(EXIT_FAILED if verdict.disagreements else EXIT_OK)

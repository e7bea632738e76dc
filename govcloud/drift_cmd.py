"""`govcloud drift --cloud NAME`: the live cloud compared with the offline plan (docs/drift.md)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from govcloud.cli import EXIT_FAILED, EXIT_USAGE, app, err, out
from govcloud.drift.compare import compare
from govcloud.drift.render import to_json, to_text


class Format(StrEnum):
    text = "text"
    json = "json"


@app.command()
def drift(
    cloud: Annotated[str, typer.Option("--cloud", help="clouds.yaml entry to read (admin credentials).")],
    plan: Annotated[Path, typer.Option("--plan", help="The offline plan to compare with.")] = Path("out/plan.json"),
    format_: Annotated[Format, typer.Option("--format", help="text for people, json for automation.")] = Format.text,
) -> None:
    """Compare the live cloud with the plan: missing, unexpected and changed resources (docs/drift.md).

    Each planned resource is matched by the identity the plan gives it, never by an OpenStack ID:

    names within their project; security-group rules by direction, protocol, ports and remote;

    interfaces, routes and attachments by what they join. Then each field the plan sets is compared.

    missing: planned, not in the cloud. changed: in both, a planned field differs (plan and live value shown).

    unexpected: in one of the plan's projects (or a govcloud-tagged project) but not in the plan.

    That is how a server booted by hand, a rule added in the dashboard or a role granted to a person shows.

    Exit codes: 0 no drift, 1 drift, 2 bad input (plan file, unknown cloud, unknown format).

    [bold]Examples[/bold]

      govcloud drift --cloud govcloud-local

      govcloud drift --cloud govcloud-local --plan out/plan.json --format json > out/drift.json
    """
    import openstack
    from openstack import exceptions as os_exc

    from govcloud.live.planned import PlanShapeError, planned_records
    from govcloud.live.reader import read_live
    from govcloud.plan.reader import PlanFileError, read_plan

    started = time.monotonic()
    try:
        planned = planned_records(read_plan(plan))
    except (PlanFileError, PlanShapeError) as exc:
        err.print(f"drift: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from None
    observed_at = datetime.now(UTC).replace(microsecond=0).isoformat()
    try:
        conn = openstack.connect(cloud=cloud)
        live = read_live(conn, planned.deployer_user)
    except os_exc.ConfigException as exc:
        err.print(f"drift: --cloud {cloud}: {exc} (see clouds.yaml)", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from None
    except os_exc.SDKException as exc:
        err.print(f"drift: reading {cloud} failed: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_USAGE) from None
    report = compare(planned.records, live.records)
    seconds = time.monotonic() - started
    if format_ is Format.json:
        print(to_json(report, cloud, str(plan), observed_at, seconds))
    else:
        out.print(to_text(report, cloud, seconds), markup=False, highlight=False, soft_wrap=True)
    if not report.clean:
        raise typer.Exit(EXIT_FAILED)

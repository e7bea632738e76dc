"""From inputs to the written report: read or compute the check and the isolation proof, read
the host evidence files, assemble the data, draw the topology, render and write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from govcloud.catalog.errors import relative
from govcloud.catalog.loader import Catalog
from govcloud.report import sources
from govcloud.report.assemble import Sources, build_report
from govcloud.report.hostfile import load_host_evidence
from govcloud.report.i18n import labels
from govcloud.report.render import Picture, write_report
from govcloud.report.topology import DotFailed, DotMissing, build_topology, render_svg, to_dot
from policies.mlps.controls import ControlsError, load_controls
from policies.mlps.registry import all_rules

COMPUTED = "computed"


@dataclass(frozen=True)
class Written:
    report: dict[str, Any]
    files: list[Path]
    picture: Picture


def make_report(
    *,
    plan: dict[str, Any],
    plan_path: Path,
    catalog: Catalog,
    out_dir: Path,
    lang: str,
    check_path: Path | None = None,
    isolation_path: Path | None = None,
    host_evidence_paths: Sequence[Path] = (),
    today: date | None = None,
    now: datetime | None = None,
) -> Written:
    """Raise sources.SourceError on a missing or malformed input (files are read before anything
    is computed, so a bad file fails fast)."""
    try:
        controls = load_controls()
    except ControlsError as exc:
        raise sources.SourceError("\n".join(exc.problems)) from None
    given_check = sources.load_check(check_path) if check_path is not None else None
    given_isolation = sources.load_isolation(isolation_path) if isolation_path is not None else None
    host_evidence = [load_host_evidence(path, controls) for path in host_evidence_paths]
    isolation = given_isolation if given_isolation is not None else sources.compute_isolation(plan, plan_path, catalog)
    day = today or date.today()
    check = given_check if given_check is not None else sources.compute_check(plan, plan_path, catalog, day)
    topology = build_topology(plan, catalog)
    dot = to_dot(topology, labels(lang), lang)
    try:
        picture = Picture(dot, render_svg(dot))
    except (DotMissing, DotFailed, OSError) as exc:
        picture = Picture(dot, None, str(exc))
    report = build_report(
        plan=plan,
        catalog=catalog,
        check=check,
        isolation=isolation,
        rules=all_rules(),
        controls=controls,
        topology=topology,
        sources=Sources(
            plan=relative(plan_path),
            check=relative(check_path) if check_path is not None else COMPUTED,
            isolation=relative(isolation_path) if isolation_path is not None else COMPUTED,
        ),
        lang=lang,
        host_evidence=host_evidence,
        now=now,
    )
    report["topology"]["drawn"] = picture.svg is not None
    report["topology"]["error"] = picture.error
    return Written(report, write_report(out_dir, report, picture), picture)

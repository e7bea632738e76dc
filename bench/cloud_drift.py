"""How long `govcloud drift` takes on the local cloud holding the applied sample zone (~1,300 resources).

    .venv/bin/python -m bench.cloud_drift [--plan out/plan.json] [--cloud govcloud-local] [--repeat 3]
                                          [--out bench/results/cloud_drift.json]

Needs the zone applied first (`govcloud cloud apply`). Times, per run, reading the live cloud
part by part (identity, network, compute, storage, quotas: govcloud/live/reader.py) and the
comparison; then the comparison alone on the plan's records copied tenfold (~13k), to show
the pure part is not what costs. Nothing is changed in the cloud. See bench/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import openstack

from bench.result import write_result
from govcloud.drift.compare import compare
from govcloud.live import reader
from govcloud.live.planned import planned_records
from govcloud.plan.reader import read_plan

ROOT = Path(__file__).resolve().parents[1]


def read_parts(conn: Any, deployer: str) -> tuple[dict[str, float], reader.LiveState]:
    """read_live's steps one by one: the lists fetched in parallel, then each part normalized."""
    state = reader.LiveState()
    times: dict[str, float] = {}
    started = time.monotonic()
    with ThreadPoolExecutor(6) as pool:
        futures = {name: pool.submit(reader._materialize, fetch) for name, fetch in reader._lists(conn).items()}
        names = reader._read_identity(conn, state, deployer)
        times["identity"] = time.monotonic() - started
        pre = {name: future.result() for name, future in futures.items()}
    times["lists"] = time.monotonic() - started
    steps: list[tuple[str, Callable[[], None]]] = [
        ("network", partial(reader._read_network, conn, state, names, pre)),
        ("compute", partial(reader._read_compute, conn, state, names, deployer, pre)),
        ("storage", partial(reader._read_storage, conn, state, names, pre)),
        ("quotas", partial(reader._read_quotas, conn, state)),
    ]
    for part, step in steps:
        started = time.monotonic()
        step()
        times[part] = time.monotonic() - started
    return times, state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plan", type=Path, default=ROOT / "out" / "plan.json")
    parser.add_argument("--cloud", default="govcloud-local")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    planned = planned_records(read_plan(args.plan))
    conn = openstack.connect(cloud=args.cloud)
    runs = []
    for _ in range(args.repeat):
        started = time.monotonic()
        parts, live = read_parts(conn, planned.deployer_user)
        compared = time.monotonic()
        report = compare(planned.records, live.records)
        parts["compare"] = time.monotonic() - compared
        parts["total"] = time.monotonic() - started
        runs.append(parts)
        print(
            f"drift: {parts['total']:.2f} s ({', '.join(f'{k} {v:.2f}' for k, v in parts.items() if k != 'total')}); "
            f"{len(live.records)} live records, {report.matched}/{report.planned} matched, {len(report.drifts)} drifts"
        )
    tenfold = [replace(r, key=(*r.key, str(i))) for i in range(10) for r in planned.records]
    started = time.monotonic()
    compare(tenfold, tenfold)
    synthetic = time.monotonic() - started
    print(f"compare alone, {len(tenfold)} records each side: {synthetic:.3f} s")
    result = {
        "planned": len(planned.records),
        "live_records": len(live.records),
        "runs": runs,
        "median_total_s": statistics.median(r["total"] for r in runs),
        "compare_tenfold_s": synthetic,
        "compare_tenfold_records": len(tenfold),
    }
    write_result(args.out, result)


if __name__ == "__main__":
    main()

"""How `govcloud migrate discover` scales: time and peak memory on 100k and 1,000,000 rows.

    .venv/bin/python -m bench.migrate_discover [--rows 100000,1000000] [--repeat 1] [--out FILE] [--keep DIR]

For every size a connection log like the audit-online sample's (bench/migrate_sample_flows.py,
same seed) is written into a temporary folder, then `govcloud migrate discover CSV --app
audit-online --format json` runs in a fresh process. Wall time is measured around the child
(interpreter start and imports included); peak RSS is the child's own `ru_maxrss` from
os.wait4. Targets: 1,000,000 rows within 30 s, and peak memory that does not grow with the rows
(streaming). The noise threshold scales with the log (min_count below); the candidate flows
must be the application's eight at every size. See
bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import migrate_sample_flows

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 30.0
EXPECTED_FLOWS = 8


def min_count(rows: int) -> int:
    """The noise threshold for a log of `rows` rows: the sample's 20 for its 4,000 rows, scaled.

    Noise rows repeat (the same scanner probes the same ports all week), so a fixed threshold
    lets a long log's noise through; the real flows are seen thousands of times more often.
    """
    return max(20, rows // 100)


def measure(csv_path: Path, rows: int) -> dict[str, Any]:
    """Like run_child, with CPU time and peak RSS from os.wait4 on that child alone."""
    cmd = [
        sys.executable,
        "-c",
        "from govcloud.cli import main; main()",
        "migrate",
        "discover",
        str(csv_path),
        "--app",
        "audit-online",
        "--catalog",
        str(ROOT / "catalog"),
        "--format",
        "json",
        "--min-count",
        str(min_count(rows)),
    ]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"discover failed ({proc.returncode}): {err.read().decode(errors='replace')}")
        doc = json.loads(out.read())
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_mib": round(usage.ru_maxrss / 1024, 1),
        "rows": doc["rows"],
        "min_count": doc["min_count"],
        "candidates": len(doc["candidates"]),
        "noise_dropped": len(doc["noise"]),
        "unmapped_rows": doc["unmapped_rows"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", default="100000,1000000", help="comma-separated row counts")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the fastest is reported")
    parser.add_argument("--out", type=Path, help="write the results as JSON here")
    parser.add_argument("--keep", type=Path, help="write the CSVs here and keep them (default: a temp folder)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.rows.split(",") if s]
    work = args.keep or Path(tempfile.mkdtemp(prefix="govcloud-bench-migrate-"))
    work.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    try:
        for rows in sizes:
            path = work / f"flows-{rows}.csv"
            start = time.perf_counter()
            migrate_sample_flows.write(path, rows)
            written = time.perf_counter() - start
            runs = [measure(path, rows) for _ in range(max(1, args.repeat))]
            best = dict(min(runs, key=lambda r: r["wall_s"]))
            best.update(
                {"size_mib": round(path.stat().st_size / 2**20, 1), "generate_s": round(written, 1), "runs": runs}
            )
            results.append(best)
            print(
                f"{rows:>9} rows ({best['size_mib']} MiB): {best['wall_s']} s wall, {best['cpu_s']} s CPU, "
                f"peak {best['peak_mib']} MiB, {best['candidates']} flows, {best['noise_dropped']} noise ports dropped "
                f"(min count {best['min_count']})",
                flush=True,
            )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    failures = []
    for r in results:
        if r["candidates"] != EXPECTED_FLOWS:
            failures.append(f"{r['rows']} rows: {r['candidates']} candidate flows (expected {EXPECTED_FLOWS})")
        if r["rows"] >= 1_000_000 and r["wall_s"] > TARGET_SECONDS:
            failures.append(f"{r['rows']} rows took {r['wall_s']} s (target: {TARGET_SECONDS} s)")
    if len(results) > 1:
        growth = results[-1]["peak_mib"] / results[0]["peak_mib"]
        print(f"peak memory from {results[0]['rows']} to {results[-1]['rows']} rows: x{growth:.2f}")
    doc = {
        "machine": {"nproc": os.cpu_count(), "python": sys.version.split()[0], "loadavg": os.getloadavg()},
        "target_seconds": TARGET_SECONDS,
        "results": results,
        "failures": failures,
    }
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    if failures:
        raise SystemExit("; ".join(failures))


if __name__ == "__main__":
    main()

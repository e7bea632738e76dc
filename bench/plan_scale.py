"""How `govcloud plan` scales: synthetic catalogs of ~1k, 5k and 10k resources.

    .venv/bin/python -m bench.plan_scale [--sizes 1000,5000,10000] [--repeat 1]
                                         [--out bench/results/plan_scale.json]

For every size: generate a valid catalog (bench/catalog_gen.py), check it with
`govcloud validate`, then time `govcloud plan --catalog DIR --out FILE` end to end in a
fresh process, and, also in a fresh process, Pulumi's mock engine registering as many bare
resources (bench/bare_engine.py). Wall time is measured around the child; CPU time and peak
RSS come from os.wait4, i.e. from that child alone. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any, TypeVar

from bench.catalog_gen import MAX_REPLICAS, Shape, generate, read_base

R = TypeVar("R")

ROOT = Path(__file__).resolve().parents[1]  # the project: Pulumi.yaml, Pulumi.lab.yaml
SOURCE_CATALOG = ROOT / "catalog"
DEFAULT_OUT = ROOT / "bench" / "results" / "plan_scale.json"
TOLERANCE = 0.10  # summary.resources within +-10% of the target
PROBES = (4, 8)  # synthetic departments in the two calibration catalogs (>= 2 per zone)

# Targets on the reference machine (2 cores).
MAX_OVERHEAD = 1.5  # plan wall time / bare-engine wall time
MAX_SECONDS_10K = 60.0
MAX_MIB_10K = 1.5 * 1024
MAX_GROWTH = 12.0  # t(10k) / t(1k)


@dataclass(frozen=True)
class Run:
    """One child process: wall seconds, CPU seconds (user + system), peak RSS."""

    wall_s: float
    cpu_s: float
    peak_mib: float
    stdout: str = field(repr=False)


@dataclass
class Result:
    target: int
    tenants: int
    replicas: int
    resources: int
    components: int
    plan_s: float
    plan_cpu_s: float
    plan_mib: float
    bare_s: float
    bare_cpu_s: float
    bare_mib: float
    ratio: float
    plan_runs_s: list[float]
    bare_runs_s: list[float]


def run_child(argv: list[str], cwd: Path, log: Path) -> Run:
    """Run `argv` to completion; fail loudly with its log if it fails."""
    with log.open("w", encoding="utf-8") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(encoding="utf-8", errors="replace")
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}):\n{text[-4000:]}")
    # ru_maxrss is in KiB on Linux
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text)


def govcloud_command() -> str:
    beside = Path(sys.executable).parent / "govcloud"
    found = str(beside) if beside.exists() else shutil.which("govcloud")
    if found is None:
        raise SystemExit("govcloud is not installed in this environment (pip install -e .)")
    return found


def validate(catalog: Path, work: Path) -> None:
    run_child([govcloud_command(), "validate", "--catalog", str(catalog)], ROOT, work / "validate.log")


def plan(catalog: Path, work: Path) -> tuple[Run, dict[str, Any]]:
    plan_file = work / "plan.json"
    argv = [govcloud_command(), "plan", "--catalog", str(catalog), "--out", str(plan_file)]
    run = run_child(argv, ROOT, work / "plan.log")
    summary: dict[str, Any] = json.loads(plan_file.read_text(encoding="utf-8"))["summary"]
    plan_file.unlink()  # a 10k plan is ~11 MB
    return run, summary


def bare(resources: int, work: Path) -> Run:
    return run_child([sys.executable, "-m", "bench.bare_engine", str(resources)], ROOT, work / "bare.log")


def catalog_for(shape: Shape, work: Path) -> Path:
    catalog = generate(SOURCE_CATALOG, work / f"catalog-{shape.tenants}x{shape.replicas}", shape)
    validate(catalog, work)
    return catalog


@dataclass(frozen=True)
class Model:
    """summary.resources = base + per_tenant * tenants, measured on two probe catalogs."""

    replicas: int
    base: float
    per_tenant: float

    def tenants_for(self, target: int) -> int:
        return max(0, round((target - self.base) / self.per_tenant))


def calibrate(replicas: int, work: Path) -> Model:
    counts = []
    for tenants in PROBES:
        _, summary = plan(catalog_for(Shape(tenants, replicas), work), work)
        counts.append(int(summary["resources"]))
    per_tenant = (counts[1] - counts[0]) / (PROBES[1] - PROBES[0])
    model = Model(replicas, counts[0] - per_tenant * PROBES[0], per_tenant)
    print(f"calibration (replicas={replicas}): {model.base:.0f} + {model.per_tenant:.0f} per department")
    return model


def shape_for(target: int, models: dict[int, Model], work: Path) -> Shape:
    """Fewest replicas (from finance's 2) whose department count fits the address plan."""
    room = read_base(SOURCE_CATALOG).max_departments
    for replicas in range(2, MAX_REPLICAS + 1):
        if replicas not in models:
            models[replicas] = calibrate(replicas, work)
        tenants = models[replicas].tenants_for(target)
        if tenants <= room:
            return Shape(tenants, replicas)
    raise SystemExit(f"{target} resources do not fit the synthetic address plan")


def measure(target: int, models: dict[int, Model], repeat: int, work: Path, keep: bool) -> Result:
    shape = shape_for(target, models, work)
    catalog = catalog_for(shape, work)
    plans: list[Run] = []
    bares: list[Run] = []
    summary: dict[str, Any] = {}
    for _ in range(repeat):
        # interleaved, so a noisy neighbour hurts both sides alike
        run, summary = plan(catalog, work)
        plans.append(run)
        bares.append(bare(int(summary["resources"]), work))
    resources = int(summary["resources"])
    if abs(resources - target) > TOLERANCE * target:
        raise SystemExit(f"calibration missed: {resources} resources for a target of {target}")
    best_plan = min(plans, key=lambda r: r.wall_s)
    best_bare = min(bares, key=lambda r: r.wall_s)
    if not keep:
        shutil.rmtree(catalog)
    return Result(
        target=target,
        tenants=shape.tenants + len(read_base(SOURCE_CATALOG).kept),  # + mgmt, data-exchange
        replicas=shape.replicas,
        resources=resources,
        components=int(summary["components"]),
        plan_s=round(best_plan.wall_s, 2),
        plan_cpu_s=round(best_plan.cpu_s, 2),
        plan_mib=round(best_plan.peak_mib, 1),
        bare_s=round(best_bare.wall_s, 2),
        bare_cpu_s=round(best_bare.cpu_s, 2),
        bare_mib=round(best_bare.peak_mib, 1),
        ratio=round(best_plan.wall_s / best_bare.wall_s, 2),
        plan_runs_s=[round(r.wall_s, 2) for r in plans],
        bare_runs_s=[round(r.wall_s, 2) for r in bares],
    )


def machine() -> dict[str, Any]:
    model = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "pulumi": version("pulumi"),
        "pulumi_openstack": version("pulumi_openstack"),
        "platform": platform.platform(),
    }


def targets(results: list[Result]) -> dict[str, Any]:
    by_target = {r.target: r for r in results}
    out: dict[str, Any] = {
        "overhead": {
            "limit": MAX_OVERHEAD,
            "met": all(r.ratio <= MAX_OVERHEAD for r in results),
            "worst": max((r.ratio for r in results), default=None),
        }
    }
    big = by_target.get(10_000)
    if big is not None:
        out["10k_time"] = {"limit_s": MAX_SECONDS_10K, "value_s": big.plan_s, "met": big.plan_s <= MAX_SECONDS_10K}
        out["10k_memory"] = {"limit_mib": MAX_MIB_10K, "value_mib": big.plan_mib, "met": big.plan_mib <= MAX_MIB_10K}
    small = by_target.get(1_000)
    if big is not None and small is not None:
        growth = round(big.plan_s / small.plan_s, 2)
        out["growth_10k_over_1k"] = {"limit": MAX_GROWTH, "value": growth, "met": growth <= MAX_GROWTH}
    return out


def table(results: list[Result]) -> str:
    lines = [
        "| size | resources | plan s | plan peak MiB | bare-engine s | bare MiB | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.target} | {r.resources} | {r.plan_s:.1f} | {r.plan_mib:.0f} | {r.bare_s:.1f} "
        f"| {r.bare_mib:.0f} | {r.ratio:.2f} |"
        for r in results
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.plan_scale", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,5000,10000", help="target resource counts, comma-separated")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the fastest one is reported")
    parser.add_argument(
        "--keep", type=Path, default=None, help="work in this directory and keep its catalogs and logs"
    )
    return parser.parse_args(argv)


def run_sizes(
    sizes: list[int],
    repeat: int,
    keep: Path | None,
    out: Path,
    measure_one: Callable[[int, dict[int, Model], int, Path, bool], R],
    describe: Callable[[R], str],
    render_table: Callable[[list[R]], str],
    judge: Callable[[list[R]], dict[str, Any]],
) -> int:
    """Measure each size in a scratch directory (or `keep`), then write and print the results."""
    started = datetime.now(UTC).replace(microsecond=0)
    load_before = os.getloadavg()
    models: dict[int, Model] = {}
    results: list[R] = []
    with tempfile.TemporaryDirectory(prefix="govcloud-bench-") as tmp:
        work = keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for size in sizes:
            result = measure_one(size, models, max(1, repeat), work, keep is not None)
            results.append(result)
            print(f"{size}: {describe(result)}", flush=True)
    document = {
        "started_at": started.isoformat(),
        "machine": machine(),
        "load_average": {"before": list(load_before), "after": list(os.getloadavg())},
        "repeat": max(1, repeat),
        "results": [asdict(r) for r in results],  # type: ignore[call-overload]
        "targets": judge(results),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(render_table(results))
    print(json.dumps(document["targets"], indent=1))
    print(f"wrote {out}")
    return 0


def describe(result: Result) -> str:
    return (
        f"{result.resources} resources ({result.tenants} tenants x{result.replicas}): "
        f"plan {result.plan_s:.1f} s {result.plan_mib:.0f} MiB, "
        f"bare engine {result.bare_s:.1f} s {result.bare_mib:.0f} MiB, ratio {result.ratio:.2f}"
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    return run_sizes(sizes, args.repeat, args.keep, args.out, measure, describe, table, targets)


if __name__ == "__main__":
    raise SystemExit(main())

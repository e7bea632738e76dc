"""How `govcloud check` and `govcloud isolation` scale beside `govcloud plan` (~1k, 5k, 10k resources).

    .venv/bin/python -m bench.check_scale [--sizes 1000,5000,10000] [--repeat 1]
                                          [--out bench/results/check_scale.json] [--keep DIR]

For every size: the synthetic catalog of bench/plan_scale.py (same calibration, same
generator: bench/catalog_gen.py), validated; then, each in a fresh process and interleaved,
`govcloud plan --catalog DIR --out PLAN`, `govcloud check --plan PLAN --format json` and
`govcloud isolation --plan PLAN --format json`. Wall time is measured around the child, CPU
time and peak RSS come from os.wait4 (that child alone). Target: check and isolation together
take at most 25 % of the plan's time at 10k resources. See bench/README.md.

Without govcloud/check_cmd.py (an older tree) the check is timed as the policy pack's
`evaluate(all_rules(), plan["resources"], facts)` in a child process instead.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.catalog_gen import read_base
from bench.plan_scale import (
    ROOT,
    SOURCE_CATALOG,
    Model,
    catalog_for,
    govcloud_command,
    run_sizes,
    shape_for,
)

DEFAULT_OUT = ROOT / "bench" / "results" / "check_scale.json"
MAX_SHARE_10K = 0.25  # (check + isolation) / plan at 10k resources
TOLERANCE = 0.10  # summary.resources within +-10% of the target


@dataclass(frozen=True)
class Timed:
    wall_s: float
    cpu_s: float
    peak_mib: float
    exit_code: int


@dataclass(frozen=True)
class Result:
    target: int
    tenants: int
    replicas: int
    resources: int
    plan_s: float
    check_s: float
    check_cpu_s: float
    check_mib: float
    check_exit: int
    check_how: str  # "govcloud check" | "evaluate()"
    isolation_s: float
    isolation_cpu_s: float
    isolation_mib: float
    isolation_exit: int
    proof_s: float  # the proof itself (stats.seconds): reading the plan's network, classes, claims
    address_classes: int
    endpoint_classes: int
    rules: int
    share: float  # (check + isolation) / plan
    plan_runs_s: list[float]
    check_runs_s: list[float]
    isolation_runs_s: list[float]


def timed(argv: list[str], log: Path, allowed: tuple[int, ...] = (0,)) -> Timed:
    """Run `argv` from the project root; fail loudly, with its log, on an exit code not allowed."""
    with log.open("w", encoding="utf-8") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in allowed:
        text = log.read_text(encoding="utf-8", errors="replace")
        raise SystemExit(f"{' '.join(argv)} failed ({code}):\n{text[-4000:]}")
    return Timed(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code)


def has_check_command() -> bool:
    return importlib.util.find_spec("govcloud.check_cmd") is not None


def check_argv(plan: Path, catalog: Path, out: Path) -> list[str]:
    if has_check_command():
        return [govcloud_command(), "check", "--plan", str(plan), "--catalog", str(catalog), "--format", "json",
                "--out", str(out)]
    return [sys.executable, "-m", "bench.check_scale", "--evaluate", str(plan), str(catalog)]


def evaluate_directly(plan_path: Path, catalog: Path) -> int:
    """The fallback: the pack's rules over the plan's resources, as `govcloud check` would run them."""
    registry: Any = importlib.import_module("policies.mlps.registry")
    evaluate: Any = importlib.import_module("policies.mlps.evaluate").evaluate
    plan = json.loads(plan_path.read_text(encoding="utf-8"))
    if importlib.util.find_spec("govcloud.check.facts") is not None:
        from govcloud.catalog.loader import load_catalog

        facts = importlib.import_module("govcloud.check.facts").facts_from_catalog(load_catalog(catalog))
    else:
        facts = importlib.import_module("policies.mlps.facts").Facts.load()
    findings = evaluate(registry.all_rules(), plan["resources"], facts)
    print(f"{len(findings)} finding(s)")
    return 0


def plan(catalog: Path, work: Path) -> tuple[Timed, Path, dict[str, Any]]:
    plan_file = work / "plan.json"
    run = timed([govcloud_command(), "plan", "--catalog", str(catalog), "--out", str(plan_file)], work / "plan.log")
    summary: dict[str, Any] = json.loads(plan_file.read_text(encoding="utf-8"))["summary"]
    return run, plan_file, summary


def measure(target: int, models: dict[int, Model], repeat: int, work: Path, keep: bool) -> Result:
    shape = shape_for(target, models, work)
    catalog = catalog_for(shape, work)
    plans: list[Timed] = []
    checks: list[Timed] = []
    proofs: list[Timed] = []
    stats: dict[str, Any] = {}
    summary: dict[str, Any] = {}
    for _ in range(repeat):
        run, plan_file, summary = plan(catalog, work)
        plans.append(run)
        # check exits 1 when a mandatory policy is violated: still a complete run
        checks.append(timed(check_argv(plan_file, catalog, work / "check.json"), work / "check.log", (0, 1)))
        iso_out = work / "isolation.json"
        proofs.append(
            timed(
                [govcloud_command(), "isolation", "--plan", str(plan_file), "--catalog", str(catalog),
                 "--format", "json", "--out", str(iso_out)],
                work / "isolation.log",
                (0, 1),
            )
        )
        stats = json.loads(iso_out.read_text(encoding="utf-8"))["stats"]
        plan_file.unlink()  # a 10k plan is ~11 MB
    resources = int(summary["resources"])
    if abs(resources - target) > TOLERANCE * target:
        raise SystemExit(f"calibration missed: {resources} resources for a target of {target}")
    if not keep:
        shutil.rmtree(catalog)
    best_plan = min(plans, key=lambda r: r.wall_s)
    best_check = min(checks, key=lambda r: r.wall_s)
    best_proof = min(proofs, key=lambda r: r.wall_s)
    return Result(
        target=target,
        tenants=shape.tenants + len(read_base(SOURCE_CATALOG).kept),
        replicas=shape.replicas,
        resources=resources,
        plan_s=round(best_plan.wall_s, 2),
        check_s=round(best_check.wall_s, 2),
        check_cpu_s=round(best_check.cpu_s, 2),
        check_mib=round(best_check.peak_mib, 1),
        check_exit=best_check.exit_code,
        check_how="govcloud check" if has_check_command() else "evaluate()",
        isolation_s=round(best_proof.wall_s, 2),
        isolation_cpu_s=round(best_proof.cpu_s, 2),
        isolation_mib=round(best_proof.peak_mib, 1),
        isolation_exit=best_proof.exit_code,
        proof_s=float(stats.get("seconds", 0.0)),
        address_classes=int(stats.get("address_classes", 0)),
        endpoint_classes=int(stats.get("endpoint_classes", 0)),
        rules=int(stats.get("rules", 0)),
        share=round((best_check.wall_s + best_proof.wall_s) / best_plan.wall_s, 3),
        plan_runs_s=[round(r.wall_s, 2) for r in plans],
        check_runs_s=[round(r.wall_s, 2) for r in checks],
        isolation_runs_s=[round(r.wall_s, 2) for r in proofs],
    )


def targets(results: list[Result]) -> dict[str, Any]:
    big = next((r for r in results if r.target == 10_000), None)
    if big is None:
        return {}
    return {
        "10k_share": {"limit": MAX_SHARE_10K, "value": big.share, "met": big.share <= MAX_SHARE_10K},
        "10k_isolation_share": {"value": round(big.isolation_s / big.plan_s, 3)},
        "10k_check_share": {"value": round(big.check_s / big.plan_s, 3)},
    }


def table(results: list[Result]) -> str:
    lines = [
        "| size | resources | rules | plan s | check s | isolation s (proof s) | classes (addr / endpoint) "
        "| (check + isolation) / plan |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r.target} | {r.resources} | {r.rules} | {r.plan_s:.1f} | {r.check_s:.1f} | "
        f"{r.isolation_s:.2f} ({r.proof_s:.2f}) | {r.address_classes} / {r.endpoint_classes} | {100 * r.share:.0f} % |"
        for r in results
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.check_scale", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,5000,10000", help="target resource counts, comma-separated")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results file")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the fastest one is reported")
    parser.add_argument("--keep", type=Path, default=None, help="work in this directory and keep its catalogs")
    parser.add_argument("--evaluate", nargs=2, type=Path, metavar=("PLAN", "CATALOG"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.evaluate:
        return evaluate_directly(*args.evaluate)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    return run_sizes(sizes, args.repeat, args.keep, args.out, measure, describe, table, targets)


def describe(result: Result) -> str:
    return (
        f"{result.resources} resources: plan {result.plan_s:.1f} s, check {result.check_s:.1f} s "
        f"(exit {result.check_exit}), isolation {result.isolation_s:.2f} s (proof {result.proof_s:.2f} s, "
        f"exit {result.isolation_exit}): {100 * result.share:.0f} % of the plan"
    )


if __name__ == "__main__":
    raise SystemExit(main())

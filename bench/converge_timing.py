"""Lab timings of issue 4: `lab up` from a warm image cache, converging one fresh host and its
idempotent rerun, then four fresh hosts in parallel and their rerun.

    .venv/bin/python -m bench.converge_timing                    # removes the lab first, leaves it up
    .venv/bin/python -m bench.converge_timing --one mgmt-ntp-1 --four mgmt-ldap-1,mgmt-log,mgmt-ca,mgmt-kms

Everything goes through the real CLI (`govcloud lab down`, `lab up --no-converge`, `lab converge
--limit`), so the numbers are what an operator sees: wall time of each command, the converge's
own count of tasks and changes, and the machine's load average when each step ended (the
machine has 2 cores; other work beside a run shows there).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

GOVCLOUD = str(Path(sys.executable).with_name("govcloud"))
SUMMARY = re.compile(r"^converge: (\d+) hosts, (\d+) tasks, (\d+) changed, (\d+) failed")


def timed(step: str, *args: str) -> str:
    started = time.monotonic()
    done = subprocess.run([GOVCLOUD, *args], capture_output=True, text=True, check=False)
    seconds = time.monotonic() - started
    if done.returncode != 0:
        raise SystemExit(f"{step}: govcloud {' '.join(args)} failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    found = next((m for m in map(SUMMARY.match, done.stdout.splitlines()) if m), None)
    what = f"{found.group(1)} hosts, {found.group(2)} tasks, {found.group(3)} changed" if found else ""
    load = os.getloadavg()[0]
    row = f"| {step} | {seconds:.1f} s | {what} | {load:.1f} |"
    print(row, flush=True)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--one", default="mgmt-ntp-1", help="the host converged alone")
    parser.add_argument("--four", default="mgmt-ldap-1,mgmt-log,audit-audit-app-1,audit-audit-db-1",
                        help="four other hosts, converged together (comma-separated)")  # fmt: skip
    args = parser.parse_args(argv)
    four = [name for name in args.four.split(",") if name]
    if len(four) != 4 or args.one in four:
        parser.error("--four takes four host names, none of them --one")
    print("| step | wall | converge | load (1 min) |\n|---|---|---|---|", flush=True)
    subprocess.run([GOVCLOUD, "lab", "down"], capture_output=True, check=True)
    timed("lab up --no-converge, warm image cache", "lab", "up", "--no-converge")
    timed("converge one fresh host", "lab", "converge", "--limit", args.one)
    timed("its idempotent rerun", "lab", "converge", "--limit", args.one)
    timed("converge four fresh hosts in parallel", "lab", "converge", "--limit", ",".join(four))
    timed("their idempotent rerun", "lab", "converge", "--limit", ",".join(four))
    return 0


if __name__ == "__main__":
    sys.exit(main())

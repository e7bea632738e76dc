"""Restart the HSM-backed CA's services (and the whole CA host) and time how soon they answer again.

    .venv/bin/python -m bench.ca_restart                      # own CA host, 10 restarts
    .venv/bin/python -m bench.ca_restart --cycles 3 --container NAME --out bench/results/ca_restart.json

Sets up one revoked certificate through the RA flow, then, per cycle, restarts the OCSP responder,
the time-stamping authority and the HTTP publication point together (`systemctl restart`) and
polls, from inside the host, until all three answer correctly again: OCSP says "revoked" for that
certificate, the TSA grants a token that `openssl ts -verify` accepts, the CRL downloads. Last, the
container itself is restarted once (`podman restart`). Before and after, the CA's databases, CA,
OCSP and TSA certificates and the RA's request count are hashed: a restart must re-issue nothing.
Prints the resume times (median, max); exit 1 if a service did not come back within 60 s or
anything was re-issued.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from bench.result import write_result
from bench.trust_host import ca_host, podman

PUB = "/srv/govcloud/pki"
UNITS = "govcloud-ocsp govcloud-tsa govcloud-pki-http"
STATE = ("sha256sum /var/lib/govcloud/pki/*/index.txt /var/lib/govcloud/pki/*/ca.crt /etc/govcloud/pki/ocsp.crt "
         "/etc/govcloud/tsa/tsa.crt; ls /var/lib/govcloud/pki/ra/requests | wc -l")  # fmt: skip
SETUP = """set -e
mkdir -p /root/bench && cd /root/bench
openssl req -new -newkey rsa:2048 -nodes -keyout r.key -subj /CN=restart.bench \
  -addext subjectAltName=DNS:restart.bench -out r.csr 2>/dev/null
id=$(govcloud-ra submit --profile server --csr r.csr --submitter bench-ops)
govcloud-ra approve $id --officer bench-officer --reason 'restart benchmark' >/dev/null
govcloud-ra issue $id --out r.crt
govcloud-ra revoke $id --reason superseded --why 'restart benchmark' --officer bench-officer >/dev/null
head -c 1024 /dev/urandom > d.dat && openssl ts -query -data d.dat -sha256 -cert -out d.tsq
"""
# Runs inside the host: poll until OCSP, TSA and CRL all answer right; print the seconds it took.
PROBE = f"""
import subprocess, sys, time, urllib.request
start = float(sys.argv[1])
def ok():
    o = subprocess.run("openssl ocsp -issuer {PUB}/issuing.pem -cert /root/bench/r.crt -url http://127.0.0.1/ocsp "
                       "-CAfile {PUB}/chain.pem", shell=True, capture_output=True, text=True, timeout=10)
    if "r.crt: revoked" not in o.stdout:
        return False
    req = urllib.request.Request("http://127.0.0.1/tsa", data=open("/root/bench/d.tsq", "rb").read(),
                                 headers={{"Content-Type": "application/timestamp-query"}})
    open("/root/bench/d.tsr", "wb").write(urllib.request.urlopen(req, timeout=10).read())
    v = subprocess.run("openssl ts -verify -in /root/bench/d.tsr -queryfile /root/bench/d.tsq "
                       "-CAfile {PUB}/root.pem -untrusted {PUB}/issuing.pem", shell=True, capture_output=True,
                       text=True)
    if "Verification: OK" not in v.stdout:
        return False
    return len(urllib.request.urlopen("http://127.0.0.1/issuing.crl", timeout=10).read()) > 0
while time.time() - start < 60:
    try:
        if ok():
            print(round(time.time() - start, 2)); sys.exit(0)
    except Exception:
        pass
    time.sleep(0.1)
print("timeout"); sys.exit(1)
"""


def exec_in(name: str, script: str, timeout: float = 300) -> str:
    done = podman("exec", "-i", name, "bash", "-s", stdin=script, timeout=timeout)
    if done.returncode != 0:
        raise SystemExit(f"{script[:60]!r} failed: {done.stderr.strip()}{done.stdout.strip()}")
    return done.stdout


def probe(name: str, start: float) -> float | None:
    done = podman("exec", "-i", name, "python3", "-", str(start), stdin=PROBE, timeout=120)
    return float(done.stdout.strip()) if done.returncode == 0 else None


def run(name: str, cycles: int) -> dict[str, Any]:
    exec_in(name, SETUP)
    before = exec_in(name, STATE)
    service_restarts: list[float | None] = []
    for _ in range(cycles):
        start = time.time()
        exec_in(name, f"systemctl restart {UNITS}")
        service_restarts.append(probe(name, start))
    start = time.time()
    podman("restart", "--time", "10", name, timeout=180)
    host_restart = probe(name, start)
    after = exec_in(name, STATE)
    resumed = [s for s in service_restarts if s is not None]
    return {
        "cycles": cycles,
        "service_restart_seconds": service_restarts,
        "service_restart_median": round(statistics.median(resumed), 2) if resumed else None,
        "service_restart_max": max(resumed) if resumed else None,
        "host_restart_seconds": host_restart,
        "failed_to_resume": cycles - len(resumed) + (host_restart is None),
        "reissued_nothing": before == after,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=10, help="service restarts (default 10)")
    parser.add_argument("--container", help="a running host with the CA play applied (default: start one)")
    parser.add_argument("--out", type=Path, help="write the result as JSON")
    args = parser.parse_args(argv)
    if args.cycles < 1:
        parser.error("--cycles must be at least 1")
    with ca_host(args.container, "ca-bench") as name:
        result = run(name, args.cycles)
    print(f"{result['cycles']} service restarts: resumed in median {result['service_restart_median']} s, "
          f"max {result['service_restart_max']} s; host restart: {result['host_restart_seconds']} s; "
          f"not resumed: {result['failed_to_resume']}; nothing re-issued: {result['reissued_nothing']}")  # fmt: skip
    write_result(args.out, result)
    return 0 if result["failed_to_resume"] == 0 and result["reissued_nothing"] else 1


if __name__ == "__main__":
    sys.exit(main())

"""Load on the RFC 3161 time-stamping authority: C concurrent clients x N requests, every token verified.

    .venv/bin/python -m bench.tsa_load                          # own container, roles applied, 50 x 20
    .venv/bin/python -m bench.tsa_load --clients 10 --requests 5
    .venv/bin/python -m bench.tsa_load --container NAME         # a host that already runs roles/tsa
    .venv/bin/python -m bench.tsa_load --out bench/results/tsa_load.json

Without `--container` it starts its own CA host (bench/trust_host.py: a container of the lab image,
`--network none`, the CA play of playbooks/trust-services.yml applied) and removes it at the end.
The clients run inside that host (it has no network) against `http://127.0.0.1/tsa`, i.e. through
the trust services' HTTP endpoint (govcloud-pki-http), as a client elsewhere would. Each request
has its own random data, a SHA-256 imprint, a nonce and certReq; afterwards every reply is checked with
`openssl ts -verify -queryfile ... -CAfile root -untrusted issuing` (not timed).
Prints errors, verified tokens, latency p50/p90/p99/max and throughput; exit 1 if any request
failed or any token did not verify.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from bench.result import write_result
from bench.trust_host import ca_host, podman

# Runs inside the TSA host (python3 + python3-asn1crypto are there): the load, then the checks.
CLIENT = r"""
import concurrent.futures, hashlib, http.client, json, os, secrets, subprocess, sys, tempfile, time
from asn1crypto import algos, core, tsp
clients, per_client, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
os.makedirs(work, exist_ok=True)

def one(tag):
    data = secrets.token_bytes(256)
    req = tsp.TimeStampReq({"version": "v1", "message_imprint": {
        "hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
        "hashed_message": hashlib.sha256(data).digest()},
        "nonce": secrets.randbits(63), "cert_req": True}).dump()
    start = time.perf_counter()
    try:
        conn = http.client.HTTPConnection("127.0.0.1", 80, timeout=60)
        conn.request("POST", "/tsa", body=req, headers={"Content-Type": "application/timestamp-query"})
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        elapsed = time.perf_counter() - start
    except Exception as exc:
        return {"tag": tag, "error": f"{type(exc).__name__}: {exc}", "seconds": time.perf_counter() - start}
    if resp.status != 200:
        return {"tag": tag, "error": f"HTTP {resp.status}", "seconds": elapsed}
    # the first element of TimeStampResp (asn1crypto's class insists on a token, rejections have none)
    status = tsp.PKIStatusInfo.load(core.Sequence.load(body).contents, strict=False)["status"].native
    with open(f"{work}/{tag}.tsq", "wb") as f:
        f.write(req)
    with open(f"{work}/{tag}.tsr", "wb") as f:
        f.write(body)
    return {"tag": tag, "error": None if status == "granted" else f"status {status}", "seconds": elapsed}

def client(c):
    return [one(f"c{c:03d}-r{r:03d}") for r in range(per_client)]

started = time.perf_counter()
with concurrent.futures.ThreadPoolExecutor(max_workers=clients) as pool:
    results = [r for batch in pool.map(client, range(clients)) for r in batch]
wall = time.perf_counter() - started
verified, failures = 0, []
for r in results:
    if r["error"]:
        continue
    done = subprocess.run(["openssl", "ts", "-verify", "-in", f"{work}/{r['tag']}.tsr", "-queryfile",
                           f"{work}/{r['tag']}.tsq", "-CAfile", "/srv/govcloud/pki/root.pem",
                           "-untrusted", "/srv/govcloud/pki/issuing.pem"], capture_output=True, text=True)
    if done.returncode == 0 and "Verification: OK" in done.stdout:
        verified += 1
    else:
        failures.append(r["tag"])
print(json.dumps({"wall_seconds": wall, "results": results, "verified": verified, "verify_failures": failures}))
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def run_load(name: str, clients: int, requests: int) -> dict[str, Any]:
    work = f"/var/tmp/tsa-load-{uuid.uuid4().hex[:6]}"
    done = podman("exec", "-i", name, "python3", "-", str(clients), str(requests), work, stdin=CLIENT, timeout=3600)
    podman("exec", name, "rm", "-rf", work)
    if done.returncode != 0:
        raise SystemExit(f"the load client failed: {done.stderr.strip()[-2000:]}")
    raw: dict[str, Any] = json.loads(done.stdout)
    results = raw["results"]
    ok = [r["seconds"] for r in results if not r["error"]]
    errors = [r for r in results if r["error"]]
    return {
        "clients": clients,
        "requests_per_client": requests,
        "requests": len(results),
        "errors": len(errors),
        "error_samples": sorted({r["error"] for r in errors})[:5],
        "verified": raw["verified"],
        "verify_failures": len(raw["verify_failures"]),
        "wall_seconds": round(raw["wall_seconds"], 2),
        "throughput_per_second": round(len(ok) / raw["wall_seconds"], 1) if raw["wall_seconds"] else 0.0,
        "latency_ms": {
            "p50": round(percentile(ok, 50) * 1000, 1),
            "p90": round(percentile(ok, 90) * 1000, 1),
            "p99": round(percentile(ok, 99) * 1000, 1),
            "max": round(max(ok) * 1000, 1) if ok else None,
        },
        "machine": {"nproc": os.cpu_count(), "loadavg_before": None},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20, help="requests per client")
    parser.add_argument("--container", help="a running host with roles/tsa applied (default: start one)")
    parser.add_argument("--out", type=Path, help="write the result as JSON")
    args = parser.parse_args(argv)
    with ca_host(args.container, "tsa-bench") as name:
        load_before = os.getloadavg()
        result = run_load(name, args.clients, args.requests)
        result["machine"]["loadavg_before"] = [round(x, 2) for x in load_before]
    lat = result["latency_ms"]
    print(f"{result['clients']} clients x {result['requests_per_client']} requests = {result['requests']}: "
          f"{result['errors']} errors, {result['verified']} tokens verified ({result['verify_failures']} failed); "
          f"p50 {lat['p50']} ms, p90 {lat['p90']} ms, p99 {lat['p99']} ms, max {lat['max']} ms; "
          f"{result['throughput_per_second']}/s over {result['wall_seconds']} s")  # fmt: skip
    write_result(args.out, result)
    return (
        0
        if result["errors"] == 0 and result["verify_failures"] == 0 and result["verified"] == result["requests"]
        else 1
    )


if __name__ == "__main__":
    sys.exit(main())

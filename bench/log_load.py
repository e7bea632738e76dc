"""Load on the central audit log: a client sends R lines/s for D s over RELP + mutual TLS; zero lost.

    .venv/bin/python -m bench.log_load                              # own zone (2 containers), 10,000/s x 60 s
    .venv/bin/python -m bench.log_load --rate 5000 --seconds 30
    .venv/bin/python -m bench.log_load --zone govcloud-trust-test-ID # a zone tests/trust kept (GOVCLOUD_TRUST_KEEP=1)
    .venv/bin/python -m bench.log_load --out bench/results/log_load.json

Without `--zone` it starts the tests/trust zone (`govcloud-trust-test-<id>-{net,server,client}`,
`--network none`, one loopback shared by both), converges site.yml with the tags `trust_ca,trust_log`
(the CA, the audit-log server, every host's forwarding) and removes the containers at the end.

On the client, a second imuxsock socket (`/run/govcloud-bench.sock`, no rate limit) feeds the
forwarding ruleset of roles/log_forwarding, i.e. the same omrelp action, queue and TLS as the
host's security logs. A generator paces datagrams of ~120 bytes (`bench-<run> n=<i>`) at the rate
asked; the socket blocks when rsyslog does not keep up, so the rate it reaches is what the
pipeline takes in. Halfway (`--restart-at`), the receiver (the server's rsyslog: imrelp, the queue,
the writer) is restarted. Afterwards the store is read until every line is there or `--drain-timeout`
passes: sent and stored (distinct n) are counted on both ends, lost = sent - stored; duplicates
(RELP resends after the restart) are reported apart. CPU seconds per process come from /proc.
Exit 1 if anything was lost or the chain does not verify.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench.result import write_result

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

# the trust suite's zone (containers, inventory, converge): the same hosts the tests prove
from trust.conftest import (  # type: ignore[import-not-found]  # noqa: E402
    TrustHost,
    TrustZone,
    inventory_doc,
    remove_zone,
    start_zone,
)

STORE = "/var/lib/govcloud/audit-log"
BENCH_CONF = """module(load="imuxsock")
input(type="imuxsock" Socket="/run/govcloud-bench.sock" CreatePath="on" RateLimit.Interval="0"
      ruleset="govcloud_files")
"""
# Runs inside the client: paced sending, one JSON line of what was sent.
GENERATOR = r"""
import json, socket, sys, time
rate, seconds, run = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect("/run/govcloud-bench.sock")
pad = b"x" * 40
total = int(rate * seconds)
start = time.monotonic()
sent, slice_n = 0, max(1, rate // 100)  # 10 ms slices
while sent < total:
    for _ in range(min(slice_n, total - sent)):
        sent += 1
        s.send(b"<182>govcloud-bench: %s n=%d %s" % (run.encode(), sent, pad))
    due = start + sent / rate
    delay = due - time.monotonic()
    if delay > 0:
        time.sleep(delay)
print(json.dumps({"sent": sent, "seconds": time.monotonic() - start, "cpu_seconds": time.process_time()}))
"""
# CPU ticks per process (pid -> [command, ticks]); sampled during the run, so a process that
# exits or is restarted (the receiver) still counts.
CPU = r"""
import json, os
out = {}
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        continue
    comm = stat[stat.index("(") + 1:stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2:].split()
    out[pid] = [comm, int(fields[11]) + int(fields[12])]
print(json.dumps(out))
"""
COUNT = (
    "cat {store}/*.log | grep -F -- ' {run} n=' | grep -o ' n=[0-9]*' | sort | uniq -c "
    "| awk '{{d += $1 - 1; n++}} END {{print n + 0, d + 0}}'"
)


class CpuMeter:
    """CPU seconds per command over a run: first and last tick count seen for every pid."""

    def __init__(self, host: TrustHost) -> None:
        self.host = host
        self.first: dict[str, tuple[str, int]] = {}
        self.last: dict[str, tuple[str, int]] = {}
        self.before: set[str] = set()

    def sample(self) -> None:
        seen: dict[str, list[Any]] = json.loads(self.host.ok(f"python3 - <<'EOF'\n{CPU}\nEOF"))
        for pid, (comm, ticks) in seen.items():
            self.first.setdefault(pid, (comm, ticks))
            self.last[pid] = (comm, ticks)

    def seconds(self) -> dict[str, float]:
        per_comm: dict[str, float] = {}
        for pid, (comm, ticks) in self.last.items():
            start = self.first[pid][1] if pid in self.before else 0  # born during the run: all of it
            per_comm[comm] = per_comm.get(comm, 0.0) + (ticks - start) / os.sysconf("SC_CLK_TCK")
        return {comm: round(value, 1) for comm, value in sorted(per_comm.items()) if value >= 0.1}

    def start(self) -> None:
        self.sample()
        self.before = set(self.first)
        self.last = dict(self.first)


def head_seq(host: TrustHost) -> int:
    return int(json.loads(host.ok("cat /var/lib/govcloud/audit-log-anchor/head.json"))["seq"])


def counted(server: TrustHost, run: str) -> tuple[int, int]:
    distinct, duplicates = server.ok(COUNT.format(store=STORE, run=run), timeout=600).split()
    return int(distinct), int(duplicates)


def run_load(zone: TrustZone, rate: int, seconds: float, restart_at: float, drain_timeout: float) -> dict[str, Any]:
    server, client = zone.server, zone.client
    client.ok(f"cat > /etc/rsyslog.d/90-govcloud-bench.conf <<'EOF'\n{BENCH_CONF}EOF\nsystemctl restart rsyslog")
    client.ok("for i in $(seq 50); do [ -S /run/govcloud-bench.sock ] && break; sleep 0.1; done")
    run = f"bench-{uuid.uuid4().hex[:8]}"
    meters = {"client": CpuMeter(client), "server": CpuMeter(server)}
    for meter in meters.values():
        meter.start()
    seq_before = head_seq(server)
    load_before = os.getloadavg()
    started = time.monotonic()
    generator = subprocess.Popen(
        ["podman", "exec", client.name, "python3", "-c", GENERATOR, str(rate), str(seconds), run],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    samples: list[tuple[float, int]] = []
    restarted = restart_done = None
    while generator.poll() is None:
        elapsed = time.monotonic() - started
        if restarted is None and elapsed >= restart_at:
            restarted = elapsed
            server.ok("systemctl restart rsyslog")
            restart_done = time.monotonic() - started
        samples.append((round(elapsed, 1), head_seq(server) - seq_before))
        for meter in meters.values():
            meter.sample()
        time.sleep(1)
    out, err = generator.communicate()
    if generator.returncode != 0:
        raise SystemExit(f"the generator failed: {err}")
    sent_doc = json.loads(out)
    sent = int(sent_doc["sent"])
    send_end = time.monotonic() - started
    # drain: until the store's head stops short of nothing (cheap), then count exactly
    deadline = time.monotonic() + drain_timeout
    while time.monotonic() < deadline:
        stored = head_seq(server) - seq_before
        samples.append((round(time.monotonic() - started, 1), stored))
        if stored >= sent:
            break
        meters["server"].sample()
        time.sleep(1)
    drained = time.monotonic() - started
    for meter in meters.values():
        meter.sample()
    distinct, duplicates = counted(server, run)
    settle = time.monotonic() + 30  # other records (heartbeats, stunnel's log) count in the head too
    while distinct < sent and time.monotonic() < settle:
        time.sleep(2)
        distinct, duplicates = counted(server, run)
        drained = time.monotonic() - started
    verify_start = time.monotonic()
    verify = server.run("govcloud-logstore verify", timeout=900)
    verify_seconds = time.monotonic() - verify_start
    client.ok("rm -f /etc/rsyslog.d/90-govcloud-bench.conf && systemctl restart rsyslog")
    busy = {side: meter.seconds() for side, meter in meters.items()}
    for side in busy.values():
        side.pop("python3", None)  # the samplers (and the generator, counted by itself below)
    busy["client"]["generator (python3)"] = round(sent_doc["cpu_seconds"], 1)
    # the store's intake per second, between samples
    rates = [
        (b[1] - a[1]) / (b[0] - a[0])
        for a, b in itertools.pairwise(samples)
        if b[0] > a[0]
    ]  # fmt: skip
    return {
        "run": run,
        "rate_asked": rate,
        "seconds_asked": seconds,
        "sent": sent,
        "send_seconds": round(sent_doc["seconds"], 2),
        "rate_sent": round(sent / sent_doc["seconds"], 1),
        "stored_distinct": distinct,
        "lost": sent - distinct,
        "duplicates": duplicates,
        "receiver_restart_at_s": round(restarted or 0.0, 1),
        "receiver_restart_took_s": round((restart_done or 0.0) - (restarted or 0.0), 1),
        "drain_after_send_s": round(drained - send_end, 1),
        "end_to_end_rate": round(distinct / drained, 1) if drained else 0.0,
        "store_intake_peak_per_s": round(max(rates), 1) if rates else 0.0,
        "verify": {
            "rc": verify.returncode,
            "seconds": round(verify_seconds, 1),
            "report": verify.stdout.strip()[-300:],
        },
        "cpu_seconds": busy,
        "samples": samples,
        "machine": {
            "nproc": os.cpu_count(),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
    }


def own_zone(tags: str) -> TrustZone:
    import tempfile

    import yaml  # type: ignore[import-untyped]

    folder = Path(tempfile.mkdtemp(prefix="govcloud-log-bench-"))
    zone = TrustZone(f"govcloud-trust-bench-{uuid.uuid4().hex[:8]}", folder / "hosts.yml")
    zone.inventory.write_text(yaml.safe_dump(inventory_doc(zone), sort_keys=False), encoding="utf-8")
    start_zone(zone)
    done = zone.converge(tags)
    if done.returncode != 0 or done.failed != 0:
        remove_zone(zone)
        raise SystemExit(f"converging the zone failed:\n{done.output[-3000:]}")
    return zone


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=int, default=10_000, help="lines per second asked (default 10000)")
    parser.add_argument("--seconds", type=float, default=60.0, help="sending time (default 60)")
    parser.add_argument("--restart-at", type=float, help="restart the receiver after this many seconds (default: half)")
    parser.add_argument("--drain-timeout", type=float, default=600.0, help="wait this long for the backlog")
    parser.add_argument("--zone", help="prefix of a running, converged tests/trust zone (default: start one)")
    parser.add_argument("--tags", default="trust_ca,trust_log", help="tags converged in an own zone")
    parser.add_argument("--out", type=Path, help="write the result as JSON")
    args = parser.parse_args(argv)
    if args.rate <= 0 or args.seconds <= 0:
        parser.error("--rate and --seconds must be positive")
    own = args.zone is None
    zone = None
    try:
        if own:
            print(f"starting a zone and converging {args.tags} ...", file=sys.stderr)
            begun = time.monotonic()
            zone = own_zone(args.tags)
            print(f"... ready in {time.monotonic() - begun:.0f} s", file=sys.stderr)
        else:
            zone = TrustZone(args.zone, Path("/dev/null"))
        restart_at = args.seconds / 2 if args.restart_at is None else args.restart_at
        result = run_load(zone, args.rate, args.seconds, restart_at, args.drain_timeout)
    finally:
        if own and zone is not None:
            remove_zone(zone)
    print(f"{result['sent']} lines sent in {result['send_seconds']} s ({result['rate_sent']}/s, asked "
          f"{result['rate_asked']}/s); stored {result['stored_distinct']}, lost {result['lost']}, "
          f"duplicates {result['duplicates']}; receiver restarted at {result['receiver_restart_at_s']} s; "
          f"drained {result['drain_after_send_s']} s after sending ended; end-to-end {result['end_to_end_rate']}/s; "
          f"verify rc {result['verify']['rc']} in {result['verify']['seconds']} s; "
          f"CPU s {result['cpu_seconds']}")  # fmt: skip
    write_result(args.out, result)
    return 0 if result["lost"] == 0 and result["verify"]["rc"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

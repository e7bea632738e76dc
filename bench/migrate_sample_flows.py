"""Write a legacy firewall's connection log for the audit-online sample, deterministically.

    .venv/bin/python -m bench.migrate_sample_flows                      # the committed sample
    .venv/bin/python -m bench.migrate_sample_flows --rows 1000000 --out /tmp/big.csv

Rows are `time,source,destination,port,protocol,count` as a flow collector exports them. The
application's real flows (see FLOWS) make up most rows; the rest are desktop users reaching
the web tier (one end outside the application), the old infrastructure (DNS), and noise: scans
and stray connections seen once or twice, which discovery drops below its threshold. The same
seed and row count always give the same file (tests/migrate compares what discovery finds).
"""

from __future__ import annotations

import argparse
import csv
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "catalog" / "legacy" / "audit-online.flows.csv"
SAMPLE_ROWS = 4000
SEED = 20240601

# Current addresses of the audit-online sample's tiers and peers (catalog/legacy/audit-online.yaml).
ADDRESSES = {
    "collector": ["192.168.51.11", "192.168.51.12"],
    "analysis": ["192.168.52.11", "192.168.52.12"],
    "db": ["192.168.53.11", "192.168.53.12"],
    "web": ["192.168.54.11"],
    "finance-db": ["192.168.30.21", "192.168.30.22"],
    "national-audit": ["10.200.1.5", "10.200.1.6"],
}
# (from, to, ports, protocol, weight): what the application really does.
FLOWS: tuple[tuple[str, str, tuple[int, ...], str, int], ...] = (
    ("web", "analysis", (8443,), "tcp", 12),
    ("analysis", "db", (5432,), "tcp", 20),
    ("collector", "db", (5432,), "tcp", 14),
    ("db", "db", (5432,), "tcp", 4),
    ("collector", "analysis", (9092, 9093, 9094), "tcp", 12),  # Kafka brokers: merged into a range
    ("analysis", "collector", (7001,), "tcp", 5),  # collection tasks pushed back: a cycle
    ("collector", "finance-db", (5432,), "tcp", 8),
    ("analysis", "national-audit", (443,), "tcp", 3),
)
USER_SHARE = 0.12  # desktops -> web 443
INFRA_SHARE = 0.04  # tiers -> the old DNS server
NOISE_SHARE = 0.05  # scans and strays: 1-2 connections each


def _pick(rng: random.Random, end: str) -> str:
    return rng.choice(ADDRESSES[end])


def rows(count: int, seed: int = SEED) -> Iterator[list[str]]:
    """Yield `count` CSV rows (lists of text), deterministically for (count, seed)."""
    rng = random.Random(seed)
    start = datetime(2024, 6, 1, tzinfo=UTC)
    ends = list(ADDRESSES)
    weights = [f[4] for f in FLOWS]
    for n in range(count):
        when = (start + timedelta(seconds=n * 7 * 86400 // max(count, 1))).strftime("%Y-%m-%dT%H:%M:%SZ")
        roll = rng.random()
        if roll < USER_SHARE:
            src = f"192.168.{rng.randint(100, 120)}.{rng.randint(2, 254)}"
            yield [when, src, _pick(rng, "web"), "443", "tcp", str(rng.randint(1, 40))]
        elif roll < USER_SHARE + INFRA_SHARE:
            src = _pick(rng, rng.choice(["collector", "analysis", "db", "web"]))
            yield [when, src, "192.168.50.2", "53", "udp", str(rng.randint(5, 200))]
        elif roll < USER_SHARE + INFRA_SHARE + NOISE_SHARE:
            src = _pick(rng, rng.choice(ends[:4]))
            dst = _pick(rng, rng.choice(ends))
            port = rng.choice((22, 23, 135, 139, 445, 3389, 5900, rng.randint(1024, 65535)))
            yield [when, src, dst, str(port), rng.choice(("tcp", "tcp", "udp")), str(rng.randint(1, 2))]
        else:
            src_end, dst_end, ports, proto, _ = rng.choices(FLOWS, weights)[0]
            src, dst = _pick(rng, src_end), _pick(rng, dst_end)
            if src_end == dst_end == "db":
                src, dst = ADDRESSES["db"]  # replication runs from the primary to the standby
            yield [when, src, dst, str(rng.choice(ports)), proto, str(rng.randint(5, 300))]


def write(path: Path, count: int, seed: int = SEED) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(["time", "source", "destination", "port", "protocol", "count"])
        out.writerows(rows(count, seed))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=SAMPLE_ROWS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=SAMPLE)
    args = parser.parse_args()
    print(f"wrote {write(args.out, args.rows, args.seed)} ({args.rows} rows)")


if __name__ == "__main__":
    main()

"""Discovery: the sample CSV gives exactly the application's flows; noise is dropped, ports are
merged, memory stays flat, and bad rows are reported with file, line and column."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from govcloud.catalog.loader import Catalog
from govcloud.migrate.discover import discover, merge_ports
from govcloud.migrate.load import find_app, load_app
from govcloud.migrate.model import LegacyApp

from .conftest import CATALOG, LEGACY, migrate, migrate_sample_flows

SAMPLE_CSV = LEGACY / "audit-online.flows.csv"
EXPECTED = {
    ("analysis", "collector", ("7001/tcp",)),
    ("analysis", "db", ("5432/tcp",)),
    ("analysis", "national-audit", ("443/tcp",)),
    ("collector", "analysis", ("9092-9094/tcp",)),
    ("collector", "db", ("5432/tcp",)),
    ("collector", "finance-db", ("5432/tcp",)),
    ("db", "db", ("5432/tcp",)),
    ("web", "analysis", ("8443/tcp",)),
}


@pytest.fixture(scope="module")
def audit(catalog: Catalog) -> LegacyApp:
    return load_app(find_app("audit-online", CATALOG), catalog).app


def test_discovery_on_the_sample_csv_finds_exactly_the_expected_flows(audit: LegacyApp) -> None:
    found = discover(SAMPLE_CSV, audit, 20)
    assert {(c.source, c.destination, c.ports) for c in found.candidates} == EXPECTED
    assert found.rows == migrate_sample_flows.SAMPLE_ROWS
    assert found.ignored_columns == ("time",)
    # the noise (scans of 22, 3389, 445, ... seen once or twice) is what was dropped
    assert len(found.noise) > 50 and all(n < 20 for *_, n in found.noise)
    assert {"22/tcp", "3389/tcp"} & {p for _, _, p, _ in found.noise}
    # desktops reaching the web tier and the old DNS server have one end outside the app
    assert found.unmapped[0][:3] == ("(unmapped)", "web", "443/tcp")


def test_the_threshold_decides_what_is_noise(audit: LegacyApp) -> None:
    everything = discover(SAMPLE_CSV, audit, 1)
    ports = {p for c in everything.candidates for p in c.ports}
    assert len(everything.candidates) > len(EXPECTED)
    assert "3389/tcp" in ports or "22/tcp" in ports
    strict = discover(SAMPLE_CSV, audit, 20_000)
    assert {(c.source, c.destination) for c in strict.candidates} < {(s, d) for s, d, _ in EXPECTED}


def test_ports_merge_into_ranges_no_wider_than_the_pack_allows() -> None:
    assert merge_ports([("tcp", 443), ("tcp", 8080), ("tcp", 8081), ("tcp", 8082), ("udp", 53)]) == [
        "443/tcp",
        "8080-8082/tcp",
        "53/udp",
    ]
    wide = merge_ports([("tcp", p) for p in range(10000, 10100)])
    assert wide == ["10000-10063/tcp", "10064-10099/tcp"]
    assert merge_ports([("icmp", 0), ("tcp", 22)]) == ["22/tcp", "icmp"]


def test_memory_does_not_grow_with_the_rows(audit: LegacyApp, tmp_path: Path) -> None:
    peaks = []
    for rows in (20_000, 200_000):
        path = migrate_sample_flows.write(tmp_path / f"{rows}.csv", rows)
        tracemalloc.start()
        discover(path, audit, 20)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < peaks[0] * 1.5 + 512 * 1024, peaks  # ten times the rows, not ten times the memory


def test_discover_cli_finds_the_app_from_its_csv_and_prints_json(zone: Path) -> None:
    result = migrate("discover", str(zone / "legacy" / "audit-online.flows.csv"), "--catalog", str(zone), "-f", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["app"] == "audit-online"
    assert {(c["from"], c["to"], tuple(c["ports"])) for c in doc["candidates"]} == EXPECTED


def test_discover_cli_writes_connections_to_paste(zone: Path, tmp_path: Path) -> None:
    out = tmp_path / "found.yaml"
    result = migrate(
        "discover", str(SAMPLE_CSV), "--app", "audit-online", "--catalog", str(zone), "-f", "yaml", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "connections:" in text and "9092-9094/tcp" in text


BAD_ROWS = [
    ("192.168.51.11,999.1.1.1,5432,tcp,30", "destination: '999.1.1.1' is not an IPv4 address"),
    ("192.168.51.11,192.168.53.11,70000,tcp,30", "port: '70000' is not a port (allowed: 1-65535"),
    ("192.168.51.11,192.168.53.11,5432,sctp,30", "protocol: 'sctp' is not a protocol (allowed: tcp, udp, icmp"),
    ("192.168.51.11,192.168.53.11,5432,tcp,many", "count: 'many' is not a count"),
    ("192.168.51.11,192.168.53.11", "2 column(s) (allowed: at least 5)"),
]


@pytest.mark.parametrize(("row", "message"), BAD_ROWS)
def test_a_bad_row_is_reported_with_file_line_and_column_and_nothing_is_written(
    row: str, message: str, zone: Path, tmp_path: Path
) -> None:
    csv_file = tmp_path / "flows.csv"
    good = "192.168.51.11,192.168.53.11,5432,tcp,30"
    csv_file.write_text(f"source,destination,port,protocol,count\n{good}\n{good}\n{row}\n{good}\n", encoding="utf-8")
    out = tmp_path / "found.json"
    result = migrate("discover", str(csv_file), "--app", "audit-online", "-c", str(zone), "-f", "json", "-o", str(out))
    assert result.exit_code == 2, result.output
    assert f"flows.csv:4: {message}" in result.stderr
    assert not out.exists()


def test_a_csv_without_the_needed_columns_is_refused_on_line_1(zone: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "flows.csv"
    csv_file.write_text("src,dst,port,bytes\n10.0.0.1,10.0.0.2,80,5\n", encoding="utf-8")
    result = migrate("discover", str(csv_file), "--app", "audit-online", "-c", str(zone))
    assert result.exit_code == 2
    assert "flows.csv:1: header lacks protocol (or proto); count (or sessions, connections, hits)" in result.stderr

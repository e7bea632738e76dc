"""Observed connections (a flow collector's or firewall log's CSV) to candidate flows.

The CSV is streamed row by row with the csv module: memory stays flat whatever its length
(what is kept grows with the application's ends and ports, never with the rows). Each address
is mapped to a tier (by its hosts' current addresses) or a peer (by its addresses or networks);
counts are summed per (from, to, protocol, port); ports seen fewer than `min_count` times are
noise and dropped; the ports that remain are merged into ranges.
"""

from __future__ import annotations

import csv
import ipaddress
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from govcloud.catalog.errors import CatalogError, CatalogInvalid, relative
from govcloud.migrate.model import LegacyApp

MAX_ERRORS = 50  # a broken export repeats its fault on every row: stop after this many
MAX_PORT_SPAN = 64  # the policy pack refuses wider ranges (GC-SG-03)
ADDRESS_CACHE = 200_000  # distinct addresses remembered between rows (then forgotten: memory stays bounded)
UNMAPPED = "(unmapped)"
PROTOCOLS = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "6": "tcp", "17": "udp", "1": "icmp"}
COLUMNS: dict[str, tuple[str, ...]] = {
    "source": ("source", "src", "src_ip", "source_ip", "srcaddr"),
    "destination": ("destination", "dst", "dst_ip", "destination_ip", "dest", "dstaddr"),
    "port": ("port", "dst_port", "dport", "destination_port", "dstport"),
    "protocol": ("protocol", "proto"),
    "count": ("count", "sessions", "connections", "hits"),
}

Key = tuple[str, str, str, int]  # (from, to, protocol, port); port 0 for icmp


@dataclass(frozen=True)
class Candidate:
    """A candidate flow: from one end to another, its merged ports and what was seen."""

    source: str
    destination: str
    ports: tuple[str, ...]
    count: int
    port_counts: tuple[tuple[str, int], ...]  # each port kept, with how often it was seen


@dataclass
class DiscoveryResult:
    path: Path
    rows: int = 0
    min_count: int = 10
    candidates: list[Candidate] = field(default_factory=list)
    noise: list[tuple[str, str, str, int]] = field(default_factory=list)  # (from, to, port, count) dropped
    noise_rows: int = 0
    unmapped: list[tuple[str, str, str, int]] = field(default_factory=list)  # one end unknown: (from, to, port, n)
    unmapped_rows: int = 0
    between_unknown_rows: int = 0  # neither end belongs to the application
    ignored_columns: tuple[str, ...] = ()

    @property
    def noise_count(self) -> int:
        return sum(n for *_, n in self.noise)


class Ends:
    """Address -> tier or peer name, longest prefix first; remembers recent answers."""

    def __init__(self, app: LegacyApp) -> None:
        self.hosts = {ip: h.tier for h in app.hosts for ip in h.addresses}
        nets = [(ipaddress.IPv4Network(a), p.name) for p in app.peers for a in p.addresses]
        nets.sort(key=lambda n: -n[0].prefixlen)
        self.nets = [(int(n.network_address), int(n.netmask), name) for n, name in nets]
        self.cache: dict[str, str | None] = {}

    def lookup(self, text: str) -> str | None:
        """The end owning address `text`, UNMAPPED for a foreign address, None if it does not parse."""
        hit = self.cache.get(text, "")
        if hit != "":
            return hit
        answer = self._resolve(text)
        if len(self.cache) >= ADDRESS_CACHE:
            self.cache.clear()
        self.cache[text] = answer
        return answer

    def _resolve(self, text: str) -> str | None:
        try:
            addr = ipaddress.IPv4Address(text.strip())
        except ValueError:
            return None
        tier = self.hosts.get(str(addr))
        if tier is not None:
            return tier
        value = int(addr)
        for network, mask, name in self.nets:
            if value & mask == network:
                return name
        return UNMAPPED


def _header(reader: Iterator[list[str]], name: str) -> tuple[dict[str, int], tuple[str, ...]]:
    try:
        header = next(reader)
    except StopIteration:
        raise CatalogInvalid(
            [CatalogError(name, 1, "", "the file is empty (allowed: a header row, then rows)")]
        ) from None
    lowered = [h.strip().lower().lstrip("\ufeff") for h in header]
    index: dict[str, int] = {}
    missing = []
    for column, aliases in COLUMNS.items():
        found = next((i for i, h in enumerate(lowered) if h in aliases), None)
        if found is None:
            missing.append(f"{column} (or {', '.join(aliases[1:])})" if column != "protocol" else "protocol (or proto)")
        else:
            index[column] = found
    if missing:
        got = ", ".join(header) or "nothing"
        raise CatalogInvalid([CatalogError(name, 1, "", f"header lacks {'; '.join(missing)} (got: {got})")])
    ignored = tuple(header[i] for i in range(len(header)) if i not in index.values())
    return index, ignored


class _Counted:
    """Iterate a text file's lines while counting characters read (for progress)."""

    def __init__(self, handle: TextIO) -> None:
        self.handle = handle
        self.read = 0

    def __iter__(self) -> Iterator[str]:
        for line in self.handle:
            self.read += len(line)
            yield line


def discover(
    path: Path,
    app: LegacyApp,
    min_count: int,
    on_progress: Callable[[int], None] | None = None,
) -> DiscoveryResult:
    """Stream `path` and return the candidate flows; CatalogInvalid (file:line: column: ...) on bad rows."""
    name = relative(path)
    ends = Ends(app)
    counts: dict[Key, int] = {}
    unmapped: dict[Key, int] = {}
    result = DiscoveryResult(path=path, min_count=min_count)
    errors: list[CatalogError] = []
    try:
        handle = path.open(encoding="utf-8", newline="")
    except OSError as exc:
        raise CatalogInvalid([CatalogError(name, 1, "", f"cannot read file ({exc.strerror})")]) from None
    with handle:
        counted = _Counted(handle)
        reader = csv.reader(counted)
        try:
            index, result.ignored_columns = _header(reader, name)
            i_src, i_dst, i_port = index["source"], index["destination"], index["port"]
            i_proto, i_count = index["protocol"], index["count"]
            width = max(index.values()) + 1
            for row in reader:
                line = reader.line_num
                if len(row) < width:
                    if not any(cell.strip() for cell in row):
                        continue  # blank line
                    errors.append(CatalogError(name, line, "", f"{len(row)} column(s) (allowed: at least {width})"))
                else:
                    problem = _row(row, i_src, i_dst, i_port, i_proto, i_count, ends, counts, unmapped, result)
                    if problem:
                        errors.append(CatalogError(name, line, problem[0], problem[1]))
                if len(errors) >= MAX_ERRORS:
                    errors.append(CatalogError(name, line, "", f"stopped reading after {MAX_ERRORS} errors"))
                    break
                result.rows += 1
                if on_progress is not None and result.rows % 50_000 == 0:
                    on_progress(counted.read)
        except csv.Error as exc:
            errors.append(CatalogError(name, reader.line_num, "", f"CSV syntax: {exc}"))
        except UnicodeDecodeError as exc:
            errors.append(CatalogError(name, reader.line_num + 1, "", f"not UTF-8 text ({exc.reason})"))
    if errors:
        raise CatalogInvalid(errors)
    if on_progress is not None:
        on_progress(counted.read)
    _summarise(result, counts, unmapped)
    return result


def _row(
    row: list[str],
    i_src: int,
    i_dst: int,
    i_port: int,
    i_proto: int,
    i_count: int,
    ends: Ends,
    counts: dict[Key, int],
    unmapped: dict[Key, int],
    result: DiscoveryResult,
) -> tuple[str, str] | None:
    """Count one row; (column, problem) when it is malformed."""
    src = ends.lookup(row[i_src])
    if src is None:
        return "source", f"{row[i_src]!r} is not an IPv4 address (e.g. 192.168.10.11)"
    dst = ends.lookup(row[i_dst])
    if dst is None:
        return "destination", f"{row[i_dst]!r} is not an IPv4 address (e.g. 192.168.10.11)"
    proto = PROTOCOLS.get(row[i_proto].strip().lower())
    if proto is None:
        return "protocol", f"{row[i_proto]!r} is not a protocol (allowed: tcp, udp, icmp or 6, 17, 1)"
    text = row[i_count].strip()
    if not text.isdigit():
        return "count", f"{row[i_count]!r} is not a count (allowed: a whole number >= 0)"
    seen = int(text)
    port_text = row[i_port].strip()
    if proto == "icmp":
        port = 0
    elif port_text.isdigit() and 1 <= int(port_text) <= 65535:
        port = int(port_text)
    else:
        return "port", f"{row[i_port]!r} is not a port (allowed: 1-65535; empty or 0 for icmp)"
    if src == UNMAPPED and dst == UNMAPPED:
        result.between_unknown_rows += 1
    elif UNMAPPED in (src, dst):
        key = (src, dst, proto, port)
        unmapped[key] = unmapped.get(key, 0) + seen
        result.unmapped_rows += 1
    else:
        key = (src, dst, proto, port)
        counts[key] = counts.get(key, 0) + seen
    return None


def port_spec(proto: str, low: int, high: int) -> str:
    if proto == "icmp":
        return "icmp"
    return f"{low}/{proto}" if low == high else f"{low}-{high}/{proto}"


def merge_ports(ports: list[tuple[str, int]]) -> list[str]:
    """(protocol, port) pairs to port specs: neighbours merge into ranges of at most 64 ports."""
    out: list[str] = []
    for proto in ("tcp", "udp"):
        numbers = sorted({p for pr, p in ports if pr == proto})
        start = prev = None
        for number in numbers:
            if start is not None and prev is not None and number == prev + 1 and number - start < MAX_PORT_SPAN:
                prev = number
                continue
            if start is not None and prev is not None:
                out.append(port_spec(proto, start, prev))
            start = prev = number
        if start is not None and prev is not None:
            out.append(port_spec(proto, start, prev))
    if any(pr == "icmp" for pr, _ in ports):
        out.append("icmp")
    return out


def _summarise(result: DiscoveryResult, counts: dict[Key, int], unmapped: dict[Key, int]) -> None:
    by_pair: dict[tuple[str, str], list[tuple[str, int, int]]] = {}
    for (src, dst, proto, port), n in counts.items():
        if n < result.min_count:
            result.noise.append((src, dst, port_spec(proto, port, port), n))
            continue
        by_pair.setdefault((src, dst), []).append((proto, port, n))
    result.noise.sort()
    result.noise_rows = len(result.noise)
    for (src, dst), seen in sorted(by_pair.items()):
        ports = merge_ports([(proto, port) for proto, port, _ in seen])
        per_port = tuple(
            (port_spec(proto, port, port), n) for proto, port, n in sorted(seen, key=lambda s: (s[0], s[1]))
        )
        result.candidates.append(Candidate(src, dst, tuple(ports), sum(n for *_, n in seen), per_port))
    result.unmapped = sorted(
        ((src, dst, port_spec(proto, port, port), n) for (src, dst, proto, port), n in unmapped.items()),
        key=lambda u: (-u[3], u[0], u[1], u[2]),
    )

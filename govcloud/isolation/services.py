"""Sets of services (protocol and port) as merged intervals on one axis.

The axis puts tcp ports at 0-65535, udp ports at 65536-131071, then one point for icmp and
one for every other IP protocol (ICMP types and exotic protocols are not told apart: a rule
opening one of them opens "icmp" or "other" here, which over-approximates, never hides).
A set is a tuple of inclusive (low, high) intervals, sorted and merged, so equal sets are
equal tuples and can key caches.
"""

from __future__ import annotations

from collections.abc import Iterable

Services = tuple[tuple[int, int], ...]

PORTS = 65536
TCP, UDP, ICMP, OTHER = 0, 1, 2, 3
PROTOCOL_NAMES = {TCP: "tcp", UDP: "udp", ICMP: "icmp", OTHER: "other"}
_PROTOCOLS = {
    "tcp": TCP,
    "6": TCP,
    "udp": UDP,
    "17": UDP,
    "icmp": ICMP,
    "1": ICMP,
}
ANY_PROTOCOL = frozenset({"", "any", "0", "none", "-1"})

NOTHING: Services = ()


def _base(proto: int) -> int:
    return proto * PORTS


def normalize(intervals: Iterable[tuple[int, int]]) -> Services:
    out: list[tuple[int, int]] = []
    for low, high in sorted(i for i in intervals if i[0] <= i[1]):
        if out and low <= out[-1][1] + 1:
            if high > out[-1][1]:
                out[-1] = (out[-1][0], high)
        else:
            out.append((low, high))
    return tuple(out)


EVERYTHING: Services = normalize([(0, 2 * PORTS - 1), (_base(ICMP), _base(ICMP)), (_base(OTHER), _base(OTHER))])


def protocol_index(protocol: object) -> int | None:
    """tcp/udp/icmp/other for a rule's protocol; None for 'any protocol'."""
    text = str(protocol if protocol is not None else "").strip().lower()
    if text in ANY_PROTOCOL:
        return None
    return _PROTOCOLS.get(text, OTHER)


def of_rule(protocol: object, port_min: object, port_max: object) -> Services:
    """What a security-group rule opens: its protocol and port range (none given: all ports)."""
    proto = protocol_index(protocol)
    if proto is None:
        return EVERYTHING
    if proto in (ICMP, OTHER):
        return ((_base(proto), _base(proto)),)
    low = port_min if isinstance(port_min, int) and not isinstance(port_min, bool) else None
    high = port_max if isinstance(port_max, int) and not isinstance(port_max, bool) else None
    if (low is None and high is None) or (low == 0 and high == 0):
        low, high = 0, PORTS - 1
    elif low is None:
        low = 0
    elif high is None:
        high = PORTS - 1
    assert low is not None and high is not None
    low, high = max(0, low), min(PORTS - 1, high)
    if low > high:
        return NOTHING
    return ((_base(proto) + low, _base(proto) + high),)


def of_spec(spec: str) -> Services:
    """A catalog port spec: '443/tcp', '8000-8080/udp' or 'icmp'."""
    if spec == "icmp":
        return of_rule("icmp", None, None)
    numbers, protocol = spec.split("/")
    low, _, high = numbers.partition("-")
    return of_rule(protocol, int(low), int(high or low))


def union(*sets: Services) -> Services:
    return normalize(i for s in sets for i in s)


def intersect(a: Services, b: Services) -> Services:
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        low = max(a[i][0], b[j][0])
        high = min(a[i][1], b[j][1])
        if low <= high:
            out.append((low, high))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def subtract(a: Services, b: Services) -> Services:
    out: list[tuple[int, int]] = []
    for low, high in a:
        cursor = low
        for cut_low, cut_high in b:
            if cut_high < cursor or cut_low > high:
                continue
            if cut_low > cursor:
                out.append((cursor, cut_low - 1))
            cursor = max(cursor, cut_high + 1)
            if cursor > high:
                break
        if cursor <= high:
            out.append((cursor, high))
    return tuple(out)


def overlaps(a: Services, b: Services) -> bool:
    return bool(intersect(a, b))


def render(services: Services) -> list[str]:
    """'443/tcp', '8000-8080/tcp', 'all/udp', 'icmp', 'other' (IP protocols), or ['any']."""
    if services == EVERYTHING:
        return ["any"]
    out: list[str] = []
    for low, high in services:
        for proto in range(low // PORTS, high // PORTS + 1):
            base = _base(proto)
            start, end = max(low, base) - base, min(high, base + PORTS - 1) - base
            name = PROTOCOL_NAMES[proto]
            if proto in (ICMP, OTHER):
                out.append(name)
            elif start == 0 and end == PORTS - 1:
                out.append(f"all/{name}")
            elif start == end:
                out.append(f"{start}/{name}")
            else:
                out.append(f"{start}-{end}/{name}")
    return out

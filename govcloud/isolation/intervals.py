"""IPv4 addresses as integer intervals, and the partition of the address space into classes.

Every prefix any rule, subnet, backbone or zone supernet mentions cuts the IPv4 space at its
two ends. The pieces between cuts ("atoms") are never split by any prefix, so each prefix is
a run of whole atoms. Atoms covered by exactly the same set of labels (rule behaviours,
subnets, supernets...) behave the same everywhere: they form one address class. The proof
then reasons about classes, not addresses.
"""

from __future__ import annotations

import ipaddress
from bisect import bisect_left, bisect_right
from collections.abc import Hashable, Iterable, Sequence
from typing import Generic, TypeVar

IPV4_END = 1 << 32
Interval = tuple[int, int]  # [start, end): start inclusive, end exclusive
EVERYWHERE: Interval = (0, IPV4_END)

L = TypeVar("L", bound=Hashable)


def prefix_interval(text: object) -> Interval | None:
    """The addresses of a CIDR (host bits ignored) or of a single address; None if not IPv4."""
    if not isinstance(text, str) or not text:
        return None
    try:
        net = ipaddress.IPv4Network(text.strip(), strict=False)
    except ValueError:
        return None
    start = int(net.network_address)
    return start, start + net.num_addresses


def address_text(address: int) -> str:
    return str(ipaddress.IPv4Address(address))


def interval_text(interval: Interval) -> str:
    """A CIDR when the interval is one, else 'first-last'."""
    start, end = interval
    size = end - start
    if size > 0 and size & (size - 1) == 0 and start % size == 0:
        prefix = 32 - (size.bit_length() - 1)
        return f"{address_text(start)}/{prefix}"
    return f"{address_text(start)}-{address_text(end - 1)}"


def contains(intervals: Iterable[Interval], address: int) -> bool:
    return any(start <= address < end for start, end in intervals)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, non-overlapping, adjacent ones joined."""
    out: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def subtract(intervals: Iterable[Interval], removed: Iterable[Interval]) -> list[Interval]:
    """The part of `intervals` outside `removed`."""
    cuts = merge(removed)
    out: list[Interval] = []
    for start, end in merge(intervals):
        cursor = start
        for cut_start, cut_end in cuts:
            if cut_end <= cursor or cut_start >= end:
                continue
            if cut_start > cursor:
                out.append((cursor, cut_start))
            cursor = max(cursor, cut_end)
            if cursor >= end:
                break
        if cursor < end:
            out.append((cursor, end))
    return out


def intersect(a: Iterable[Interval], b: Iterable[Interval]) -> list[Interval]:
    left, right = merge(a), merge(b)
    out: list[Interval] = []
    i = j = 0
    while i < len(left) and j < len(right):
        start = max(left[i][0], right[j][0])
        end = min(left[i][1], right[j][1])
        if start < end:
            out.append((start, end))
        if left[i][1] < right[j][1]:
            i += 1
        else:
            j += 1
    return out


class Partition:
    """The IPv4 space cut at every boundary of the given intervals into atoms 0..n-1."""

    def __init__(self, intervals: Iterable[Interval]) -> None:
        bounds = {0, IPV4_END}
        for start, end in intervals:
            bounds.add(start)
            bounds.add(end)
        self.bounds: list[int] = sorted(bounds)

    def __len__(self) -> int:
        return len(self.bounds) - 1

    def atoms(self, interval: Interval) -> range:
        """The atoms making up `interval` (whose ends must be boundaries of the partition)."""
        start, end = interval
        return range(bisect_left(self.bounds, start), bisect_left(self.bounds, end))

    def atom_of(self, address: int) -> int:
        return bisect_right(self.bounds, address) - 1

    def interval(self, atom: int) -> Interval:
        return self.bounds[atom], self.bounds[atom + 1]


class Classes(Generic[L]):
    """Atoms grouped by the exact set of labels whose intervals cover them.

    `of_atom[i]` is the class of atom i; `labels[c]` the label set of class c; `atoms[c]` the
    atoms of class c. Classes are numbered in order of their first atom (deterministic).
    """

    def __init__(self, partition: Partition, labelled: Iterable[tuple[L, Sequence[Interval]]]) -> None:
        self.partition = partition
        covering: list[list[L]] = [[] for _ in range(len(partition))]
        for label, intervals in labelled:
            for interval in intervals:
                for atom in partition.atoms(interval):
                    covering[atom].append(label)
        index: dict[frozenset[L], int] = {}
        self.of_atom: list[int] = []
        self.labels: list[frozenset[L]] = []
        self.atoms: list[list[int]] = []
        for atom, found in enumerate(covering):
            key = frozenset(found)
            cls = index.get(key)
            if cls is None:
                cls = index[key] = len(self.labels)
                self.labels.append(key)
                self.atoms.append([])
            self.of_atom.append(cls)
            self.atoms[cls].append(atom)

    def __len__(self) -> int:
        return len(self.labels)

    def of_address(self, address: int) -> int:
        return self.of_atom[self.partition.atom_of(address)]

    def of_interval(self, interval: Interval) -> dict[int, int]:
        """class -> first address of `interval` in that class (for an interval made of atoms)."""
        out: dict[int, int] = {}
        start = interval[0]
        for atom in self.partition.atoms(interval):
            cls = self.of_atom[atom]
            if cls not in out:
                out[cls] = max(start, self.partition.bounds[atom])
        return out

    def intervals(self, cls: int) -> list[Interval]:
        return merge(self.partition.interval(a) for a in self.atoms[cls])

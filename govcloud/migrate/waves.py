"""Migration waves: tiers ordered by what they depend on, cycles found and reported.

A tier depends on the tiers it opens connections to and on those named in its `after`. A tier
moves in a later wave than everything it depends on, so when it is switched over its
dependencies already run on the platform. Tiers that depend on each other (a cycle) cannot be
ordered: they are reported with the cycle and move together in one wave.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Cycle:
    members: tuple[str, ...]  # sorted
    path: tuple[str, ...]  # one cycle through them, first member repeated at the end

    def __str__(self) -> str:
        return " -> ".join(self.path)


@dataclass(frozen=True)
class Ordering:
    waves: tuple[tuple[str, ...], ...]  # tier names per wave, first wave first
    cycles: tuple[Cycle, ...]


def strongly_connected(nodes: Iterable[str], edges: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm (iterative): the graph's strongly connected components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in nodes:
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(edges.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, pending = work[-1]
            if pending:
                nxt = pending.pop(0)
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(edges.get(nxt, ()))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                out.append(sorted(component))
    return out


def _cycle_path(members: list[str], edges: dict[str, set[str]]) -> tuple[str, ...]:
    """A shortest cycle from the first member back to itself, inside the component."""
    inside = set(members)
    start = members[0]
    previous: dict[str, str] = {}
    frontier = [start]
    seen = {start}
    while frontier:
        nxt_frontier = []
        for node in frontier:
            for nxt in sorted(edges.get(node, set()) & inside):
                if nxt == start:
                    path = [start]
                    cur = node
                    while cur != start:
                        path.append(cur)
                        cur = previous[cur]
                    return (start, *reversed(path[1:]), start)
                if nxt not in seen:
                    seen.add(nxt)
                    previous[nxt] = node
                    nxt_frontier.append(nxt)
        frontier = nxt_frontier
    return (*members, members[0])


def order_tiers(tiers: list[str], depends_on: dict[str, set[str]]) -> Ordering:
    """Waves over `tiers` (in file order) where `depends_on[a]` holds the tiers `a` needs first."""
    edges = {t: {d for d in depends_on.get(t, set()) if d != t and d in tiers} for t in tiers}
    components = strongly_connected(tiers, edges)
    component_of = {member: i for i, comp in enumerate(components) for member in comp}
    cycles = tuple(Cycle(tuple(comp), _cycle_path(comp, edges)) for comp in components if len(comp) > 1)
    level: dict[int, int] = {}
    # Tarjan emits components in reverse topological order: dependencies come out first.
    for i, comp in enumerate(components):
        deps = {component_of[d] for m in comp for d in edges[m]} - {i}
        level[i] = 1 + max((level[d] for d in deps), default=0)
    position = {t: n for n, t in enumerate(tiers)}
    waves: dict[int, list[str]] = {}
    for i, comp in enumerate(components):
        waves.setdefault(level[i], []).extend(comp)
    ordered = tuple(tuple(sorted(waves[n], key=position.__getitem__)) for n in sorted(waves))
    return Ordering(ordered, cycles)

"""Layer 3: which networks routers join, over-approximated.

Every router joins every network it is attached to (its gateway network and each interface's),
in both directions: route tables, SNAT and missing return routes are not credited as
isolation, so the proof never relies on them. Hosts never forward (a host with NICs on two
networks is reported as a relay, not as a route). Two networks are routed when one chain of
routers and networks joins them.

Optionally (`core_hub`) the platform core outside the plan is assumed to route the hub zone's
backbone (say the management zone's) to every other zone's backbone, and nothing else: a
network joined to the hub's backbone is routed to a network joined to any backbone, but two
spokes are not routed through the hub.
"""

from __future__ import annotations

from collections import deque

from govcloud.isolation.network import Hop, PlanNetwork

CORE_HOP_KIND = "platform-core"


class Routing:
    def __init__(self, network: PlanNetwork, core_hub: str | None = None) -> None:
        self.network = network
        self.core_hub = core_hub
        self.adjacent: dict[str, list[tuple[str, Hop]]] = {}
        parent: dict[str, str] = {}

        def find(x: str) -> str:
            parent.setdefault(x, x)
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for key in network.networks:
            find(f"N:{key}")
        for link in network.links:
            a, b = f"R:{link.router}", f"N:{link.network}"
            self.adjacent.setdefault(a, []).append((b, link.via))
            self.adjacent.setdefault(b, []).append((a, link.via))
            parent[find(a)] = find(b)
        self.component: dict[str, str] = {k[2:]: find(k) for k in list(parent) if k.startswith("N:")}
        self.backbones = {k: n for k, n in network.networks.items() if n.kind == "backbone"}
        self.hub_components = {
            self.component[k] for k, n in self.backbones.items() if core_hub is not None and n.zone == core_hub
        }
        self.spoke_components = {self.component[k] for k in self.backbones}

    def comp(self, network: str | None) -> str | None:
        return self.component.get(network) if network is not None else None

    def routed(self, a: str | None, b: str | None) -> bool:
        ca, cb = self.comp(a), self.comp(b)
        if ca is None or cb is None:
            return False
        if ca == cb:
            return True
        hubs, spokes = self.hub_components, self.spoke_components
        return (ca in hubs and cb in spokes) or (cb in hubs and ca in spokes)

    def _bfs(self, start: str, goals: set[str]) -> tuple[list[Hop], str] | None:
        """Hops strictly between network `start` and the nearest network of `goals`, and that goal."""
        if start in goals:
            return [], start
        begin = f"N:{start}"
        previous: dict[str, tuple[str, Hop]] = {}
        seen = {begin}
        queue = deque([begin])
        while queue:
            node = queue.popleft()
            for nxt, via in self.adjacent.get(node, []):
                if nxt in seen:
                    continue
                seen.add(nxt)
                previous[nxt] = (node, via)
                if nxt.startswith("N:") and nxt[2:] in goals:
                    return self._unwind(previous, begin, nxt), nxt[2:]
                queue.append(nxt)
        return None

    def _unwind(self, previous: dict[str, tuple[str, Hop]], begin: str, end: str) -> list[Hop]:
        hops: list[Hop] = []
        node = end
        while node != begin:
            before, via = previous[node]
            if node != end:
                hops.append(self._node_hop(node))
            hops.append(via)
            node = before
        hops.reverse()
        return hops

    def _node_hop(self, node: str) -> Hop:
        if node.startswith("R:"):
            return self.network.routers[node[2:]]
        return self.network.networks[node[2:]].hop

    def path(self, a: str, b: str) -> list[Hop]:
        """Hops from network a to network b, both included (for networks that are routed)."""
        first, last = self.network.networks[a].hop, self.network.networks[b].hop
        if a == b:
            return [first]
        direct = self._bfs(a, {b})
        if direct is not None:
            return [first, *direct[0], last]
        # through the assumed platform core: a ... a backbone, the core, a backbone ... b
        hub = {k for k, n in self.backbones.items() if n.zone == self.core_hub}
        spokes = set(self.backbones)
        core = Hop(CORE_HOP_KIND, f"platform core (assumed: --core-hub {self.core_hub})", None)
        for near, far in ((hub, spokes), (spokes, hub)):
            out = self._bfs(a, near)
            if out is None:
                continue
            to_core, landing = out
            for backbone in sorted(far - {landing}):
                back = self._bfs(backbone, {b})
                if back is None:
                    continue
                hops = [first, *to_core]
                if landing != a:
                    hops.append(self.network.networks[landing].hop)
                hops += [core, self.network.networks[backbone].hop, *back[0]]
                if backbone != b:
                    hops.append(last)
                return hops
        return [first, last]

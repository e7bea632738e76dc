"""The zone isolation proof: reachability from the offline plan, and four claims about it.

`prove(plan, intent)` reads the plan's networks, routers, ports and security groups
(govcloud.isolation.network), computes which endpoint classes reach which (reach: routing
and security groups both must allow), and checks the claims (claims). The catalog, through
`Intent`, only names zones, tenants, the bastion and the exchange, and lists the declared
flows. Output format: docs/isolation-format.md.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from govcloud.isolation.claims import Claim, Prover
from govcloud.isolation.intent import Intent, build_intent
from govcloud.isolation.network import read_network
from govcloud.isolation.reach import Analysis
from govcloud.isolation.report import document
from govcloud.isolation.routing import Routing

__all__ = ["Proof", "build_intent", "prove"]


@dataclass
class Proof:
    analysis: Analysis
    prover: Prover
    claims: list[Claim]
    doc: dict[str, Any]

    @property
    def holds(self) -> bool:
        return all(c.holds for c in self.claims)

    def claim(self, claim_id: str) -> Claim:
        return next(c for c in self.claims if c.id == claim_id)


def prove(
    plan: dict[str, Any],
    intent: Intent,
    *,
    core_hub: str | None = None,
    plan_info: dict[str, Any] | None = None,
) -> Proof:
    started = time.perf_counter()
    network = read_network(plan, intent)
    routing = Routing(network, core_hub)
    analysis = Analysis(network, intent, routing)
    prover = Prover(analysis, intent)
    claims = prover.prove()
    info = plan_info or {
        "path": None,
        "stack": plan.get("stack"),
        "generated_at": plan.get("generated_at"),
        "catalog_sha256": (plan.get("catalog") or {}).get("sha256"),
        "catalog_matches": None,
    }
    doc = document(analysis, prover, claims, intent, info, core_hub, time.perf_counter() - started)
    return Proof(analysis, prover, claims, doc)

"""The lab's network, built from the plan (docs/lab.md, "Network").

model.py derives what to build from the isolation proof's reading of the plan (no second
plan reader), nft.py generates the nftables rulesets (security groups, routers, the
platform core), realize.py runs ip/nft to build and remove it, verify.py checks the proof
with real TCP connections (probe.py runs inside the namespaces).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govcloud.catalog.loader import Catalog
from govcloud.isolation.intent import Intent, build_intent, read_stack_config
from govcloud.lab.network.model import LabNetwork, build_lab_network
from govcloud.lab.network.realize import BuildStats, build, present, teardown

__all__ = ["BuildStats", "LabNetwork", "NetworkSource", "build", "build_lab_network", "present", "teardown"]


@dataclass(frozen=True)
class NetworkSource:
    """What `lab up` builds the network from: the plan and the catalog's names for it."""

    plan: dict[str, Any]
    intent: Intent

    @classmethod
    def of(cls, plan: dict[str, Any], catalog: Catalog, project_dir: Path = Path(".")) -> NetworkSource:
        """The catalog names the backbones and the internet network, as for `govcloud isolation`."""
        return cls(plan, build_intent(catalog, read_stack_config(project_dir, str(plan.get("stack") or ""))))

    def up(self, hosts: Mapping[str, str], progress: Callable[[str], None]) -> LabNetwork:
        """Build (or rebuild) the network for `hosts` (host name -> container name)."""
        lab = build_lab_network(self.plan, self.intent, hosts)
        for note in lab.notes:
            progress(f"network: note: {note}")
        build(lab, progress)
        return lab

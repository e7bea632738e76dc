"""A department's (or the zone's) legacy applications in migration order: the graded plan.

An application moves after the legacy applications it depends on (its peers naming them with
`app:`), as tiers do inside one application; applications that depend on each other form a
cycle, reported with its members, and move in one wave. Within a wave the lower-risk ones go
first (MLPS level, then sensitivity), so the riskiest systems profit from what was learnt:
the zone plan's "graded" migration (四(一)3). Classified applications are left out, refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from govcloud.catalog.model import Sensitivity
from govcloud.migrate.load import LoadedApp
from govcloud.migrate.waves import Cycle, order_tiers

RISK = {Sensitivity.public: 0, Sensitivity.internal: 1, Sensitivity.sensitive: 2, Sensitivity.classified: 3}


@dataclass
class Portfolio:
    waves: list[list[LoadedApp]] = field(default_factory=list)
    cycles: tuple[Cycle, ...] = ()
    refused: list[LoadedApp] = field(default_factory=list)
    depends_on: dict[str, list[str]] = field(default_factory=dict)


def order_apps(apps: list[LoadedApp]) -> Portfolio:
    result = Portfolio()
    movable = []
    for item in apps:
        if item.app.sensitivity is Sensitivity.classified:
            result.refused.append(item)
        else:
            movable.append(item)
    names = [i.app.app for i in movable]
    by_name = {i.app.app: i for i in movable}
    depends = {i.app.app: {p.app for p in i.app.peers if p.app and p.app in by_name} for i in movable}
    result.depends_on = {name: sorted(d) for name, d in depends.items() if d}
    ordering = order_tiers(names, {k: set(v) for k, v in depends.items()})
    result.cycles = ordering.cycles

    def risk(item: LoadedApp) -> tuple[int, int, str]:
        return (item.app.mlps_level, RISK[item.app.sensitivity], item.app.app)

    result.waves = [sorted((by_name[n] for n in wave), key=risk) for wave in ordering.waves]
    return result

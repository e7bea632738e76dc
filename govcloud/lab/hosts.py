"""Which of the plan's hosts the lab starts.

By default the management tenant (its hosts sit only in the management zone) plus one
department: the first other tenant in name order. This machine has 2 cores, so the lab is
a sample, not the whole zone; `--tenant` picks tenants and `--host` single hosts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from govcloud.inventory.model import MANAGEMENT_ZONE, Host
from govcloud.lab.podman import EXIT_USAGE, LabError


def management_tenants(hosts: Iterable[Host]) -> set[str]:
    return {h.tenant for h in hosts if h.zones == (MANAGEMENT_ZONE,)}


def default_tenants(hosts: Sequence[Host]) -> list[str]:
    managed = management_tenants(hosts)
    others = sorted({h.tenant for h in hosts} - managed)
    return sorted(managed) + others[:1]


def select_hosts(hosts: Sequence[Host], tenants: Sequence[str] = (), names: Sequence[str] = ()) -> list[Host]:
    """The chosen hosts in name order: `names` and every host of `tenants`; neither given: the default."""
    known_tenants = {h.tenant for h in hosts}
    by_name = {h.name: h for h in hosts}
    unknown = sorted(set(tenants) - known_tenants)
    if unknown:
        raise LabError(
            f"--tenant {', '.join(unknown)}: not in the plan (tenants: {', '.join(sorted(known_tenants))})", EXIT_USAGE
        )
    missing = sorted(set(names) - set(by_name))
    if missing:
        raise LabError(f"--host {', '.join(missing)}: not in the plan's outputs.hosts", EXIT_USAGE)
    chosen_tenants = set(tenants) if (tenants or names) else set(default_tenants(hosts))
    chosen = {h.name for h in hosts if h.tenant in chosen_tenants} | set(names)
    if not chosen:
        raise LabError("no hosts selected: the plan has no hosts", EXIT_USAGE)
    return [by_name[name] for name in sorted(chosen)]

"""What the catalog rules share: the tenant-with-its-file pair and message pieces."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from govcloud.catalog.errors import CatalogError
from govcloud.catalog.model import Tenant, ZoneName
from govcloud.catalog.source import SourceFile
from govcloud.catalog.topology import HostInstance

EXCHANGE_ROLE = "exchange-gateway"
EXCHANGE_ZONES = {ZoneName.intranet, ZoneName.extranet}
NEEDS_APPROVAL = "needs an approval reference (allowed: the approving document's number, e.g. 杨管办发〔2024〕12号)"

# a flow's resolved ends: "from"/"to" -> (owning tenant, its hosts)
Resolved = dict[str, tuple[str, list[HostInstance]]]


@dataclass
class Checked:
    """A tenant with the file it came from."""

    tenant: Tenant
    source: SourceFile


def names_or_none(items: list[str]) -> str:
    return ", ".join(items) if items else "none declared"


def duplicate_names(src: SourceFile, path: tuple[str | int, ...], names: list[str]) -> Iterator[CatalogError]:
    seen: set[str] = set()
    for i, name in enumerate(names):
        if name in seen:
            yield src.error((*path, i, "name"), f"duplicate name {name!r} (names must be unique)")
        seen.add(name)

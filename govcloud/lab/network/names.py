"""Names of everything the lab network creates: one prefix, short stable hashes, at most 15 characters.

Linux interface names are limited to 15 characters, so links are named `gcl<kind><10 hex
digits of sha1(what they stand for)>`: stable across runs, unique in practice, and found
by teardown and the tests through the `gcl` prefix. `gclctl*` and 198.18.0.0/15 belong to
the lab's control network (not this package): the hex digits after the kind letter can
never spell `ctl`.
"""

from __future__ import annotations

import hashlib
import re

PREFIX = "gcl"
NS_PREFIX = "gcl-"
FABRIC_NS = "gcl-fabric"
CORE_NS = "gcl-core"
INTERNET_NS = "gcl-inet"
IFNAMSIZ = 15  # the kernel's limit (16 with the terminating NUL)
ALIAS_PREFIX = "gcl:"  # ifalias of every interface this package puts into a container

# kind letters: b bridge, r router side of a router link, x fabric side of it,
# p fabric side of a host port, q host side before it is moved into the container
KINDS = frozenset("brxpq")


def short_hash(*parts: str) -> str:
    return hashlib.sha1("\0".join(parts).encode("utf-8")).hexdigest()[:10]


def link_name(kind: str, *parts: str) -> str:
    assert kind in KINDS, kind
    name = f"{PREFIX}{kind}{short_hash(*parts)}"
    assert len(name) <= IFNAMSIZ
    return name


def router_ns(router_name: str) -> str:
    """`gcl-r-<router name>` (namespace names are file names: no 15-character limit)."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", router_name).strip("-")[:60] or short_hash(router_name)
    return f"{NS_PREFIX}r-{slug}"


def is_ours(name: str) -> bool:
    """A namespace or link this package made (never the control network's `gclctl*`)."""
    if name.startswith("gclctl"):
        return False
    if name.startswith(NS_PREFIX):
        return True
    return len(name) == 14 and name.startswith(PREFIX) and name[3] in KINDS

"""Property tests: whatever a catalog says, loading it ends in a Catalog or in CatalogInvalid.

Mutations start from the fixture catalog, so most examples are *almost* valid: that is where
the whole-catalog rules run on odd data and where a crash would hide.
"""

from __future__ import annotations

import copy
import ipaddress
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from govcloud.catalog.errors import CatalogInvalid
from govcloud.catalog.loader import Catalog, load_catalog

from .conftest import FIXTURE, copy_fixture

FILES = ["platform.yaml", *sorted(p.relative_to(FIXTURE).as_posix() for p in FIXTURE.glob("tenants/*.yaml"))]
DOCS: dict[str, Any] = {f: yaml.safe_load((FIXTURE / f).read_text(encoding="utf-8")) for f in FILES}

NodePath = tuple[str | int, ...]


def _nodes(node: Any, path: NodePath = ()) -> list[NodePath]:
    """Every path in a document (the root excluded)."""
    out: list[NodePath] = [path] if path else []
    if isinstance(node, dict):
        for key, value in node.items():
            out.extend(_nodes(value, (*path, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.extend(_nodes(value, (*path, i)))
    return out


def _get(doc: Any, path: NodePath) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _is_cidr(value: Any) -> bool:
    return isinstance(value, str) and "/" in value and value[0].isdigit()


def _names_in(docs: dict[str, Any]) -> list[str]:
    """Every slug-like string of the catalog: candidates for renaming a reference."""
    out = set()
    for doc in docs.values():
        for path in _nodes(doc):
            value = _get(doc, path)
            if isinstance(value, str) and value.replace("-", "").isalnum() and value.islower():
                out.add(value)
    return sorted(out)


NAMES = _names_in(DOCS)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["", "0", "yes", "~", "10.10.16.0/24", "internet", "mgmt/dns", "a/b/c"]),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.text(min_size=1, max_size=8), scalars, max_size=3),
)
cidrs = st.builds(
    lambda a, b, c, d, n: f"{a}.{b}.{c}.{d}/{n}",
    st.sampled_from([0, 10, 172, 192, 255]),
    st.sampled_from([0, 10, 20, 30, 99, 255]),
    st.integers(0, 255),
    st.sampled_from([0, 1, 16, 128, 255]),
    st.integers(0, 33),
)

# A network of the fixture widened: it then swallows neighbours, backbones or whole zones.
wider_cidrs = st.builds(
    lambda base, wider: str(ipaddress.IPv4Network(base).supernet(wider)),
    st.sampled_from(["10.10.16.0/24", "10.20.16.0/24", "10.30.1.0/24"]),
    st.integers(0, 12),
)


def _mutate(data: st.DataObject, docs: dict[str, Any]) -> str:
    """Apply one random mutation in place; return a description for failure reports."""
    file = data.draw(st.sampled_from(FILES), label="file")
    doc = docs[file]
    paths = _nodes(doc)
    if not paths:
        docs[file] = data.draw(values, label="whole file")
        return f"{file}: replaced whole file"
    kind = data.draw(
        st.sampled_from(["delete", "replace", "duplicate", "cidr", "rename"]), label="mutation"
    )
    if kind == "cidr":
        # Aim at a CIDR of the file when it has one: overlaps, host bits, supernet escapes.
        paths = [p for p in paths if _is_cidr(_get(doc, p))] or paths
    path = data.draw(st.sampled_from(paths), label="path")
    parent, key = _get(doc, path[:-1]), path[-1]
    if kind == "delete":
        del parent[key]
    elif kind == "duplicate" and isinstance(parent, list):
        parent.insert(int(key), copy.deepcopy(parent[key]))
    elif kind == "cidr":
        parent[key] = data.draw(st.one_of(cidrs, wider_cidrs), label="cidr")
    elif kind == "rename" and isinstance(parent, dict) and data.draw(st.booleans(), label="rename key"):
        new_key = data.draw(st.one_of(st.sampled_from(NAMES), st.text(max_size=8)), label="key")
        parent[new_key] = parent.pop(key)
    elif kind == "rename" and isinstance(parent[key], str):
        parent[key] = data.draw(st.sampled_from(NAMES), label="name")
    else:
        parent[key] = data.draw(values, label="value")
    return f"{file}: {kind} {path}"


def _check_outcome(root: Path) -> None:
    try:
        result = load_catalog(root)
    except CatalogInvalid as exc:
        assert exc.errors, "CatalogInvalid without errors"
        event(f"invalid: {len(exc.errors)} error(s)" if len(exc.errors) < 3 else "invalid: 3+ errors")
        event("some error comes from a whole-catalog rule" if _from_rules(exc) else "field errors only")
        for error in exc.errors:
            path = Path(error.file)
            assert path.exists(), f"{error}: file does not exist"
            assert error.line >= 1, f"{error}: line < 1"
            if path.is_file():
                lines = path.read_text(encoding="utf-8", errors="replace").count("\n") + 1
                assert error.line <= lines, f"{error}: line beyond the end of the file ({lines})"
            assert error.message.strip(), f"{error}: empty message"
            assert len(str(error).splitlines()) == 1, f"{error!r}: an error must fit on one line"
    else:
        assert isinstance(result, Catalog)
        event("valid")


def _from_rules(exc: CatalogInvalid) -> bool:
    """Whether the loader got past pydantic and YAML (those errors read differently)."""
    field_words = ("YAML", "required field", "unknown field", "not allowed", "wrong kind", "out of range")
    return any(not any(w in e.message for w in field_words) for e in exc.errors)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), rounds=st.integers(min_value=1, max_value=3))
def test_mutated_catalog_loads_or_reports_errors(data: st.DataObject, rounds: int) -> None:
    docs = copy.deepcopy(DOCS)
    for _ in range(rounds):
        note(_mutate(data, docs))
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_fixture(Path(tmp))
        for file, doc in docs.items():
            text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
            (root / file).write_text(text, encoding="utf-8")
        _check_outcome(root)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    file=st.sampled_from(FILES),
    insert=st.sampled_from(["", ":", "- ", "  ", "\t", "[", "}", "&a ", "*a", "!!int ", "'", "#", "\x00"]),
)
def test_text_edits_load_or_report_errors(data: st.DataObject, file: str, insert: str) -> None:
    """Character-level damage: YAML syntax errors must also end as CatalogInvalid."""
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_fixture(Path(tmp))
        path = root / file
        text = path.read_text(encoding="utf-8")
        at = data.draw(st.integers(0, len(text)), label="at")
        cut = data.draw(st.integers(0, 12), label="cut")
        path.write_text(text[:at] + insert + text[at + cut :], encoding="utf-8")
        _check_outcome(root)

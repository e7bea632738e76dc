"""Turn pydantic's validation errors into 'what is wrong (what is allowed)' sentences."""

from __future__ import annotations

import re
import types
import typing
from datetime import date
from enum import Enum
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from govcloud.catalog.errors import CatalogError, FieldPath
from govcloud.catalog.model import EMAIL_PATTERN, ENDPOINT_PATTERN, SLUG_HELP, SLUG_PATTERN
from govcloud.catalog.source import SourceFile

PATTERN_HELP = {
    SLUG_PATTERN: SLUG_HELP,
    ENDPOINT_PATTERN: "'<group-or-host>', '<tenant>/<group-or-host>' or 'internet'",
    EMAIL_PATTERN: "an e-mail address such as it@finance.example.gov.cn",
}

# pydantic error types for a value of the wrong kind -> what the field takes instead.
TYPE_HELP = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping of fields",
    "model_type": "a mapping of fields",
    "model_attributes_type": "a mapping of fields",
    "list_type": "a list",
}
MAX_SHOWN = 60
# Parts pydantic adds to an error's location that are no field: '[key]' for a dict key, and
# validator names such as 'function-after[_check_network(), str]' for union members.
PYDANTIC_LOC_PART = re.compile(r"^\[key\]$|^[a-z-]+\[.*\]$")


def _inner_types(annotation: Any) -> list[Any]:
    """The types a field may hold, through Optional, list[...], dict[..., ...], Annotated."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _inner_types(typing.get_args(annotation)[0])
    if origin in (list, typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _inner_types(arg)]
    if origin is dict:
        return _inner_types(typing.get_args(annotation)[1])
    return [annotation]


def _model_at(root: type[BaseModel], loc: FieldPath) -> type[BaseModel] | None:
    """The model class that owns the value at `loc` (used to list allowed fields)."""
    current: type[BaseModel] | None = root
    for part in loc:
        if current is None:
            return None
        if isinstance(part, int):
            continue
        field = next((f for name, f in current.model_fields.items() if (f.alias or name) == part), None)
        if field is None:
            # A dict key (e.g. a zone name) rather than a field: stay on the value type.
            continue
        models = [t for t in _inner_types(field.annotation) if isinstance(t, type) and issubclass(t, BaseModel)]
        current = models[0] if models else None
    return current


def _allowed_fields(model: type[BaseModel] | None) -> str:
    if model is None:
        return ""
    names = [f.alias or name for name, f in model.model_fields.items()]
    return f" (allowed: {', '.join(names)})"


def _show(value: Any) -> str:
    """A value as the user wrote it, cut short: a whole mapping would not fit on a line."""
    text = value.isoformat() if isinstance(value, date) else repr(value)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def _sentence(root: type[BaseModel], err: ErrorDetails) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    loc = tuple(err["loc"])
    if kind == "extra_forbidden":
        return f"unknown field{_allowed_fields(_model_at(root, loc[:-1]))}"
    if kind == "missing":
        return "required field is missing"
    if kind in TYPE_HELP:
        if value is None:
            return f"no value is given (allowed: {TYPE_HELP[kind]})"
        hint = "; put it in quotes for YAML to read it as text" if kind == "string_type" else ""
        return f"{_show(value)} is the wrong kind of value (allowed: {TYPE_HELP[kind]}{hint})"
    if kind == "string_too_short":
        return f"{_show(value)} is too short (allowed: at least {ctx.get('min_length')} character(s))"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        return f"{_show(value)} is not allowed ({PATTERN_HELP.get(pattern, 'must match ' + pattern)})"
    if kind in ("enum", "literal_error"):
        return f"{_show(value)} is not allowed (allowed: {ctx.get('expected', '')})"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        field = _model_at(root, loc[:-1])
        bounds = _bounds(field, str(loc[-1])) if field else None
        allowed = f"allowed: {bounds}" if bounds else err["msg"].lower()
        return f"{_show(value)} is out of range ({allowed})"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s)"
    if kind == "value_error":
        return f"{_show(value)}: {ctx.get('error', err['msg'])}"
    return f"{err['msg']} (got {_show(value)})"


def _bounds(model: type[BaseModel], name: str) -> str | None:
    field = model.model_fields.get(name)
    if field is None:
        return None
    low = high = None
    for meta in field.metadata:
        low = getattr(meta, "ge", low)
        high = getattr(meta, "le", high)
    if low is not None and high is not None:
        return f"{low}-{high}"
    if low is not None:
        return f">= {low}"
    return f"<= {high}" if high is not None else None


def validation_errors(source: SourceFile, root: type[BaseModel], exc: ValidationError) -> list[CatalogError]:
    out = []
    for err in exc.errors():
        loc: FieldPath = tuple(p.value if isinstance(p, Enum) else p for p in err["loc"] if isinstance(p, str | int))
        loc = tuple(p for p in loc if not (isinstance(p, str) and PYDANTIC_LOC_PART.match(p)))
        out.append(source.error(loc, _sentence(root, err)))
    return out

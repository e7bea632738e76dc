"""Mutations of the base stack that the identity, compute, storage, quota, tagging and
governance rules build their violating and compliant fixtures from."""

from __future__ import annotations

import copy
from typing import Any

from .fixtures import Mutation, Res, add, find, res


def new(type_: str, name: str, inputs: dict[str, Any], tenant: str = "(platform)", **refs: str) -> Mutation:
    """Append a resource; each keyword links an input to the named resource of the stack."""
    return add(lambda stack: res(type_, name, inputs, tenant, **{k: find(stack, v) for k, v in refs.items()}))


def remove(name: str) -> Mutation:
    def mutate(stack: list[Res]) -> list[Res]:
        return [r for r in stack if r["name"] != name]

    return mutate


def relink(name: str, key: str, target: str, value: Any = None) -> Mutation:
    """Make input `key` of one resource come from another (its ID, or `value`, and its URN)."""

    def mutate(stack: list[Res]) -> list[Res]:
        source, dest = find(stack, name), find(stack, target)
        source["inputs"][key] = value if value is not None else f"{dest['name']}-id"
        source["propertyDependencies"][key] = [dest["urn"]]
        source["dependencies"] = sorted({*source["dependencies"], dest["urn"]})
        return stack

    return mutate


def unset(name: str, key: str) -> Mutation:
    """Drop an input and the reference it carried."""

    def mutate(stack: list[Res]) -> list[Res]:
        source = find(stack, name)
        source["inputs"].pop(key, None)
        source["propertyDependencies"].pop(key, None)
        source["dependencies"] = sorted({u for urns in source["propertyDependencies"].values() for u in urns})
        return stack

    return mutate


def set_meta(name: str, key: str, value: Any = None) -> Mutation:
    """Set one metadata entry of an instance or volume (None removes it)."""

    def mutate(stack: list[Res]) -> list[Res]:
        meta = find(stack, name)["inputs"].setdefault("metadata", {})
        if value is None:
            meta.pop(key, None)
        else:
            meta[key] = value
        return stack

    return mutate


def retag(name: str, old: str | None, new_tag: str | None) -> Mutation:
    """Replace (or add, or drop) one tag of a resource."""

    def mutate(stack: list[Res]) -> list[Res]:
        inputs = find(stack, name)["inputs"]
        tags = [tag for tag in inputs.get("tags", []) if tag != old]
        inputs["tags"] = [*tags, new_tag] if new_tag else tags
        return stack

    return mutate


def relevel(tenant: str, to: int) -> Mutation:
    """Move a whole tenant to another MLPS level: project and resource tags, metadata."""

    def mutate(stack: list[Res]) -> list[Res]:
        for r in stack:
            if r.get("tenant") != tenant:
                continue
            inputs = r["inputs"]
            if "tags" in inputs:
                inputs["tags"] = [f"mlps:{to}" if str(tag).startswith("mlps:") else tag for tag in inputs["tags"]]
            if "mlps_level" in inputs.get("metadata", {}):
                inputs["metadata"]["mlps_level"] = str(to)
        return stack

    return mutate


def clone(source: str, new_name: str, inputs: dict[str, Any] | None = None) -> Mutation:
    """Append a copy of a resource under a new name (same references), with some inputs changed."""

    def mutate(stack: list[Res]) -> list[Res]:
        original = find(stack, source)
        copied = copy.deepcopy(original)
        copied["name"] = new_name
        copied["urn"] = original["urn"].rsplit("::", 1)[0] + f"::{new_name}"
        copied["inputs"].update(inputs or {})
        stack.append(copied)
        return stack

    return mutate

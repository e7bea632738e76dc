"""Reading YAML while remembering where every value came from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, merge_attrib
from ruamel.yaml.constructor import ConstructorError, DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

from govcloud.catalog.errors import CatalogError, FieldPath, dotted, relative

YAML_TAG_PREFIX = "tag:yaml.org,2002:"


@dataclass
class SourceFile:
    """One parsed YAML file: plain data for validation, the node tree for line numbers."""

    path: Path
    tree: Any

    @property
    def name(self) -> str:
        return relative(self.path)

    def line_of(self, path: FieldPath) -> int:
        """The 1-based line of the deepest node of `path` that exists in the file.

        A field missing from the top level points at the file's first field, not at a comment.
        """
        node = self.tree
        line = node.lc.line + 1 if isinstance(node, CommentedMap) and node.lc.line is not None else 1
        for part in path:
            key = _key_in(node, part)
            if key is not None:
                line = _key_line(node, key) or line
                node = node[key]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
                line = node.lc.item(part)[0] + 1
                node = node[part]
            else:
                break
        return line

    def error(self, path: FieldPath, message: str) -> CatalogError:
        return CatalogError(self.name, self.line_of(path), dotted(path), message)

    def plain(self) -> Any:
        return _plain(self.tree)


def _key_in(node: Any, part: str | int) -> Any:
    """The key of mapping `node` that validation calls `part` (keys are compared as text)."""
    if not isinstance(node, CommentedMap) or isinstance(part, int):
        return None
    if part in node:
        return part
    return next((k for k in node if str(k) == part), None)


def _key_line(node: CommentedMap, key: Any) -> int | None:
    """The line of `key`, also when it comes from a mapping merged in with `<<: *anchor`."""
    if key in node.lc.data:
        return int(node.lc.key(key)[0]) + 1
    for entry in getattr(node, merge_attrib, []):
        merged = entry[1] if isinstance(entry, tuple) else entry  # (position, map) in older ruamel
        if isinstance(merged, CommentedMap) and key in merged:
            return _key_line(merged, key)
    return None


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


class _Constructor(RoundTripConstructor):
    """Round-trip constructor whose value errors carry the line, like every other YAML error.

    ruamel raises a bare ValueError, KeyError or IndexError for e.g. `2024-02-30`, `!!bool x`
    or an empty `!!int`.
    """

    def construct_object(self, node: Any, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (YAMLError, RecursionError):
            raise
        except Exception as exc:  # ruamel's constructors fail with bare ValueError, IndexError, ...
            tag = str(getattr(node, "tag", "") or "value").replace(YAML_TAG_PREFIX, "")
            why = "no such value" if isinstance(exc, LookupError) else _one_line(str(exc))
            shown = repr(node.value) if isinstance(node.value, str) else "the value"
            raise ConstructorError(
                problem=f"{shown} is not a valid {tag} ({why}; quote it to make it text)",
                problem_mark=node.start_mark,
            ) from None


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _yaml_error(path: Path, text: str, exc: YAMLError) -> CatalogError:
    """A YAML error as 'FILE:LINE: YAML syntax: what is wrong (...)', on one line."""
    if isinstance(exc, ReaderError):
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else 1
        char = f"#x{exc.character:04x}" if isinstance(exc.character, int) else repr(exc.character)
        message = f"unacceptable character {char} (allowed: printable characters, tab and line breaks)"
        return CatalogError(relative(path), line, "", f"YAML syntax: {message}")
    if not isinstance(exc, MarkedYAMLError):
        return CatalogError(relative(path), 1, "", f"YAML syntax: {_one_line(str(exc))}")
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    problem = _one_line(str(exc.problem or exc.context or "invalid YAML"))
    if isinstance(exc, DuplicateKeyError):
        problem += " (allowed: each key once in a mapping)"
    elif "'\\t'" in problem:
        problem += " (allowed: spaces for indentation, not tabs)"
    elif exc.context and exc.context_mark is not None and exc.context_mark.line + 1 != line:
        problem += f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
    return CatalogError(relative(path), line, "", f"YAML syntax: {problem}")


def read_yaml(path: Path) -> SourceFile | CatalogError:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return CatalogError(relative(path), 1, "", f"cannot read file ({_one_line(str(exc))})")
    try:
        tree = yaml.load(text)
    except YAMLError as exc:
        return _yaml_error(path, text, exc)
    except RecursionError:
        return CatalogError(relative(path), 1, "", "YAML nesting is too deep (allowed: a catalog's few levels)")
    if not isinstance(tree, CommentedMap):
        return CatalogError(relative(path), 1, "", "the file must hold a mapping of fields")
    return SourceFile(path, tree)

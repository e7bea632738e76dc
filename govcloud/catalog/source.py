"""Reading YAML while remembering where every value came from."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from govcloud.catalog.errors import CatalogError, FieldPath, dotted, relative


@dataclass
class SourceFile:
    """One parsed YAML file: plain data for validation, the node tree for line numbers."""

    path: Path
    tree: Any

    @property
    def name(self) -> str:
        return relative(self.path)

    def line_of(self, path: FieldPath) -> int:
        """The 1-based line of the deepest node of `path` that exists in the file."""
        node = self.tree
        line = 1
        for part in path:
            if isinstance(node, CommentedMap) and part in node:
                line = node.lc.key(part)[0] + 1
                node = node[part]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
                line = node.lc.item(part)[0] + 1
                node = node[part]
            else:
                break
        return line

    def error(self, path: FieldPath, message: str) -> CatalogError:
        return CatalogError(self.name, self.line_of(path), dotted(path), message)

    def plain(self) -> Any:
        return _plain(self.tree)


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def read_yaml(path: Path) -> SourceFile | CatalogError:
    yaml = YAML(typ="rt")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return CatalogError(relative(path), 1, "", f"cannot read file ({exc})")
    try:
        tree = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        return CatalogError(relative(path), line, "", f"YAML syntax: {problem}")
    except YAMLError as exc:
        return CatalogError(relative(path), 1, "", f"YAML syntax: {exc}")
    if not isinstance(tree, CommentedMap):
        return CatalogError(relative(path), 1, "", "the file must hold a mapping of fields")
    return SourceFile(path, tree)

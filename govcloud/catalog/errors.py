"""Catalog errors that point at a file, a line and a field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FieldPath = tuple[str | int, ...]
PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+\Z")
LINE_BREAKS = "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"  # what str.splitlines() splits on


@dataclass(frozen=True, order=True)
class CatalogError:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        """One line, whatever the catalog's text holds: FILE:LINE: path.to.field: message."""
        where = f"{self.path}: " if self.path else ""
        text = f"{self.file}:{self.line}: {where}{self.message}"
        return "".join(c.encode("unicode_escape").decode() if c in LINE_BREAKS else c for c in text)


def dotted(path: FieldPath) -> str:
    """('hosts', 0, 'flavor') -> 'hosts[0].flavor'; an odd key is quoted: hosts[0]['a b']."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not PLAIN_KEY.match(part):
            out += f"[{part!r}]"
        else:
            out += f".{part}" if out else part
    return out


class CatalogInvalid(Exception):
    """Raised with every error found, so a user can fix them all in one pass."""

    def __init__(self, errors: list[CatalogError]) -> None:
        self.errors = sorted(set(errors))
        super().__init__(f"{len(self.errors)} catalog error(s)")


def relative(path: Path) -> str:
    """Show paths relative to the working directory when possible: shorter and clickable."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)

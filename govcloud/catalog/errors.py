"""Catalog errors that point at a file, a line and a field."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FieldPath = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class CatalogError:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.line}: {where}{self.message}"


def dotted(path: FieldPath) -> str:
    """('hosts', 0, 'flavor') -> 'hosts[0].flavor'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
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

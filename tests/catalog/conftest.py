"""Shared helpers for the catalog tests: copy the fixture catalog, edit it, load it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "catalog"


def copy_fixture(dest: Path) -> Path:
    """A fresh copy of the fixture catalog at dest/catalog."""
    root = dest / "catalog"
    shutil.copytree(FIXTURE, root)
    return root


@pytest.fixture
def catalog_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fixture catalog copied to tmp_path/catalog, with tmp_path as the working directory.

    Errors name files relative to the working directory, so they read 'catalog/tenants/x.yaml'.
    """
    monkeypatch.chdir(tmp_path)
    copy_fixture(tmp_path)
    return Path("catalog")


Edit = Callable[[str, str, str], None]


@pytest.fixture
def edit(catalog_dir: Path) -> Edit:
    """edit(file, old, new): replace the one occurrence of `old` in catalog/`file`."""

    def apply(file: str, old: str, new: str) -> None:
        path = catalog_dir / file
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {file}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return apply

"""The lab image is built from the Debian mirror the machine's apt already uses."""

from __future__ import annotations

from pathlib import Path

from govcloud.lab.image import apt_mirror


def test_deb822_sources(tmp_path: Path) -> None:
    (tmp_path / "debian.sources").write_text(
        "Types: deb\nURIs: http://mirror.example/debian\nSuites: bookworm\nComponents: main\n", encoding="utf-8"
    )
    assert apt_mirror((tmp_path,)) == "http://mirror.example/debian"


def test_classic_list_with_options(tmp_path: Path) -> None:
    listing = tmp_path / "sources.list"
    listing.write_text("# comment\ndeb [arch=amd64] http://mirror.example/debian bookworm main\n", encoding="utf-8")
    assert apt_mirror((tmp_path / "none", listing)) == "http://mirror.example/debian"


def test_no_debian_source(tmp_path: Path) -> None:
    (tmp_path / "other.list").write_text("deb http://example.org/ubuntu jammy main\n", encoding="utf-8")
    assert apt_mirror((tmp_path,)) is None


def test_classic_list_with_many_components(tmp_path: Path) -> None:
    listing = tmp_path / "sources.list"
    listing.write_text("deb http://mirror.example/debian bookworm main contrib non-free\n", encoding="utf-8")
    assert apt_mirror((listing,)) == "http://mirror.example/debian"

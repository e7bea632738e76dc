"""The report's page in headless Chromium (Debian's `chromium`, which must be installed: `make
setup`): it loads with no console message at all (no errors, no blocked fetch: the page's
Content-Security-Policy turns any outside fetch into one) and a screenshot is saved.

Only local files are opened; background networking, component updates and sync are off.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from govcloud.report.build import Written

WINDOW = (1400, 2400)
TIMEOUT = 120  # seconds; a screenshot takes 1-3 s here
CONSOLE = ":CONSOLE"  # Chromium logs every console message as [..:INFO:CONSOLE(..)] / [..:INFO:CONSOLE:N]


@dataclass(frozen=True)
class Shot:
    png: Path
    log: str

    @property
    def console(self) -> list[str]:
        return [line for line in self.log.splitlines() if CONSOLE in line or "Uncaught" in line]


def chromium() -> str:
    found = shutil.which("chromium")
    assert found, "chromium is missing: apt-get install chromium (make setup installs it)"
    return found


def screenshot(page: Path, png: Path, profile: Path) -> Shot:
    proc = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            f"--screenshot={png}",
            f"--window-size={WINDOW[0]},{WINDOW[1]}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return Shot(png, proc.stderr)


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", "not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def test_chromium_is_installed() -> None:
    chromium()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_page_loads_cleanly_and_screenshots(
    lang: str, report_en: Written, report_zh: Written, tmp_path: Path
) -> None:
    written = report_en if lang == "en" else report_zh
    page = written.files[0].parent / "index.html"
    png = written.files[0].parent / f"screenshot-{lang}.png"
    shot = screenshot(page, png, tmp_path / "profile")
    assert shot.console == [], "\n".join(shot.console)
    assert png.is_file()
    assert png_size(png) == WINDOW
    # A blank page compresses to ~15 kB; the report's first screen (tables, badges, text) is far more.
    assert png.stat().st_size > 100_000, png.stat().st_size
    print(f"screenshot: {png}")


def test_the_console_check_catches_errors_and_fetches(tmp_path: Path) -> None:
    """The detector itself: an uncaught error, console.error and a blocked outside fetch all show."""
    page = tmp_path / "broken.html"
    page.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; script-src 'unsafe-inline'\">"
        "</head><body><img src='http://192.0.2.1/x.png'>"
        "<script>console.error('boom'); missingFunction();</script></body></html>",
        encoding="utf-8",
    )
    shot = screenshot(page, tmp_path / "broken.png", tmp_path / "profile")
    joined = "\n".join(shot.console)
    assert "Uncaught ReferenceError" in joined
    assert "boom" in joined
    assert "192.0.2.1" in joined and "Content Security Policy" in joined

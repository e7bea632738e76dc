"""`migrate waves`: the legacy applications in a graded order: dependencies first, cycles named,
lower-risk applications first within a wave, classified ones refused."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import BASE_APP, Write, line_of, migrate


def _app(name: str, *, after: tuple[str, ...] = (), level: int = 3, sensitivity: str = "sensitive") -> str:
    text = BASE_APP.format(app=name).replace("mlps_level: 3", f"mlps_level: {level}")
    text = text.replace("sensitivity: sensitive", f"sensitivity: {sensitivity}")
    if after:
        peers = "".join(f"  - {{name: uses-{a}, title: {a}, reached_over: specialised, app: {a}}}\n" for a in after)
        text += "peers:\n" + peers
    return text


def _waves(zone: Path) -> dict[str, object]:
    result = migrate("waves", "--catalog", str(zone), "--format", "json")
    assert result.exit_code == 0, result.output
    doc: dict[str, object] = json.loads(result.stdout)
    return doc


def test_the_samples_order_the_audited_treasury_before_the_audit(zone: Path) -> None:
    doc = _waves(zone)
    assert doc["waves"] == [["finance-treasury", "ps-household"], ["audit-online"]]
    assert doc["depends_on"] == {"audit-online": ["finance-treasury"]}


def test_applications_move_after_what_they_depend_on_lower_risk_first(write_app: Write, zone: Path) -> None:
    for legacy in (zone / "legacy").glob("*.yaml"):
        legacy.unlink()
    write_app(_app("base-app"), app="base-app")
    write_app(_app("user-app", after=("base-app",)), app="user-app")
    write_app(_app("open-app", level=2, sensitivity="internal"), app="open-app")
    write_app(_app("ring-one", after=("ring-two",)), app="ring-one")
    write_app(_app("ring-two", after=("ring-one", "base-app")), app="ring-two")
    write_app(_app("secret-app", sensitivity="classified"), app="secret-app")
    doc = _waves(zone)
    assert doc["waves"] == [["open-app", "base-app"], ["ring-one", "ring-two", "user-app"]]
    assert doc["cycles"] == [{"members": ["ring-one", "ring-two"], "path": ["ring-one", "ring-two", "ring-one"]}]
    assert doc["refused"] == ["secret-app"]
    text = migrate("waves", "--catalog", str(zone))
    assert "cycle: ring-one, ring-two depend on each other (ring-one -> ring-two -> ring-one)" in text.output
    assert "refused: secret-app is classified" in text.output


def test_a_peer_naming_an_unknown_application_is_an_error_at_its_line(write_app: Write, zone: Path) -> None:
    path = write_app(_app("test-app", after=("no-such-app",)))
    result = migrate("waves", "--catalog", str(zone))
    assert result.exit_code == 2
    line = line_of(path, "app: no-such-app")
    assert f"test-app.yaml:{line}: peers[0].app: no legacy application 'no-such-app' beside this file" in result.stderr

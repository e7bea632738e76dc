"""policies/facts.json is what the sample catalog gives, and `govcloud facts` keeps it so."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from govcloud.catalog.loader import load_catalog
from govcloud.check.facts import facts_from_catalog
from govcloud.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, app
from policies.mlps.facts import FACTS_FILE, Facts

from .conftest import CATALOG

runner = CliRunner()


def test_the_committed_facts_are_the_sample_catalogs() -> None:
    derived = facts_from_catalog(load_catalog(CATALOG))
    assert Facts.load(FACTS_FILE) == derived
    assert FACTS_FILE.read_text(encoding="utf-8") == derived.to_json(), "run: govcloud facts"


def test_the_facts_say_what_the_catalog_says() -> None:
    facts = facts_from_catalog(load_catalog(CATALOG))
    assert facts.zones == {"extranet": "10.20.0.0/16", "intranet": "10.10.0.0/16", "management": "10.30.0.0/16"}
    assert facts.internet_zone == "extranet" and facts.exit_router == "internet-exit"
    assert (facts.management_tenant, facts.exchange_tenant) == ("mgmt", "data-exchange")
    assert facts.bastion_cidrs and all(c.endswith("/32") for c in facts.bastion_cidrs)
    assert all(facts.zone_of_cidr(c) == "management" for c in facts.bastion_cidrs)
    assert set(facts.domestic_images) < set(facts.approved_images)
    assert "debian-12" not in facts.domestic_images
    assert facts.encrypted_volume_types == ("encrypted",)
    assert facts.capacity["instances"] == 400


def test_facts_command_writes_checks_and_prints(tmp_path: Path) -> None:
    out = tmp_path / "facts.json"
    assert runner.invoke(app, ["facts", "--catalog", str(CATALOG), "--check", "--out", str(out)]).exit_code == (
        EXIT_FAILED
    ), "a missing file is out of date"
    written = runner.invoke(app, ["facts", "--catalog", str(CATALOG), "--out", str(out)])
    assert written.exit_code == EXIT_OK, written.output
    assert out.read_text(encoding="utf-8") == FACTS_FILE.read_text(encoding="utf-8")
    assert runner.invoke(app, ["facts", "--catalog", str(CATALOG), "--check", "--out", str(out)]).exit_code == EXIT_OK
    out.write_text(out.read_text(encoding="utf-8").replace("10.30.0.0/16", "10.31.0.0/16"), encoding="utf-8")
    stale = runner.invoke(app, ["facts", "--catalog", str(CATALOG), "--check", "--out", str(out)])
    assert stale.exit_code == EXIT_FAILED and "out of date" in stale.output
    printed = runner.invoke(app, ["facts", "--catalog", str(CATALOG), "--out", "-"])
    assert printed.stdout == FACTS_FILE.read_text(encoding="utf-8")


def test_facts_command_refuses_a_bad_catalog(tmp_path: Path) -> None:
    result = runner.invoke(app, ["facts", "--catalog", str(tmp_path / "nowhere")])
    assert result.exit_code == EXIT_USAGE
    assert "catalog directory not found" in result.output

"""The committed JSON Schemas (schema/*.json) stay in sync with the pydantic model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import govcloud.commands  # noqa: F401  (registers the schema command)
from govcloud.cli import app
from govcloud.schema_cmd import SCHEMAS, render_schemas

from .conftest import FIXTURE

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schema"
REGENERATE = "regenerate with: govcloud schema --out schema"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_matches_model(name: str) -> None:
    committed = (SCHEMA_DIR / name).read_text(encoding="utf-8")
    assert committed == render_schemas()[name], f"schema/{name} is stale; {REGENERATE}"


def test_no_stale_schema_files() -> None:
    assert sorted(p.name for p in SCHEMA_DIR.glob("*.json")) == sorted(SCHEMAS)


def test_schema_command_writes_the_same_files(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["schema", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name, text in render_schemas().items():
        assert (tmp_path / name).read_text(encoding="utf-8") == text


def _fixture_files() -> list[tuple[str, str]]:
    files = [("platform.yaml", "platform.schema.json")]
    files += [(p.relative_to(FIXTURE).as_posix(), "tenant.schema.json") for p in FIXTURE.glob("tenants/*.yaml")]
    return sorted(files)


@pytest.mark.parametrize(("file", "schema"), _fixture_files())
def test_fixture_top_level_fields_follow_schema(file: str, schema: str) -> None:
    """A light check without a JSON Schema validator: the top level's fields are known and complete.

    It also proves the '# yaml-language-server: $schema=...' line of each fixture points at the schema.
    """
    text = (FIXTURE / file).read_text(encoding="utf-8")
    doc: dict[str, Any] = yaml.safe_load(text)
    spec = json.loads((SCHEMA_DIR / schema).read_text(encoding="utf-8"))
    assert set(doc) <= set(spec["properties"])
    assert set(spec.get("required", [])) <= set(doc)
    first = text.splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    pointer = (FIXTURE / file).parent / first.split("=", 1)[1]
    assert pointer.resolve() == (SCHEMA_DIR / schema).resolve()

"""`govcloud schema`: export JSON Schemas so editors validate catalog files as people type."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel

from govcloud.catalog.model import Platform, Tenant
from govcloud.cli import app, out

SCHEMAS: dict[str, type[BaseModel]] = {"platform.schema.json": Platform, "tenant.schema.json": Tenant}


def render_schemas() -> dict[str, str]:
    return {
        name: json.dumps(model.model_json_schema(by_alias=True), indent=2, ensure_ascii=False) + "\n"
        for name, model in SCHEMAS.items()
    }


@app.command()
def schema(
    out_dir: Annotated[Path, typer.Option("--out", "-o", help="Where to write the schemas.")] = Path("schema"),
) -> None:
    """Write platform.schema.json and tenant.schema.json (JSON Schema) for editors.

    Catalog files point at them with a first line such as
    `# yaml-language-server: $schema=../../schema/tenant.schema.json`.

    [bold]Example[/bold]

      govcloud schema --out schema
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in render_schemas().items():
        (out_dir / name).write_text(text, encoding="utf-8")
        out.print(f"wrote {out_dir / name}")

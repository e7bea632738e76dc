"""Commands beyond validate, registered on the shared Typer app."""

from __future__ import annotations

from govcloud import show_cmd, schema_cmd  # noqa: F401

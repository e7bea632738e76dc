"""Commands beyond validate, registered on the shared Typer app."""

from __future__ import annotations

from govcloud import (  # noqa: F401
    audit_cmd,
    check_cmd,
    cloud_cmd,
    drift_cmd,
    facts_cmd,
    inventory_cmd,
    isolation_cmd,
    lab_cmd,
    lab_verify_cmd,
    lab_vm_cmd,
    migrate_cmd,
    plan_cmd,
    report_cmd,
    schema_cmd,
    show_cmd,
)

"""Ansible inventories from the stack's `hosts` output: the lab's from the offline plan
(`govcloud inventory`), production's from the real stack (inventories/production/).

Both build the same groups with `build_inventory`. This package uses the standard library
only (render.py, which writes YAML, is imported on its own), so the production script runs
under any Python 3.11. Format and choices: docs/inventory.md.
"""

from __future__ import annotations

from govcloud.inventory.model import (
    GROUP_NAME,
    MANAGEMENT_ZONE,
    PYTHON_INTERPRETER,
    Group,
    Host,
    Ingress,
    Inventory,
    InventoryError,
    build_inventory,
    group_name,
    host_group,
    level_group,
    parse_hosts,
    role_group,
    script_host,
    script_list,
    select,
    tenant_group,
    zone_group,
)
from govcloud.inventory.sources import (
    SOURCE_ENV,
    STACK_ENV,
    STACK_OUTPUT_ENV,
    hosts_from_cloud,
    hosts_from_plan,
    hosts_from_stack_output,
    load_json,
    production_hosts,
    pulumi_stack_output,
    services_from_outputs,
)

__all__ = [
    "GROUP_NAME",
    "MANAGEMENT_ZONE",
    "PYTHON_INTERPRETER",
    "SOURCE_ENV",
    "STACK_ENV",
    "STACK_OUTPUT_ENV",
    "Group",
    "Host",
    "Ingress",
    "Inventory",
    "InventoryError",
    "build_inventory",
    "group_name",
    "host_group",
    "hosts_from_cloud",
    "hosts_from_plan",
    "hosts_from_stack_output",
    "level_group",
    "load_json",
    "parse_hosts",
    "production_hosts",
    "pulumi_stack_output",
    "role_group",
    "script_host",
    "script_list",
    "select",
    "services_from_outputs",
    "tenant_group",
    "zone_group",
]

"""The static inventory as Ansible YAML (the `yaml` inventory plugin's format)."""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML

from govcloud.inventory.model import Inventory


def yaml_document(inventory: Inventory) -> dict[str, Any]:
    """`all.hosts` carries every host's variables; groups nest under `all.children`, a tenant's
    host groups under the tenant's group, and list their hosts with no variables of their own."""

    def group(name: str) -> dict[str, Any]:
        entry: dict[str, Any] = {}
        spec = inventory.groups[name]
        if spec.children:
            entry["children"] = {child: group(child) for child in spec.children}
        if spec.hosts:
            entry["hosts"] = dict.fromkeys(spec.hosts)
        return entry

    top: dict[str, Any] = {
        "children": {name: group(name) for name in inventory.top},
        "hosts": {name: inventory.hostvars(name) for name in inventory.hosts},
    }
    if inventory.vars:
        top["vars"] = inventory.vars
    return {"all": top}


def dumps(inventory: Inventory, header: str = "") -> str:
    """The YAML text: keys sorted, block style, the same bytes for the same hosts."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.width = 4096
    buffer = io.StringIO()
    yaml.dump(yaml_document(inventory), buffer)
    lines = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return lines + buffer.getvalue()

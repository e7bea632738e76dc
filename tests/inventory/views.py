"""What Ansible would make of an inventory: hosts with their variables, and each group's hosts.

Read the way Ansible's `yaml` inventory plugin reads a YAML inventory and its `script`
plugin reads `--list` JSON, so the lab file and the production script can be compared
without Ansible installed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

ANSIBLE_GROUP = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")
GROUP_KEYS = {"hosts", "children", "vars"}


@dataclass
class View:
    hostvars: dict[str, dict[str, Any]] = field(default_factory=dict)
    hosts: dict[str, set[str]] = field(default_factory=dict)  # group → its own hosts
    children: dict[str, set[str]] = field(default_factory=dict)  # group → child groups

    def members(self, group: str) -> set[str]:
        found = set(self.hosts.get(group, set()))
        for child in self.children.get(group, set()):
            found |= self.members(child)
        return found

    def effective(self) -> dict[str, set[str]]:
        """Every group except `all` → all of its hosts, children's included."""
        return {g: self.members(g) for g in set(self.hosts) | set(self.children) if g != "all"}


def from_yaml(doc: dict[str, Any]) -> View:
    assert set(doc) == {"all"}, f"top level must be `all` only, got {sorted(doc)}"
    view = View()

    def walk(name: str, data: dict[str, Any] | None) -> None:
        assert ANSIBLE_GROUP.match(name), name
        data = data or {}
        assert isinstance(data, dict) and set(data) <= GROUP_KEYS, f"{name}: {sorted(data)}"
        view.hosts.setdefault(name, set())
        view.children.setdefault(name, set())
        for host, hvars in (data.get("hosts") or {}).items():
            view.hosts[name].add(host)
            if hvars:
                assert isinstance(hvars, dict)
                view.hostvars.setdefault(host, {}).update(hvars)
            else:
                view.hostvars.setdefault(host, {})
        for child, child_data in (data.get("children") or {}).items():
            view.children[name].add(child)
            walk(child, child_data)

    walk("all", doc["all"])
    return view


def from_script(doc: dict[str, Any]) -> View:
    view = View(hostvars={h: dict(v) for h, v in doc["_meta"]["hostvars"].items()})
    for name, data in doc.items():
        if name == "_meta":
            continue
        assert ANSIBLE_GROUP.match(name), name
        assert isinstance(data, dict) and set(data) <= GROUP_KEYS, f"{name}: {data!r}"
        view.hosts[name] = set(data.get("hosts", []))
        view.children[name] = set(data.get("children", []))
        for host in view.hosts[name]:
            view.hostvars.setdefault(host, {})
    for kids in list(view.children.values()):
        for child in kids:
            assert child in view.hosts, f"child group {child} is not defined"
    return view

"""What the rules must know about the platform that the resources themselves do not say.

Written from the catalog by `govcloud facts` into policies/facts.json (the pack reads it at
start; GOVCLOUD_POLICY_FACTS points elsewhere), and built directly by the offline check.
"""

from __future__ import annotations

import ipaddress
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FACTS_FILE = Path(__file__).resolve().parent.parent / "facts.json"


@dataclass(frozen=True)
class Facts:
    zones: dict[str, str] = field(default_factory=dict)  # zone -> supernet
    backbone_cidrs: dict[str, str] = field(default_factory=dict)  # zone -> backbone subnet
    internet_zone: str = "extranet"
    exit_router: str = "internet-exit"
    management_tenant: str = "mgmt"
    exchange_tenant: str = "data-exchange"
    bastion_cidrs: tuple[str, ...] = ()
    approved_images: tuple[str, ...] = ()
    domestic_images: tuple[str, ...] = ()
    approved_flavors: tuple[str, ...] = ()
    encrypted_volume_types: tuple[str, ...] = ()
    capacity: dict[str, int] = field(default_factory=dict)
    # ports of the platform's baseline flows towards its trust services ("53/udp", ...)
    baseline_ports: tuple[str, ...] = ("53/udp", "53/tcp", "123/udp", "4460/tcp", "6514/tcp", "636/tcp")
    platform_level: int = 3  # the MLPS level the shared platform is graded at
    deployers_group: str = "govcloud-deployers"

    def on_baseline_port(self, protocol: str, port: int) -> bool:
        return f"{port}/{protocol}" in self.baseline_ports

    def zone_of_cidr(self, cidr: str) -> str | None:
        """The zone whose supernet holds `cidr` (None for the internet or a foreign range)."""
        try:
            net = ipaddress.IPv4Network(cidr, strict=False)
        except ValueError:
            return None
        for zone, supernet in self.zones.items():
            if net.subnet_of(ipaddress.IPv4Network(supernet)):
                return zone
        return None

    def in_bastion(self, cidr: str) -> bool:
        try:
            net = ipaddress.IPv4Network(cidr, strict=False)
        except ValueError:
            return False
        return any(net.subnet_of(ipaddress.IPv4Network(b)) for b in self.bastion_cidrs)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False, sort_keys=True) + "\n"

    @staticmethod
    def from_dict(data: dict[str, Any]) -> Facts:
        tuples = {k: tuple(v) for k, v in data.items() if isinstance(v, list)}
        return Facts(**{**data, **tuples})

    @staticmethod
    def load(path: Path | None = None) -> Facts:
        chosen = path or Path(os.environ.get("GOVCLOUD_POLICY_FACTS", FACTS_FILE))
        return Facts.from_dict(json.loads(chosen.read_text(encoding="utf-8")))

"""What a legacy application's YAML file (catalog/legacy/<app>.yaml) may say.

Field rules live here (pydantic, unknown fields refused); rules that need the whole file or the
platform (tier references, unique addresses, approved images, peers on the platform) live in
load.py.
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from govcloud.catalog.model import Address, Endpoint, Owner, PortSpec, Sensitivity, Slug, ZoneName


def _check_cidr_or_address(value: str) -> str:
    """A peer's addresses: one address (10.1.2.3) or a network (10.1.2.0/24)."""
    try:
        return str(ipaddress.IPv4Network(value, strict=True))
    except ValueError as exc:
        raise ValueError(f"not an IPv4 address or network in CIDR form with host bits zero ({exc})") from None


AddressOrCidr = Annotated[
    str,
    AfterValidator(_check_cidr_or_address),
    Field(description="IPv4 address or network in CIDR form, e.g. 172.16.20.0/24."),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Reach(StrEnum):
    """Where a peer or a group of users sits, seen from the application."""

    specialised = "specialised"  # the department's specialised network (专网), a dedicated line
    intranet = "intranet"  # 政务内网, off the platform
    extranet = "extranet"  # 政务外网, off the platform
    internet = "internet"
    platform = "platform"  # a host group already on the platform: `endpoint` names it


class Tier(Strict):
    name: Slug = Field(description="Tier name; becomes the tenant's host group and network.")
    role: Slug = Field(description="What the tier does, e.g. web, app, db, mq, collector.")
    zone: ZoneName | None = Field(
        default=None,
        description="Zone to place the tier in; by default extranet when users reach it over the "
        "extranet or the internet, else intranet.",
    )
    after: list[Slug] = Field(
        default_factory=list,
        description="Tiers that must move before this one, besides those it connects to.",
    )


class LegacyHost(Strict):
    name: str = Field(min_length=1, description="The host's current name.")
    tier: Slug
    os: str = Field(min_length=1, description="Current operating system, e.g. 'CentOS 7.9', 'Kylin V10'.")
    cpu: int = Field(ge=1, le=512, description="Cores today.")
    memory_gb: int = Field(ge=1, le=8192, description="Memory today, GiB.")
    disk_gb: int = Field(ge=1, le=262144, description="Disk in use today (system and data), GiB.")
    addresses: list[Address] = Field(min_length=1, description="Current addresses (used by discovery).")
    peak_cpu_percent: int | None = Field(
        default=None, ge=1, le=100, description="Observed peak CPU use; sizes the flavor down when low."
    )
    peak_memory_percent: int | None = Field(default=None, ge=1, le=100, description="Observed peak memory use.")
    image: str | None = Field(default=None, description="Approved image to use instead of the mapped one.")


class Peer(Strict):
    name: Slug
    title: str = Field(min_length=1, description="What the peer is, e.g. 省财政厅国库支付系统.")
    reached_over: Reach
    addresses: list[AddressOrCidr] = Field(
        default_factory=list, description="Its addresses as seen from the app (used by discovery)."
    )
    endpoint: Endpoint | None = Field(
        default=None, description="For reached_over: platform, the '<tenant>/<group>' it is on the platform."
    )
    approval: str | None = Field(
        default=None, min_length=1, description="Approval reference for flows to or from this peer."
    )
    app: Slug | None = Field(
        default=None,
        description="When the peer is another legacy application migrating too (catalog/legacy/<app>.yaml): "
        "`migrate waves` moves that one first.",
    )


class Users(Strict):
    name: str = Field(min_length=1, description="Who they are, e.g. 各预算单位经办人员.")
    count: int = Field(ge=1, le=10_000_000)
    reached_over: Reach
    tier: Slug = Field(description="The tier they connect to.")
    ports: list[PortSpec] = Field(min_length=1)
    approval: str | None = Field(default=None, min_length=1, description="Needed when users come from the internet.")


class Connection(Strict):
    source: Slug = Field(alias="from", description="A tier or a peer.")
    destination: Slug = Field(alias="to", description="A tier or a peer.")
    ports: list[PortSpec] = Field(min_length=1)
    approval: str | None = Field(default=None, min_length=1)
    purpose: str = ""


class Discovery(Strict):
    flows_csv: str = Field(min_length=1, description="CSV of observed connections, relative to this file.")
    min_count: int = Field(default=10, ge=1, description="Connections seen fewer times than this are noise.")


class LegacyApp(Strict):
    app: Slug = Field(description="The application's identifier; the file is catalog/legacy/<app>.yaml.")
    name: str = Field(min_length=1, description="Name in Chinese.")
    name_en: str = Field(min_length=1)
    tenant: Slug | None = Field(default=None, description="Slug of the tenant to create (default: app).")
    owner: Owner
    mlps_level: int = Field(ge=1, le=4)
    sensitivity: Sensitivity
    specialised_network: str = Field(min_length=1, description="The specialised network it runs on, e.g. 财政专网.")
    downtime_minutes: int = Field(ge=0, le=100_000, description="Tolerated downtime at cutover.")
    migration_link_mbps: int = Field(
        default=1000, ge=1, le=100_000, description="Bandwidth of the temporary link used to copy data."
    )
    tiers: list[Tier] = Field(min_length=1)
    hosts: list[LegacyHost] = Field(min_length=1)
    peers: list[Peer] = Field(default_factory=list)
    users: list[Users] = Field(default_factory=list)
    connections: list[Connection] = Field(default_factory=list)
    discovery: Discovery | None = None
    notes: str = ""

    @property
    def tenant_slug(self) -> str:
        return self.tenant or self.app

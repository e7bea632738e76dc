"""The typed catalog: what a zone's YAML files may say.

Field-level rules live here (pydantic); rules that need the whole catalog (overlaps,
references, quotas, approvals) live in `rules/`.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

SLUG_PATTERN = r"^[a-z][a-z0-9-]{0,30}[a-z0-9]$"
SLUG_HELP = "lowercase letters, digits and '-', 2-32 characters, starting with a letter"
PORT_PATTERN = r"^(\d{1,5})(-(\d{1,5}))?/(tcp|udp)$|^icmp$"
ENDPOINT_PATTERN = r"^internet$|^([a-z][a-z0-9-]{0,30}[a-z0-9]/)?[a-z][a-z0-9-]{0,30}[a-z0-9]$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"

Slug = Annotated[str, Field(pattern=SLUG_PATTERN, description=f"Identifier: {SLUG_HELP}.")]


def _check_network(value: str) -> str:
    try:
        net = ipaddress.IPv4Network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"not an IPv4 network in CIDR form with host bits zero ({exc})") from None
    return str(net)


def _check_address(value: str) -> str:
    try:
        return str(ipaddress.IPv4Address(value))
    except ValueError:
        raise ValueError("not an IPv4 address (e.g. 10.30.1.10)") from None


def _check_port(value: str) -> str:
    match = re.match(PORT_PATTERN, value)
    if not match:
        raise ValueError("a port is 'N/tcp', 'N-M/udp' or 'icmp'")
    if value != "icmp":
        low = int(match.group(1))
        high = int(match.group(3) or low)
        if not 1 <= low <= high <= 65535:
            raise ValueError("port numbers run 1-65535 and a range goes low-high")
    return value


Cidr = Annotated[
    str,
    AfterValidator(_check_network),
    Field(description="IPv4 network in CIDR form, e.g. 10.10.16.0/24."),
]
Address = Annotated[str, AfterValidator(_check_address), Field(description="IPv4 address.")]
PortSpec = Annotated[
    str,
    AfterValidator(_check_port),
    Field(description="'443/tcp', '8000-8080/tcp', '53/udp' or 'icmp'."),
]
Endpoint = Annotated[
    str,
    Field(
        pattern=ENDPOINT_PATTERN,
        description=(
            "'<group-or-host>' in this tenant, '<tenant>/<group-or-host>' in another, "
            "or 'internet' (only through the unified internet exit)."
        ),
    ),
]


class Strict(BaseModel):
    """Every catalog object refuses unknown fields: a typo must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ZoneName(StrEnum):
    intranet = "intranet"
    extranet = "extranet"
    management = "management"


class Sensitivity(StrEnum):
    public = "public"
    internal = "internal"
    sensitive = "sensitive"
    classified = "classified"


class Backbone(Strict):
    network: str = Field(
        description="Name of the existing Neutron external (provider) network; "
        "stack config govcloud:backbones can override it per environment."
    )
    cidr: Cidr = Field(description="The backbone subnet, inside the zone's supernet.")


class Zone(Strict):
    title: str = Field(description="Display name, e.g. 政务内网.")
    supernet: Cidr = Field(description="Every address of this zone lies inside this network.")
    backbone: Backbone
    internet: bool = Field(default=False, description="True only for the zone that leaves through the internet exit.")


class InternetExit(Strict):
    router: Slug = Field(description="Name of the platform's single internet-exit router.")
    external_network: str = Field(
        description="Existing provider network facing the internet (overridable in stack config)."
    )
    zone: ZoneName = Field(description="The zone whose backbone the exit router joins.")
    backbone_ip: Address = Field(description="The exit router's address on that backbone (the backbone's gateway).")
    resolvers: list[Address] = Field(
        default_factory=list,
        description="The internet-facing resolvers behind the exit (the carrier's): the only servers the "
        "extranet resolver forwards to. The intranet resolver never uses them.",
    )


class Image(Strict):
    name: str
    os: str = Field(description="Operating system and version.")
    domestic: bool = Field(
        description="A domestic, secure-and-controllable (国产化) product, e.g. Kylin, UOS, openEuler."
    )


class Flavor(Strict):
    name: str
    vcpus: int = Field(ge=1, le=128)
    ram_mb: int = Field(ge=256)
    disk_gb: int = Field(ge=1)


class VolumeType(Strict):
    name: Slug
    encrypted: bool
    description: str = ""


class TrustService(StrEnum):
    identity = "identity"
    authorization = "authorization"
    audit_log = "audit-log"
    time = "time"
    timestamping = "timestamping"
    key_management = "key-management"
    certificate_authority = "certificate-authority"
    registration_authority = "registration-authority"
    dns = "dns"
    bastion = "bastion"


class Placement(Strict):
    tenant: Slug
    group: Slug


class BaselineFlow(Strict):
    """A platform-wide, pre-approved flow between every tenant host and a platform service."""

    name: Slug
    service: TrustService = Field(description="The trust service at the platform end.")
    direction: Literal["to-service", "from-service"] = Field(
        description="to-service: tenant hosts open connections to the service; "
        "from-service: the service (e.g. the bastion) connects to tenant hosts."
    )
    ports: list[PortSpec] = Field(min_length=1)
    approval: str = Field(min_length=1)


class Platform(Strict):
    name: Slug
    title: str
    zones: dict[ZoneName, Zone]
    internet_exit: InternetExit
    images: list[Image] = Field(min_length=1)
    flavors: list[Flavor] = Field(min_length=1)
    volume_types: list[VolumeType] = Field(min_length=1)
    dns_resolvers: dict[ZoneName, list[Address]] = Field(
        description="Resolvers handed to every subnet of a zone by DHCP."
    )
    management_tenant: Slug = Field(description="The platform's own tenant (trust services, O&M).")
    exchange_tenant: Slug = Field(
        description="The data-exchange platform's tenant: the only one whose exchange-gateway hosts "
        "join the intranet and the extranet."
    )
    trust_services: dict[TrustService, Placement]
    baseline_flows: list[BaselineFlow] = Field(default_factory=list)
    capacity: Quotas = Field(description="What the cloud can hand out in total across tenants.")

    def service_addresses(self, addresses_of: Callable[[str, str], Iterable[str]]) -> dict[str, list[str]]:
        """Every platform service (time, audit-log, dns, bastion, ...) with the addresses of the hosts
        that run it (`addresses_of(tenant, group)`: the plan's or the live cloud's), then, outside the
        cloud, where the extranet resolver forwards (playbooks/group_vars/group_mgmt_dns.yml)."""
        out: dict[str, list[str]] = {}
        for service, place in sorted(self.trust_services.items(), key=lambda item: str(item[0])):
            out[str(getattr(service, "value", service))] = sorted(set(addresses_of(place.tenant, place.group)))
        out["internet-resolver"] = [str(ip) for ip in self.internet_exit.resolvers]
        return out


class Owner(Strict):
    department: str = Field(description="The owning department, e.g. 财政局.")
    contact: str
    email: str = Field(pattern=EMAIL_PATTERN)


class NetworkSpec(Strict):
    name: Slug
    zone: ZoneName
    cidr: Cidr


class VolumeSpec(Strict):
    name: Slug
    size_gb: int = Field(ge=1, le=16384)
    type: Slug = Field(description="A volume type from platform.yaml.")


class Nic(Strict):
    network: Slug
    ip: Address | None = Field(default=None, description="Fixed address; when absent one is assigned from the network.")


class HostSpec(Strict):
    name: Slug
    group: Slug = Field(description="Host group: security group, Ansible group, flow endpoint.")
    role: Slug = Field(description="What the host does, e.g. web, db, app, bastion, exchange-gateway.")
    count: int = Field(default=1, ge=1, le=32, description="Replicas; more than one are spread by anti-affinity.")
    flavor: str
    image: str
    nics: list[Nic] = Field(min_length=1)
    volumes: list[VolumeSpec] = Field(default_factory=list)


class Quotas(Strict):
    instances: int = Field(ge=0)
    cores: int = Field(ge=0)
    ram_mb: int = Field(ge=0)
    volumes: int = Field(ge=0)
    gigabytes: int = Field(ge=0)
    networks: int = Field(ge=0)
    subnets: int = Field(ge=0)
    ports: int = Field(ge=0)
    routers: int = Field(ge=0)
    security_groups: int = Field(ge=0)
    security_group_rules: int = Field(ge=0)
    floating_ips: int = Field(default=0, ge=0)


class Flow(Strict):
    name: Slug
    source: Endpoint = Field(alias="from")
    destination: Endpoint = Field(alias="to")
    ports: list[PortSpec] = Field(min_length=1)
    approval: str | None = Field(
        default=None,
        min_length=1,
        description="Approval reference; required when the flow crosses a zone or a tenant.",
    )
    purpose: str = ""


class Tenant(Strict):
    slug: Slug
    name: str = Field(description="Department name in Chinese.")
    name_en: str
    owner: Owner
    mlps_level: int = Field(ge=1, le=4, description="MLPS 2.0 protection level (1-4).")
    sensitivity: Sensitivity = Field(
        description="classified (涉密) systems are refused: they may not share this platform."
    )
    zones: list[ZoneName] = Field(min_length=1)
    networks: list[NetworkSpec] = Field(min_length=1)
    quotas: Quotas
    hosts: list[HostSpec] = Field(default_factory=list)
    flows: list[Flow] = Field(default_factory=list)
    notes: str = ""


Platform.model_rebuild()

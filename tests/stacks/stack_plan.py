"""Read an offline plan document: resources by type, and IDs resolved back to what they name.

Inputs that reference another resource hold the mock engine's deterministic ID for it, and
lookups (getNetwork, getSubnet, getRole, ...) hold the ID the mock answered. Both are
computed here with the very mocks the plan ran under (govcloud.plan.engine.PlanMocks), so
the tests do not restate the ID scheme; a reference to a resource must also show up in the
referring resource's dependencies, or the real engine would not order them.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from govcloud.catalog.loader import Catalog
from govcloud.catalog.model import ZoneName
from govcloud.plan.document import PLATFORM
from govcloud.plan.engine import PlanMocks

Resource = dict[str, Any]

ROOT = Path(__file__).resolve().parents[2]  # the Pulumi project (Pulumi.yaml, Pulumi.lab.yaml)
CATALOG = ROOT / "catalog"  # the sample zone
STACK = "lab"

PROJECT = "openstack:identity/project:Project"
ROUTER = "openstack:networking/router:Router"
ROUTER_INTERFACE = "openstack:networking/routerInterface:RouterInterface"
NETWORK = "openstack:networking/network:Network"
SUBNET = "openstack:networking/subnet:Subnet"
PORT = "openstack:networking/port:Port"
SEC_GROUP = "openstack:networking/secGroup:SecGroup"
SEC_GROUP_RULE = "openstack:networking/secGroupRule:SecGroupRule"
INSTANCE = "openstack:compute/instance:Instance"
SERVER_GROUP = "openstack:compute/serverGroup:ServerGroup"
KEYPAIR = "openstack:compute/keypair:Keypair"
VOLUME = "openstack:blockstorage/volume:Volume"
VOLUME_TYPE = "openstack:blockstorage/volumeTypeV3:VolumeTypeV3"
VOLUME_ATTACH = "openstack:compute/volumeAttach:VolumeAttach"
COMPUTE_QUOTA = "openstack:compute/quotaSetV2:QuotaSetV2"
NETWORK_QUOTA = "openstack:networking/quotaV2:QuotaV2"
VOLUME_QUOTA = "openstack:blockstorage/quoteSetV3:QuoteSetV3"
ROLE = "openstack:identity/role:Role"
ROLE_ASSIGNMENT = "openstack:identity/roleAssignment:RoleAssignment"
GROUP = "openstack:identity/groupV3:GroupV3"
PROVIDER = "pulumi:providers:openstack"

GET_NETWORK = "openstack:networking/getNetwork:getNetwork"
GET_SUBNET = "openstack:networking/getSubnet:getSubnet"
GET_ROLE = "openstack:identity/getRole:getRole"

INTERNET = "internet"  # pseudo-zone of the internet-facing network


@dataclass(frozen=True)
class Lookup:
    token: str
    args: dict[str, Any]


class PlanIndex:
    def __init__(self, plan: dict[str, Any], catalog: Catalog) -> None:
        self.plan = plan
        self.catalog = catalog
        self.resources: list[Resource] = plan["resources"]
        self.by_urn = {r["urn"]: r for r in self.resources}
        mocks = PlanMocks()
        self._by_id: dict[str, Resource | Lookup] = {}
        for r in self.resources:
            if not r["custom"]:
                continue
            id_, _ = mocks.new_resource(MockResourceArgs(typ=r["type"], name=r["name"], inputs={}, custom=True))
            assert id_ is not None
            assert id_ not in self._by_id, f"two resources would get the id {id_}"
            self._by_id[id_] = r
        self._lookup_ids: dict[tuple[str, str], str] = {}
        for entry in plan["lookups"]:
            answer = mocks.call(MockCallArgs(token=entry["token"], args=entry["args"], provider=""))
            id_ = str(answer["id"])
            assert id_ not in self._by_id, f"lookup id {id_} collides with another id"
            self._by_id[id_] = Lookup(entry["token"], entry["args"])
            key = entry["args"].get("name") or entry["args"].get("cidr")
            if key is not None:
                self._lookup_ids[(entry["token"], str(key))] = id_

    # --- selection -------------------------------------------------------------------
    def of_type(self, type_: str) -> list[Resource]:
        return [r for r in self.resources if r["type"] == type_]

    def tenant_resources(self, type_: str, tenant: str) -> list[Resource]:
        return [r for r in self.of_type(type_) if r["tenant"] == tenant]

    def project(self, tenant: str) -> Resource:
        (project,) = self.tenant_resources(PROJECT, tenant)
        return project

    def instance(self, tenant: str, host: str) -> Resource:
        """The Instance of the catalog host replica `host` (named `<tenant>-<host>`)."""
        found = [i for i in self.tenant_resources(INSTANCE, tenant) if i["inputs"]["name"] == f"{tenant}-{host}"]
        assert len(found) == 1, f"{tenant}/{host}: {len(found)} instances"
        return found[0]

    # --- references ------------------------------------------------------------------
    def lookup_id(self, token: str, key: str) -> str:
        """The ID the lookup `token` answered for name (or cidr) `key`."""
        try:
            return self._lookup_ids[(token, key)]
        except KeyError:
            raise AssertionError(f"the plan has no lookup {token} for {key!r}") from None

    def target(self, id_: str) -> Resource | Lookup:
        try:
            return self._by_id[id_]
        except KeyError:
            raise AssertionError(f"{id_!r} names no resource and no lookup of the plan") from None

    def ref(self, resource: Resource, id_: str, type_: str) -> Resource:
        """The resource of type `type_` that `id_` (an input of `resource`) names."""
        found = self.target(id_)
        assert isinstance(found, dict), f"{resource['name']}: {id_} is a lookup, not a {type_}"
        assert found["type"] == type_, f"{resource['name']}: {id_} is a {found['type']}, not a {type_}"
        assert found["urn"] in resource["dependencies"], (
            f"{resource['name']} uses {found['name']} without depending on it"
        )
        return found

    # --- zones -----------------------------------------------------------------------
    def zone_of_cidr(self, cidr: str) -> ZoneName:
        net = ipaddress.IPv4Network(cidr)
        zones = [
            name
            for name, zone in self.catalog.platform.zones.items()
            if net.subnet_of(ipaddress.IPv4Network(zone.supernet))
        ]
        assert len(zones) == 1, f"{cidr} lies in zones {zones}"
        return zones[0]

    def backbone_zone(self, network_name: str) -> ZoneName | None:
        for name, zone in self.catalog.platform.zones.items():
            if zone.backbone.network == network_name:
                return name
        return None

    def internet_zone(self) -> ZoneName:
        (zone,) = [n for n, z in self.catalog.platform.zones.items() if z.internet]
        return zone

    def network_zone(self, id_: str) -> ZoneName | str:
        """The zone of a network given by ID: a backbone, the internet network or a tenant's.

        A tenant network's zone comes from the catalog: the network spec of that tenant
        whose CIDR its subnets carry (not from the resource's own tags).
        """
        found = self.target(id_)
        if isinstance(found, Lookup):
            assert found.token == GET_NETWORK, f"{id_} is not a network lookup"
            name = str(found.args["name"])
            if name == self.catalog.platform.internet_exit.external_network:
                return INTERNET
            zone = self.backbone_zone(name)
            assert zone is not None, f"network lookup {name!r} is neither a backbone nor the internet"
            return zone
        assert found["type"] == NETWORK, f"{id_} is a {found['type']}, not a network"
        subnets = [s for s in self.of_type(SUBNET) if s["inputs"]["networkId"] == id_]
        assert subnets, f"network {found['name']} has no subnet"
        zones = {self.subnet_zone(s) for s in subnets}
        assert len(zones) == 1, f"network {found['name']} spans zones {zones}"
        return zones.pop()

    def subnet_zone(self, subnet: Resource) -> ZoneName:
        cidr = subnet["inputs"]["cidr"]
        spec = self.catalog.tenants[subnet["tenant"]]
        declared = [n for n in spec.networks if n.cidr == cidr]
        assert len(declared) == 1, f"subnet {subnet['name']} ({cidr}) is no network of tenant {spec.slug}"
        assert self.zone_of_cidr(cidr) == declared[0].zone
        return declared[0].zone

    def subnet_id_zone(self, id_: str) -> ZoneName:
        found = self.target(id_)
        if isinstance(found, Lookup):
            assert found.token == GET_SUBNET, f"{id_} is not a subnet lookup"
            return self.zone_of_cidr(str(found.args["cidr"]))
        assert found["type"] == SUBNET, f"{id_} is a {found['type']}, not a subnet"
        return self.subnet_zone(found)

    def tenant_subnet(self, tenant: str, network: str) -> Resource:
        """The Subnet resource of the catalog network `network` of `tenant` (found by CIDR)."""
        (spec,) = [n for n in self.catalog.tenants[tenant].networks if n.name == network]
        subnets = [s for s in self.tenant_resources(SUBNET, tenant) if s["inputs"]["cidr"] == spec.cidr]
        assert len(subnets) == 1, f"{tenant}/{network}: {len(subnets)} subnets with {spec.cidr}"
        return subnets[0]


def tag_values(resource: Resource, key: str) -> list[str]:
    prefix = f"{key}:"
    return [t[len(prefix) :] for t in resource["inputs"].get("tags", []) if t.startswith(prefix)]


def is_platform(resource: Resource) -> bool:
    return bool(resource["tenant"] == PLATFORM)


def duplicates(items: list[Any]) -> list[Any]:
    return [x for x, n in Counter(items).items() if n > 1]

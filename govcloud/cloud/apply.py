"""`govcloud cloud apply`: the offline plan's resources created in the LOCAL lab cloud.

Lab only. Production applies the same program with `pulumi up`; this exists so that the
live audit and drift detection have a realistic cloud to read, built from the very plan
they compare against. It creates what is missing and changes nothing that exists (quotas
excepted: they are set, not created), matching by the identity the plan gives each
resource (names within their project, rules by their fields), so a second run creates nothing.

Nova and Cinder create in the token's project, as the stack's per-tenant provider does:
servers, volumes, server groups and key pairs are made as the deployer user (the plan's
`getUser` lookup), scoped to each tenant project through the plan's own role assignment of
the deployers group. Its password is set to a fresh random value on each run and kept in
memory only.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import openstack
from openstack.connection import Connection

from govcloud.cloud import ports
from govcloud.cloud.connect import block_storage, identity
from govcloud.cloud.errors import CloudError
from govcloud.live.model import KINDS, Record
from govcloud.live.planned import Planned
from govcloud.live.reader import LiveState, read_live

Say = Callable[[str], None]
# The internet network is a lookup of the plan: it exists in production. The lab makes a
# stand-in on a documentation range (RFC 5737), never routed anywhere.
LAB_EXTERNAL_CIDR = "203.0.113.0/24"
BULK = 200  # Neutron bulk creates per request
WAIT_SECONDS = 600


@dataclass
class ApplyResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    seconds: float = 0.0


class _Apply:
    def __init__(self, conn: Connection, planned: Planned, say: Say) -> None:
        self.conn = conn
        self.planned = planned
        self.say = say
        self.result = ApplyResult()
        self.live: LiveState = LiveState()
        self.ids: dict[tuple[str, tuple[str, ...]], str] = {}
        self.gateways: dict[str, str] = {}  # "gateway of p/r" -> ip
        self.deployer_password = secrets.token_urlsafe(24)
        self.scoped: dict[str, Connection] = {}

    # ---- lookups -------------------------------------------------------------------------

    def id(self, kind: str, key: tuple[str, ...]) -> str:
        found = self.ids.get((kind, key))
        if found is None:
            raise CloudError(f"apply: {kind} {'/'.join(key)} is needed but neither planned nor in the cloud")
        return found

    def project_id(self, name: str) -> str:
        return self.id("project", (name,))

    def as_deployer(self, project: str) -> Connection:
        """A connection scoped to `project` as the deployer, like the stack's tenant provider."""
        if project not in self.scoped:
            self.scoped[project] = openstack.connect(
                auth={
                    "auth_url": ports.KEYSTONE_URL,
                    "username": self.planned.deployer_user,
                    "password": self.deployer_password,
                    "project_id": self.project_id(project),
                    "user_domain_name": "Default",
                },
                region_name=ports.REGION,
                interface="public",
                identity_api_version="3",
                load_yaml_config=False,
                load_envvars=False,
            )
        return self.scoped[project]

    def made(self, record: Record, new_id: str) -> None:
        self.ids[(record.kind, record.key)] = new_id
        self.result.created.append(record.identity)

    # ---- the run -------------------------------------------------------------------------

    def run(self) -> ApplyResult:
        started = time.monotonic()
        self._prerequisites()
        step = time.monotonic()
        self.live = read_live(self.conn, self.planned.deployer_user)
        self.ids = dict(self.live.ids)
        self.gateways = dict(self.live.extra["router_gateways"])
        self.say(f"apply: read {len(self.live.records)} live resources ({time.monotonic() - step:.1f} s)")
        live_fields = {(r.kind, r.key): r.fields for r in self.live.records}
        by_kind: dict[str, list[Record]] = {kind: [] for kind in KINDS}
        for record in self.planned.records:
            by_kind[record.kind].append(record)
        for kind in KINDS:
            step = time.monotonic()
            before = len(self.result.created) + len(self.result.updated)
            if kind.endswith("_quota"):
                self._quotas(kind, by_kind[kind], live_fields)
            elif kind == "volume_type":
                self._volume_type_specs(by_kind[kind], live_fields)
            else:
                missing = [r for r in by_kind[kind] if (r.kind, r.key) not in self.ids]
                if missing:
                    getattr(self, f"_create_{kind}")(missing)
            changes = len(self.result.created) + len(self.result.updated) - before
            self.say(
                f"apply: {kind}: {len(by_kind[kind])} planned, {changes} created or updated "
                f"({time.monotonic() - step:.1f} s)"
            )
        self.result.seconds = time.monotonic() - started
        return self.result

    def _prerequisites(self) -> None:
        """What the plan looks up rather than creates: the external networks and the deployer."""
        net = self.conn.network
        for name in self.planned.external_networks:
            if net.find_network(name) is not None:
                continue
            network = net.create_network(
                name=name,
                is_router_external=True,
                provider_network_type="flat",
                provider_physical_network=name,
            )
            self._tag(network, ["govcloud", "lab-stand-in"])
            net.create_subnet(
                name=f"{name}-subnet",
                network_id=network.id,
                ip_version=4,
                cidr=LAB_EXTERNAL_CIDR,
                is_dhcp_enabled=False,
            )
            self.result.created.append(f"network {name} (lab stand-in for a lookup)")
        ident = identity(self.conn)
        user = ident.find_user(self.planned.deployer_user, domain_id="default")
        if user is None:
            ident.create_user(
                name=self.planned.deployer_user,
                domain_id="default",
                password=self.deployer_password,
                description="runs the govcloud Pulumi program (lab: govcloud cloud apply)",
            )
            self.result.created.append(f"user {self.planned.deployer_user}")
        else:
            ident.update_user(user, password=self.deployer_password)

    # ---- identity ------------------------------------------------------------------------

    def _create_flavor(self, missing: list[Record]) -> None:
        for r in missing:
            f = r.fields
            made = self.conn.compute.create_flavor(
                name=r.key[0], vcpus=f["vcpus"], ram=f["ram"], disk=f["disk"], is_public=f["is_public"]
            )
            self.made(r, made.id)

    def _volume_type_specs(self, planned: list[Record], live: dict[tuple[str, tuple[str, ...]], Any]) -> None:
        """`cloud up` made the volume types; add the extra specs the plan records on them."""
        for r in planned:
            have = (live.get((r.kind, r.key)) or {}).get("extra_specs")
            if have is None:
                self._create_volume_type([r])
                continue
            wanted = r.fields["extra_specs"]
            if any(have.get(k) != v for k, v in wanted.items()):
                block_storage(self.conn).update_type_extra_specs(self.id(r.kind, r.key), **wanted)
                self.result.updated.append(r.identity)

    def _create_volume_type(self, missing: list[Record]) -> None:
        for r in missing:
            f = r.fields
            made = block_storage(self.conn).create_type(
                name=r.key[0], description=f["description"], is_public=f["is_public"], extra_specs=f["extra_specs"]
            )
            self.made(r, made.id)

    def _create_role(self, missing: list[Record]) -> None:
        for r in missing:
            self.made(r, identity(self.conn).create_role(name=r.key[0]).id)

    def _create_group(self, missing: list[Record]) -> None:
        for r in missing:
            group = identity(self.conn).create_group(
                name=r.key[0], description=r.fields["description"], domain_id="default"
            )
            self.made(r, group.id)

    def _create_user_membership(self, missing: list[Record]) -> None:
        ident = identity(self.conn)
        users = self.live.extra["users"] | {u.name: u.id for u in ident.users(name=self.planned.deployer_user)}
        for r in missing:
            group, user = r.key
            ident.add_user_to_group(users[user], self.id("group", (group,)))  # type: ignore[no-untyped-call]
            self.made(r, f"{group}:{user}")

    def _create_project(self, missing: list[Record]) -> None:
        for r in missing:
            project = identity(self.conn).create_project(
                name=r.key[0], description=r.fields["description"], tags=r.fields["tags"], domain_id="default"
            )
            self.made(r, project.id)

    def _create_role_assignment(self, missing: list[Record]) -> None:
        ident = identity(self.conn)
        users = {u.name: u.id for u in ident.users()}
        for r in missing:
            project, actor, role = r.key
            kind, name = actor.split(":", 1)
            if kind == "group":
                ident.assign_project_role_to_group(  # type: ignore[no-untyped-call]
                    self.project_id(project), self.id("group", (name,)), self.id("role", (role,))
                )
            else:
                ident.assign_project_role_to_user(  # type: ignore[no-untyped-call]
                    self.project_id(project), users[name], self.id("role", (role,))
                )
            self.made(r, f"{project}:{actor}:{role}")

    def _quotas(self, kind: str, planned: list[Record], live: dict[tuple[str, tuple[str, ...]], Any]) -> None:
        """Quotas always exist (as defaults): set those that differ from the plan."""
        for r in planned:
            if live.get((kind, r.key)) == r.fields:
                continue
            pid = self.project_id(r.key[0])
            if kind == "compute_quota":
                self.conn.compute.update_quota_set(pid, **r.fields)
            elif kind == "network_quota":
                self.conn.network.update_quota(pid, **r.fields)
            else:
                block_storage(self.conn).update_quota_set(pid, **r.fields)
            self.result.updated.append(r.identity)

    # ---- network -------------------------------------------------------------------------

    def _create_network(self, missing: list[Record]) -> None:
        for r in missing:
            f = r.fields
            made = self.conn.network.create_network(
                name=r.key[1],
                project_id=self.project_id(r.key[0]),
                is_port_security_enabled=f["port_security_enabled"],
                is_shared=f["shared"],
            )
            self._tag(made, f["tags"])
            self.made(r, made.id)

    def _network_id(self, project: str, name: str) -> str:
        # a tenant's own network, else a shared/external one (the backbones) by name
        return (
            self.ids.get(("network", (project, name)))
            or self.live.extra["networks"].get(name)
            or self.id("network", (project, name))
        )

    def _create_subnet(self, missing: list[Record]) -> None:
        for r in missing:
            f = r.fields
            made = self.conn.network.create_subnet(
                name=r.key[1],
                project_id=self.project_id(r.key[0]),
                network_id=self._network_id(r.key[0], f["network"]),
                cidr=f["cidr"],
                ip_version=f["ip_version"],
                is_dhcp_enabled=f["enable_dhcp"],
                allocation_pools=[{"start": s, "end": e} for s, e in f["allocation_pools"]],
                dns_nameservers=f["dns_nameservers"],
            )
            self._tag(made, f["tags"])
            self.made(r, made.id)

    def _create_router(self, missing: list[Record]) -> None:
        for r in missing:
            f = r.fields
            gateway = None
            if f["external_network"]:
                gateway = {"network_id": self._network_id(r.key[0], f["external_network"])}
                if f["enable_snat"] is not None:
                    gateway["enable_snat"] = f["enable_snat"]
            made = self.conn.network.create_router(
                name=r.key[1],
                project_id=self.project_id(r.key[0]),
                description=f["description"],
                external_gateway_info=gateway,
            )
            self._tag(made, f["tags"])
            for ip in (made.external_gateway_info or {}).get("external_fixed_ips") or []:
                self.gateways[f"gateway of {r.key[0]}/{r.key[1]}"] = ip["ip_address"]
            self.made(r, made.id)

    def _create_router_interface(self, missing: list[Record]) -> None:
        for r in missing:
            project, router, via = r.key
            kind, name = via.split(":", 1)
            router_id = self.id("router", (project, router))
            net = self.conn.network
            if kind == "subnet":
                answer = net.add_interface_to_router(router_id, subnet=self.id("subnet", (project, name)))  # type: ignore[no-untyped-call]
            else:
                answer = net.add_interface_to_router(router_id, port=self.id("port", (project, name)))  # type: ignore[no-untyped-call]
            self.made(r, str(answer.get("port_id", "")))

    def _create_router_route(self, missing: list[Record]) -> None:
        by_router: dict[tuple[str, str], list[dict[str, str]]] = {}
        for r in missing:
            hop = self.gateways.get(r.fields["next_hop"], r.fields["next_hop"])
            by_router.setdefault((r.key[0], r.key[1]), []).append({"destination": r.key[2], "nexthop": hop})
        for (project, router), routes in by_router.items():
            router_id = self.id("router", (project, router))
            body = {"router": {"routes": routes}}
            self.conn.network.add_extra_routes_to_router(router_id, body=body)  # type: ignore[no-untyped-call]
        for r in missing:
            self.made(r, self.id("router", (r.key[0], r.key[1])))

    def _create_security_group(self, missing: list[Record]) -> None:
        for r in missing:
            made = self.conn.network.create_security_group(
                name=r.key[1],
                project_id=self.project_id(r.key[0]),
                description=r.fields["description"],
            )
            self._tag(made, r.fields["tags"])
            # the plan's delete_default_rules: Neutron adds allow-all egress to every new group
            for rule in made.security_group_rules or []:
                self.conn.network.delete_security_group_rule(rule["id"])
            self.made(r, made.id)

    def _create_security_group_rule(self, missing: list[Record]) -> None:
        bodies = []
        for r in missing:
            project, group, direction, ethertype, protocol, port_range, remote = r.key
            body: dict[str, Any] = {
                "security_group_id": self.id("security_group", (project, group)),
                "project_id": self.project_id(project),
                "direction": direction,
                "ethertype": ethertype,
                "description": r.fields["description"],
            }
            if protocol != "any":
                body["protocol"] = protocol
            if port_range != "any":
                low, high = port_range.split("-")
                body["port_range_min"], body["port_range_max"] = int(low), int(high)
            if remote.startswith("group:"):
                body["remote_group_id"] = self.id("security_group", (project, remote[6:]))
            elif remote != "any":
                body["remote_ip_prefix"] = remote
            bodies.append(body)
        # Neutron takes a bulk of rules for one security group at a time
        batches: dict[str, list[tuple[Record, dict[str, Any]]]] = {}
        for r, body in zip(missing, bodies, strict=True):
            batches.setdefault(body["security_group_id"], []).append((r, body))
        for batch in batches.values():
            for start in range(0, len(batch), BULK):
                chunk = batch[start : start + BULK]
                made = list(self.conn.network.create_security_group_rules([b for _, b in chunk]))
                for (r, _), rule in zip(chunk, made, strict=True):
                    self.made(r, rule.id)

    def _create_port(self, missing: list[Record]) -> None:
        # ports name their subnets by CIDR (the plan may only look one up by it)
        subnet_ids: dict[tuple[str, str], str] = dict(self.live.extra["subnets_by_network"])
        for r in self.planned.records:
            if r.kind == "subnet" and ("subnet", r.key) in self.ids:
                subnet_ids[(r.fields["network"], r.fields["cidr"])] = self.ids[("subnet", r.key)]
        bodies = []
        for r in missing:
            project, name = r.key
            f = r.fields
            network_id = self._network_id(project, f["network"])
            fixed = []
            for cidr, ip in f["fixed_ips"]:
                subnet_id = subnet_ids.get((f["network"], cidr))
                if subnet_id is None:
                    raise CloudError(f"apply: {r.identity}: no subnet {cidr} on network {f['network']}")
                entry = {"subnet_id": subnet_id}
                if ip:
                    entry["ip_address"] = ip
                fixed.append(entry)
            bodies.append(
                {
                    "name": name,
                    "project_id": self.project_id(project),
                    "network_id": network_id,
                    "fixed_ips": fixed,
                    # explicit, even when empty: else Neutron adds the project's default group
                    "security_groups": [self.id("security_group", (project, g)) for g in f["security_groups"]],
                    "port_security_enabled": f["port_security_enabled"],
                }
            )
        for start in range(0, len(bodies), BULK):
            made = list(self.conn.network.create_ports(bodies[start : start + BULK]))
            for r, port in zip(missing[start : start + BULK], made, strict=True):
                self._tag(port, r.fields["tags"])
                self.made(r, port.id)

    def _tag(self, resource: Any, tags: list[str]) -> None:
        # this Neutron (Zed, no tag-creation extension) refuses tags in POST: one PUT after
        if tags:
            self.conn.network.set_tags(resource, tags)  # type: ignore[no-untyped-call]

    # ---- compute and storage (in the tenant's project, as the deployer) -------------------

    def _create_keypair(self, missing: list[Record]) -> None:
        # Key pairs belong to the user: as the deployer, like the stack's tenant providers. Nova
        # counts all of the deployer's key pairs against the key_pairs quota of the project in
        # scope, which the plan sizes for every tenant's key pair, so any tenant's scope does.
        project = next(r.key[0] for r in self.planned.records if r.kind == "project")
        for r in missing:
            made = self.as_deployer(project).compute.create_keypair(name=r.key[0], public_key=r.fields["public_key"])
            self.made(r, made.name)

    def _create_server_group(self, missing: list[Record]) -> None:
        for r in missing:
            made = self.as_deployer(r.key[0]).compute.create_server_group(name=r.key[1], policy=r.fields["policy"])
            self.made(r, made.id)

    def _create_server(self, missing: list[Record]) -> None:
        images: dict[str, str] = self.live.extra["images"]
        flavors: dict[str, str] = self.live.extra["flavors"] | {
            k[0]: v for (kind, k), v in self.ids.items() if kind == "flavor"
        }

        def boot(r: Record) -> str:
            project, name = r.key
            f = r.fields
            # replicas through their anti-affinity group: the local cloud has two fake compute hosts
            group = f.get("server_group")
            hints = {"group": self.id("server_group", (project, group))} if group else {}
            server = self.as_deployer(project).compute.create_server(
                name=name,
                scheduler_hints=hints,
                flavor_id=flavors[f["flavor"]],
                image_id=images[f["image"]],
                key_name=f["key_name"],
                metadata=f["metadata"],
                tags=f["tags"],
                networks=[{"port": self.id("port", (project, p))} for p in f["ports"]],
            )
            return str(server.id)

        # Members of one anti-affinity group booted at the same time can both be scheduled onto the
        # same host before either lands (nova's late check then refuses them until the retries run
        # out): boot in rounds, the n-th member of every group in round n, each round ACTIVE first.
        for batch in boot_rounds(missing):
            self._parallel(batch, boot)
            self._wait(
                "server",
                lambda: {s.id: s.status for s in self.conn.compute.servers(all_projects=True)},
                [self.ids[("server", r.key)] for r in batch],
                "ACTIVE",
            )

    def _create_volume(self, missing: list[Record]) -> None:
        def create(r: Record) -> str:
            f = r.fields
            volume = block_storage(self.as_deployer(r.key[0])).create_volume(
                name=r.key[1], size=f["size"], volume_type=f["volume_type"], metadata=f["metadata"]
            )
            return str(volume.id)

        self._parallel(missing, create)
        storage = block_storage(self.conn)
        self._wait(
            "volume",
            lambda: {v.id: v.status for v in storage.volumes(all_projects=True)},
            [self.ids[("volume", r.key)] for r in missing],
            "available",
        )

    def _create_volume_attachment(self, missing: list[Record]) -> None:
        def attach(r: Record) -> str:
            project, server, volume = r.key
            volume_id = self.id("volume", (project, volume))
            self.as_deployer(project).compute.create_volume_attachment(
                self.id("server", (project, server)), volume_id=volume_id
            )
            return volume_id

        self._parallel(missing, attach)
        storage = block_storage(self.conn)
        self._wait(
            "volume attachment",
            lambda: {v.id: v.status for v in storage.volumes(all_projects=True)},
            [self.ids[("volume_attachment", r.key)] for r in missing],
            "in-use",
        )

    def _parallel(self, records: list[Record], create: Callable[[Record], str]) -> None:
        # a few at a time: each request waits on the API, not on this machine's two cores
        with ThreadPoolExecutor(4) as pool:
            for r, new_id in zip(records, pool.map(create, records), strict=True):
                self.made(r, new_id)

    def _wait(self, what: str, statuses: Callable[[], dict[str, str]], ids: list[str], target: str) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            now = statuses()
            failed = [i for i in ids if now.get(i, "").lower() in ("error", "error_attaching")]
            if failed:
                raise CloudError(f"apply: {len(failed)} {what}(s) went to ERROR, e.g. {failed[0]}")
            pending = [i for i in ids if now.get(i) != target]
            if not pending:
                return
            if time.monotonic() > deadline:
                raise CloudError(f"apply: {len(pending)} {what}(s) not {target} after {WAIT_SECONDS} s")
            time.sleep(1)


def apply_plan(conn: Connection, planned: Planned, say: Say) -> ApplyResult:
    """Create the plan's missing resources in the cloud `conn` points at (lab only)."""
    return _Apply(conn, planned, say).run()


def boot_rounds(servers: list[Record]) -> list[list[Record]]:
    """Servers in rounds: ungrouped ones and the first member of each server group, then the second..."""
    rounds: list[list[Record]] = []
    seen: dict[tuple[str, str], int] = {}
    for r in servers:
        group = r.fields.get("server_group")
        n = 0
        if group:
            n = seen.get((r.key[0], group), 0)
            seen[(r.key[0], group)] = n + 1
        while len(rounds) <= n:
            rounds.append([])
        rounds[n].append(r)
    return rounds

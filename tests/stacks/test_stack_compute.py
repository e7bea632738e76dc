"""Instances, volumes and server groups."""

from __future__ import annotations

from collections import Counter, defaultdict

from stack_plan import (
    INSTANCE,
    KEYPAIR,
    PROJECT,
    PROVIDER,
    SERVER_GROUP,
    VOLUME,
    VOLUME_ATTACH,
    VOLUME_TYPE,
    PlanIndex,
)

from govcloud.catalog.loader import Catalog


def test_one_instance_per_host_replica(index: PlanIndex, catalog: Catalog) -> None:
    expected = Counter(h.tenant for h in catalog.topology.all_hosts())
    assert Counter(i["tenant"] for i in index.of_type(INSTANCE)) == expected
    for host in catalog.topology.all_hosts():
        instance = index.instance(host.tenant, host.name)
        # created inside the tenant's own project, through its project-scoped provider
        (provider,) = index.tenant_resources(PROVIDER, host.tenant)
        assert instance["provider"] == provider["urn"], instance["name"]
        assert index.ref(provider, provider["inputs"]["tenantId"], PROJECT) is index.project(host.tenant)


def test_level3_volumes_use_the_encrypted_type(index: PlanIndex, catalog: Catalog) -> None:
    encrypted = {v.name for v in catalog.platform.volume_types if v.encrypted}
    assert encrypted
    types = {t["inputs"]["name"]: t for t in index.of_type(VOLUME_TYPE)}
    for name in encrypted:
        assert types[name]["inputs"]["extraSpecs"] == {"govcloud:encrypted": "true"}
    level3 = {slug for slug, t in catalog.tenants.items() if t.mlps_level >= 3}
    checked = 0
    for volume in index.of_type(VOLUME):
        if volume["tenant"] not in level3:
            continue
        vtype = volume["inputs"].get("volumeType")
        assert vtype in encrypted, f"{volume['name']} (level 3) is on volume type {vtype!r}"
        assert types[vtype]["urn"] in volume["dependencies"]
        assert volume["inputs"]["metadata"]["mlps_level"] == str(catalog.tenants[volume["tenant"]].mlps_level)
        checked += 1
    expected = sum(
        len(h.spec.volumes) for h in catalog.topology.all_hosts() if h.tenant in level3
    )
    assert checked == expected > 0


def test_every_volume_is_attached_to_an_instance_of_its_tenant(index: PlanIndex, catalog: Catalog) -> None:
    attached: dict[str, list[str]] = defaultdict(list)
    for attach in index.of_type(VOLUME_ATTACH):
        volume = index.ref(attach, attach["inputs"]["volumeId"], VOLUME)
        instance = index.ref(attach, attach["inputs"]["instanceId"], INSTANCE)
        assert volume["tenant"] == instance["tenant"] == attach["tenant"], attach["name"]
        # volume, attachment and instance all live in the tenant's own project
        assert volume["provider"] == instance["provider"] == attach["provider"] is not None
        attached[volume["urn"]].append(instance["name"])
    volumes = index.of_type(VOLUME)
    assert len(volumes) == sum(len(h.spec.volumes) for h in catalog.topology.all_hosts())
    for volume in volumes:
        assert len(attached[volume["urn"]]) == 1, f"{volume['name']} attached to {attached[volume['urn']]}"


def test_instances_log_in_by_key_never_by_password(index: PlanIndex) -> None:
    instances = index.of_type(INSTANCE)
    assert instances
    for instance in instances:
        inputs = instance["inputs"]
        assert "adminPass" not in inputs, f"{instance['name']} has an admin password"
        keypairs = index.tenant_resources(KEYPAIR, instance["tenant"])
        assert len(keypairs) == 1
        assert inputs.get("keyPair") == keypairs[0]["inputs"]["name"], instance["name"]
        assert keypairs[0]["urn"] in instance["dependencies"]
        assert keypairs[0]["provider"] == instance["provider"]


def test_replicas_are_spread_by_anti_affinity(index: PlanIndex, catalog: Catalog) -> None:
    """Hosts doing one job (same tenant, group and role: replicas or separately declared) share
    one anti-affinity server group; a host alone in its job has none."""
    jobs: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for host in catalog.topology.all_hosts():
        jobs[(host.tenant, host.spec.group, host.spec.role)].append(host.name)
    groups_used: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for (tenant, group, role), names in jobs.items():
        for name in names:
            instance = index.instance(tenant, name)
            hints = instance["inputs"].get("schedulerHints") or []
            if len(names) == 1:
                assert not any(h.get("group") for h in hints), f"{instance['name']} is alone but in a server group"
                continue
            (hint,) = hints
            server_group = index.ref(instance, hint["group"], SERVER_GROUP)
            assert server_group["inputs"]["policies"] == "anti-affinity", server_group["name"]
            assert server_group["tenant"] == instance["tenant"] and server_group["provider"] == instance["provider"]
            groups_used[server_group["urn"]].add((tenant, group, role))
    assert all(len(used) == 1 for used in groups_used.values()), groups_used
    assert len(groups_used) == sum(1 for names in jobs.values() if len(names) > 1) > 0
    assert set(groups_used) == {g["urn"] for g in index.of_type(SERVER_GROUP)}, "unused server groups"
    # the two resolvers of the sample are declared separately and still kept apart
    assert ("mgmt", "dns", "dns") in {job for used in groups_used.values() for job in used}

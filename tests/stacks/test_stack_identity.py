"""Projects, groups, role assignments and quotas."""

from __future__ import annotations

from collections import Counter

from stack_plan import (
    COMPUTE_QUOTA,
    GET_ROLE,
    GROUP,
    INSTANCE,
    KEYPAIR,
    NETWORK_QUOTA,
    PROJECT,
    ROLE,
    ROLE_ASSIGNMENT,
    SERVER_GROUP,
    VOLUME_QUOTA,
    Lookup,
    PlanIndex,
    Resource,
    is_platform,
    tag_values,
)

from govcloud.catalog.loader import Catalog

# plan input -> catalog quota field
COMPUTE = {"instances": "instances", "cores": "cores", "ram": "ram_mb"}
NETWORK = {
    "network": "networks",
    "subnet": "subnets",
    "port": "ports",
    "router": "routers",
    "securityGroup": "security_groups",
    "securityGroupRule": "security_group_rules",
    "floatingip": "floating_ips",
}
VOLUME = {"volumes": "volumes", "gigabytes": "gigabytes"}


def quota_of(index: PlanIndex, type_: str, tenant: str) -> Resource:
    quotas = [q for q in index.of_type(type_) if index.ref(q, q["inputs"]["projectId"], PROJECT)["tenant"] == tenant]
    assert len(quotas) == 1, f"{tenant}: {len(quotas)} {type_}"
    assert quotas[0]["tenant"] == tenant
    return quotas[0]


def test_quotas_are_the_declared_ones(index: PlanIndex, catalog: Catalog) -> None:
    for type_ in (COMPUTE_QUOTA, NETWORK_QUOTA, VOLUME_QUOTA):
        assert len(index.of_type(type_)) == len(catalog.tenants), type_
    for slug, tenant in catalog.tenants.items():
        declared = tenant.quotas.model_dump()
        for type_, fields in ((COMPUTE_QUOTA, COMPUTE), (NETWORK_QUOTA, NETWORK), (VOLUME_QUOTA, VOLUME)):
            inputs = quota_of(index, type_, slug)["inputs"]
            got = {key: inputs.get(key) for key in fields}
            assert got == {key: declared[field] for key, field in fields.items()}, f"{slug} {type_}"


def test_compute_quota_admits_the_server_groups(index: PlanIndex, catalog: Catalog) -> None:
    for slug in catalog.tenants:
        inputs = quota_of(index, COMPUTE_QUOTA, slug)["inputs"]
        groups = index.tenant_resources(SERVER_GROUP, slug)
        assert inputs["serverGroups"] >= len(groups), slug
        members = Counter(
            hint["group"]
            for instance in index.tenant_resources(INSTANCE, slug)
            for hint in instance["inputs"].get("schedulerHints") or []
        )
        assert inputs["serverGroupMembers"] >= max(members.values(), default=1), slug
        # one deployer creates every tenant's key pair; Nova counts them all in each tenant's scope
        assert inputs["keyPairs"] >= len(index.of_type(KEYPAIR)), slug


def role_name(index: PlanIndex, assignment: Resource) -> str:
    target = index.target(assignment["inputs"]["roleId"])
    if isinstance(target, Lookup):
        assert target.token == GET_ROLE
        return str(target.args["name"])
    assert target["type"] == ROLE and target["urn"] in assignment["dependencies"]
    return str(target["inputs"]["name"])


def test_roles_go_to_groups_only_and_never_admin(index: PlanIndex, catalog: Catalog) -> None:
    assignments = index.of_type(ROLE_ASSIGNMENT)
    assert assignments
    for assignment in assignments:
        inputs = assignment["inputs"]
        assert "userId" not in inputs, f"{assignment['name']} gives a role to a user"
        group = index.ref(assignment, inputs["groupId"], GROUP)
        project = index.ref(assignment, inputs["projectId"], PROJECT)
        assert "domainId" not in inputs, f"{assignment['name']} is domain-wide"
        role = role_name(index, assignment)
        assert role != "admin", f"{assignment['name']} gives Keystone's admin role"
        if not is_platform(group):
            # a tenant's own groups get roles on that tenant's project only
            assert group["tenant"] == project["tenant"], assignment["name"]
    tenant_groups = [g for g in index.of_type(GROUP) if not is_platform(g)]
    assert len(tenant_groups) >= len(catalog.tenants)
    for group in tenant_groups:
        assert any(index.target(a["inputs"]["groupId"]) is group for a in assignments), group["name"]


def test_projects_carry_department_level_and_zone_tags(index: PlanIndex, catalog: Catalog) -> None:
    projects = index.of_type(PROJECT)
    assert sorted(p["tenant"] for p in projects) == sorted(catalog.tenants)
    for project in projects:
        tenant = catalog.tenants[project["tenant"]]
        assert project["inputs"]["name"] == tenant.slug
        assert tag_values(project, "dept") == [tenant.slug]
        assert tag_values(project, "mlps") == [str(tenant.mlps_level)]
        assert sorted(tag_values(project, "zone")) == sorted(z.value for z in tenant.zones)
        for tag in project["inputs"]["tags"]:
            assert "/" not in tag and "," not in tag, f"Keystone refuses the tag {tag!r}"

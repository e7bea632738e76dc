"""Identity and authentication (身份鉴别, 访问控制, 安全审计管理): Keystone groups, roles and
role assignments, credentials, key pairs, and how the program itself authenticates.

The role model: every tenant project has four groups, `<slug>-admins`, `-members`, `-readers`
and `-auditors`, holding tenant-admin, member, reader and auditor on that project only; the
platform's `govcloud-deployers` group holds member on every tenant project. People join the
tenant groups in the directory, never through the program.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from pulumi_policy import EnforcementLevel, Severity

from . import resources as t
from .facts import Facts
from .fixtures import chain, set_input
from .resource_edits import new, remove
from .resources import Resource
from .rule import Rule
from .tenancy import (
    APPLICATION_CREDENTIAL,
    AUDITOR_ROLE,
    DEPLOYER_ROLE,
    DEPLOYERS_GROUP,
    EC2_CREDENTIAL,
    INHERIT_ROLE_ASSIGNMENT,
    KEYSTONE_ADMIN_ROLE,
    ROLE_MODEL,
    TENANT_ROLES,
    USER,
    StackView,
    as_bool,
    split_group,
    text,
)

Findings = list[tuple[str, str | None]]
ASSIGNMENTS = (t.ROLE_ASSIGNMENT, INHERIT_ROLE_ASSIGNMENT)

# ---------------------------------------------------------------------------------------------
# Role assignments


def _to_groups_only(resource: Resource, facts: Facts) -> list[str]:
    if text(resource.get("userId")):
        return [f"role assignment {resource.name} grants a role to a user; grant it to a group instead"]
    if not text(resource.get("groupId")):
        return [f"role assignment {resource.name} names no group"]
    return []


def _project_scoped(resource: Resource, facts: Facts) -> list[str]:
    if resource.type == INHERIT_ROLE_ASSIGNMENT:
        return [f"{resource.name} is an inherited assignment: it reaches every project of the domain"]
    if text(resource.get("domainId")):
        return [f"role assignment {resource.name} is scoped to a domain; scope it to one project"]
    if not text(resource.get("projectId")):
        return [f"role assignment {resource.name} names no project"]
    return []


def _grants(view: StackView) -> list[tuple[Resource, str | None, str | None]]:
    """(assignment, group name, role name) for every role assignment of the stack."""
    return [(a, view.group_name(a), view.role_name(a)) for a in view.of_type(*ASSIGNMENTS)]


def _no_admin_role(resources: list[Resource], facts: Facts) -> Findings:
    return [
        (f"role assignment {a.name} grants Keystone's global `admin` role (cloud administrator)", a.urn)
        for a, _, role in _grants(StackView.of(resources))
        if role == KEYSTONE_ADMIN_ROLE
    ]


def _tenant_group_roles(resources: list[Resource], facts: Facts) -> Findings:
    """admins/members/readers hold exactly their role (admin and auditor grants have own rules)."""
    out: Findings = []
    for a, group, role in _grants(StackView.of(resources)):
        parts = split_group(group or "")
        if parts is None or parts[1] == "auditors" or role in (None, KEYSTONE_ADMIN_ROLE, AUDITOR_ROLE):
            continue
        expected = TENANT_ROLES[parts[1]]
        if role != expected:
            out.append((f"group {group} is granted `{role}` by {a.name}; it holds `{expected}` only", a.urn))
    return out


def _audit_separated(resources: list[Resource], facts: Facts) -> Findings:
    out: Findings = []
    for a, group, role in _grants(StackView.of(resources)):
        parts = split_group(group or "")
        is_auditors = parts is not None and parts[1] == "auditors"
        if role == AUDITOR_ROLE and not is_auditors:
            out.append((f"{a.name} grants `auditor` to {group or 'a non-auditor principal'}", a.urn))
        elif is_auditors and role not in (None, AUDITOR_ROLE, KEYSTONE_ADMIN_ROLE):
            out.append((f"{a.name} grants `{role}` to auditors group {group}; auditors hold `auditor` only", a.urn))
    return out


def _own_project_only(resources: list[Resource], facts: Facts) -> Findings:
    view = StackView.of(resources)
    out: Findings = []
    for a, group, _ in _grants(view):
        parts = split_group(group or "")
        project = view.project_of(a)
        if parts is None or project is None or parts[0] not in view.projects:
            continue
        name = text(project.get("name"))
        if parts[0] != name:
            out.append((f"{a.name} gives tenant {parts[0]}'s group {group} a role on project {name}", a.urn))
    return out


def _groups_named(resources: list[Resource], facts: Facts) -> Findings:
    view = StackView.of(resources)
    out: Findings = []
    for group in view.of_type(t.GROUP):
        name = text(group.get("name"))
        parts = split_group(name)
        if name == DEPLOYERS_GROUP or (parts is not None and parts[0] in view.projects):
            continue
        out.append(
            (
                f"group {name or group.name} is neither a tenant group (<project>-admins/members/readers/"
                f"auditors of a declared project) nor {DEPLOYERS_GROUP}",
                group.urn,
            )
        )
    return out


def _deployers_member_only(resources: list[Resource], facts: Facts) -> Findings:
    return [
        (f"{a.name} grants `{role}` to {DEPLOYERS_GROUP}; the deployers hold `{DEPLOYER_ROLE}` only", a.urn)
        for a, group, role in _grants(StackView.of(resources))
        if group == DEPLOYERS_GROUP and role not in (None, DEPLOYER_ROLE, KEYSTONE_ADMIN_ROLE, AUDITOR_ROLE)
    ]


def _admin_and_auditor_per_project(resources: list[Resource], facts: Facts) -> Findings:
    view = StackView.of(resources)
    held: set[tuple[str, str, str]] = set()  # (project, group, role)
    for a, group, role in _grants(view):
        project = view.project_of(a)
        if project is not None and group and role:
            held.add((text(project.get("name")), group, role))
    out: Findings = []
    for slug, project in sorted(view.projects.items()):
        for kind in ("admins", "auditors"):
            role = TENANT_ROLES[kind]
            if (slug, f"{slug}-{kind}", role) not in held:
                out.append((f"project {slug} has no {slug}-{kind} group holding `{role}`", project.urn))
    return out


def _role_model(resource: Resource, facts: Facts) -> list[str]:
    name = text(resource.get("name"))
    if name not in ROLE_MODEL:
        return [f"role {name or resource.name} is outside the role model ({', '.join(sorted(ROLE_MODEL))})"]
    return []


# ---------------------------------------------------------------------------------------------
# Accounts and credentials


def _no_users(resource: Resource, facts: Facts) -> list[str]:
    name = text(resource.get("name")) or resource.name
    return [f"the program creates Keystone user {name}; accounts come from the directory, never from code"]


def _app_credential_restricted(resource: Resource, facts: Facts) -> list[str]:
    out = []
    if as_bool(resource.get("unrestricted")):
        out.append(f"application credential {resource.name} is unrestricted (it can create more credentials)")
    if not text(resource.get("expiresAt")):
        out.append(f"application credential {resource.name} never expires (set expires_at)")
    return out


def _no_ec2_credentials(resource: Resource, facts: Facts) -> list[str]:
    return [f"{resource.name} is an EC2 credential: a long-lived static secret key outside Keystone's login policy"]


def _memberships_only_deployers(resources: list[Resource], facts: Facts) -> Findings:
    view = StackView.of(resources)
    return [
        (
            f"{m.name} adds a user to {view.group_name(m) or 'an undeclared group'}; only {DEPLOYERS_GROUP} is "
            "filled by the program, tenant groups are filled in the directory",
            m.urn,
        )
        for m in view.of_type(t.USER_MEMBERSHIP)
        if view.group_name(m) != DEPLOYERS_GROUP
    ]


PUBLIC_KEY_TYPES = (
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
)


def _public_key_only(resource: Resource, facts: Facts) -> list[str]:
    key = text(resource.get("publicKey")).strip()
    if "PRIVATE KEY" in key or text(resource.get("privateKey")):
        return [f"key pair {resource.name} carries private key material"]
    if not key:
        return [
            f"key pair {resource.name} has no public key: Nova would generate one and hand the private key "
            "to the program's state"
        ]
    if key.split()[0] not in PUBLIC_KEY_TYPES:
        return [f"key pair {resource.name} is not an OpenSSH public key of an accepted type"]
    return []


# ---------------------------------------------------------------------------------------------
# How the program authenticates (the per-tenant providers)

SECRET_MARK = "[secret]"  # how the offline plan shows a secret value
# fmt: off
DEFAULT_PASSWORDS = frozenset({
    "admin", "administrator", "password", "passw0rd", "p@ssw0rd", "openstack", "secret", "changeme", "change_me",
    "default", "root", "toor", "stack", "devstack", "nomoresecret", "letmein", "qwerty", "123456", "12345678",
    "123456789", "1qaz2wsx", "admin123", "admin@123",
})
# fmt: on
DEFAULT_ACCOUNTS = frozenset({"admin", "root", "administrator"})


def _classes(password: str) -> int:
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


def _no_weak_password(resource: Resource, facts: Facts) -> list[str]:
    """The value itself is never echoed in a message."""
    password = text(resource.get("password"))
    if not password or password == SECRET_MARK:
        return []
    weak = (
        password.lower() in DEFAULT_PASSWORDS
        or len(password) < 8
        or _classes(password) < 3
        or password == text(resource.get("userName"))
    )
    return [f"provider {resource.name} authenticates with a default or weak password"] if weak else []


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _keystone_over_tls(resource: Resource, facts: Facts) -> list[str]:
    out = []
    url = text(resource.get("authUrl"))
    if url:
        parts = urlsplit(url)
        if parts.scheme != "https" and not _is_loopback(parts.hostname or ""):
            out.append(f"provider {resource.name} sends its credentials to {url} without TLS")
    if as_bool(resource.get("insecure")):
        out.append(f"provider {resource.name} does not verify Keystone's certificate (insecure=true)")
    return out


def _named_deployer(resource: Resource, facts: Facts) -> list[str]:
    user = text(resource.get("userName"))
    if user.lower() in DEFAULT_ACCOUNTS:
        return [f"provider {resource.name} runs as the default account `{user}`; use a named deployer account"]
    return []


# ---------------------------------------------------------------------------------------------

RULES = [
    Rule(
        id="GC-IAM-01",
        title_zh="角色只授予用户组，不直接授予用户",
        title_en="Roles are granted to groups, never to users",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-01", "L3-CEN-03"),
        rationale="Granting through groups keeps who-may-do-what in one reviewable place (the group's role) "
        "and who-is-who in the directory; a role given straight to a user escapes both reviews and outlives "
        "the person's move or departure.",
        remediation="Put the person in the tenant group that holds the role (in the directory) and drop the "
        "user assignment.",
        resource_types=ASSIGNMENTS,
        check=_to_groups_only,
        violate=new(
            t.ROLE_ASSIGNMENT,
            "fin-alice-member",
            {"userId": "alice", "roleId": "getRole-member"},
            "fin",
            projectId="fin-project",
        ),
    ),
    Rule(
        id="GC-IAM-02",
        title_zh="角色授权限定在单个项目内",
        title_en="Role assignments are scoped to one project",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-03",),
        rationale="A domain-scoped or inherited assignment reaches every tenant of the domain, so one "
        "department's staff could act on another's systems; least privilege stops at the project.",
        remediation="Assign the role on the tenant's project (project_id), never on a domain or by inheritance.",
        resource_types=ASSIGNMENTS,
        check=_project_scoped,
        violate=set_input("fin-readers-reader", "domainId", "default"),
    ),
    Rule(
        id="GC-IAM-03",
        title_zh="不授予 Keystone 全局 admin 角色",
        title_en="Keystone's global admin role is never granted",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-03",),
        rationale="Keystone's `admin` role is cloud-wide whatever project it is granted on: it would make a "
        "department's administrators administrators of the whole platform.",
        remediation="Grant tenant-admin on the tenant's project; cloud administration stays with the platform "
        "operators' own accounts.",
        stack_check=_no_admin_role,
        violate=new(
            t.ROLE_ASSIGNMENT,
            "fin-admins-admin",
            {"roleId": "getRole-admin"},
            "fin",
            groupId="fin-admins",
            projectId="fin-project",
        ),
    ),
    Rule(
        id="GC-IAM-04",
        title_zh="租户用户组只持有与其名称对应的角色",
        title_en="Tenant groups hold exactly their own role",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-03",),
        rationale="<slug>-admins holds tenant-admin, -members member, -readers reader: the group's name is what "
        "reviewers and the directory see, so a group holding a wider role than its name says is a hidden "
        "privilege.",
        remediation="Grant the group the role of its kind (admins: tenant-admin, members: member, readers: "
        "reader); move people who need more into the right group.",
        stack_check=_tenant_group_roles,
        violate=set_input("fin-readers-reader", "roleId", "getRole-tenant-admin"),
    ),
    Rule(
        id="GC-IAM-05",
        title_zh="审计角色与管理角色分离",
        title_en="Audit administration is separated from administration",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-SMC-02", "L3-CEN-03"),
        rationale="MLPS level 3 separates the audit administrator from the system and security "
        "administrators: the auditor role goes only to the tenant's auditors group, and that group holds "
        "nothing else, so no one audits their own actions.",
        remediation="Grant `auditor` only to <slug>-auditors and give that group no other role.",
        stack_check=_audit_separated,
        violate=new(
            t.ROLE_ASSIGNMENT,
            "fin-admins-auditor",
            {"roleId": "getRole-auditor"},
            "fin",
            groupId="fin-admins",
            projectId="fin-project",
        ),
    ),
    Rule(
        id="GC-IAM-06",
        title_zh="租户用户组只在本租户项目上授权",
        title_en="Tenant groups get roles on their own project only",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-03", "L3-CLD-03"),
        rationale="A department's groups acting on another department's project breaks tenant isolation "
        "at the identity layer, whatever the network allows.",
        remediation="Assign a tenant group's role on its own project; cross-department work goes through the "
        "data-exchange platform, not shared roles.",
        stack_check=_own_project_only,
        violate=chain(
            remove("fin-members-member"),
            new(
                t.ROLE_ASSIGNMENT,
                "fin-members-member",
                {"roleId": "getRole-member"},
                "fin",
                groupId="fin-members",
                projectId="web-project",
            ),
        ),
    ),
    Rule(
        id="GC-IAM-07",
        title_zh="用户组命名符合租户角色模型",
        title_en="Every group belongs to the role model",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CLD-03", "L3-CEN-03"),
        rationale="Each group is either one of a declared tenant's four groups or the platform's deployers, "
        "so every group has an owner and a known purpose in the access review.",
        remediation="Use <project>-admins/members/readers/auditors for a declared project, or drop the group.",
        stack_check=_groups_named,
        violate=new(t.GROUP, "fin-ops", {"name": "fin-ops"}, "fin"),
    ),
    Rule(
        id="GC-IAM-08",
        title_zh="部署账户组仅持有 member 角色",
        title_en="The deployers group holds member only",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-03",),
        rationale="The account that runs the program needs `member` on tenant projects to create servers and "
        "volumes there; anything more on a tenant is privilege the automation does not use.",
        remediation="Grant govcloud-deployers `member` on tenant projects and nothing else.",
        stack_check=_deployers_member_only,
        violate=new(
            t.ROLE_ASSIGNMENT,
            "fin-deployers-tenant-admin",
            {"roleId": "getRole-tenant-admin"},
            "fin",
            groupId="group-govcloud-deployers",
            projectId="fin-project",
        ),
        comply=new(
            t.ROLE_ASSIGNMENT,
            "fin-deployers-member",
            {"roleId": "getRole-member"},
            "fin",
            groupId="group-govcloud-deployers",
            projectId="fin-project",
        ),
    ),
    Rule(
        id="GC-IAM-09",
        title_zh="每个租户均设管理员组与独立审计员组",
        title_en="Every project has an administrators group and a separate auditors group",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-SMC-02", "L3-CEN-03"),
        rationale="Separation of duties needs both sides present: a tenant administered by <slug>-admins "
        "(tenant-admin) and audited by <slug>-auditors (auditor) on the same project.",
        remediation="Keep the tenant's admins and auditors groups and their role assignments (govcloud "
        "creates them for every tenant).",
        stack_check=_admin_and_auditor_per_project,
        violate=remove("fin-auditors-auditor"),
    ),
    Rule(
        id="GC-IAM-10",
        title_zh="自定义角色限于平台角色模型",
        title_en="The program defines only the platform's roles",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-03",),
        rationale="Four roles (tenant-admin, member, reader, auditor) are what the access policy and the "
        "Keystone policy files know; a new role is either unused or a privilege no review covers.",
        remediation="Map the need onto the four roles, or extend the role model (and its policy files) first.",
        resource_types=(t.ROLE,),
        check=_role_model,
        violate=new(t.ROLE, "role-superuser", {"name": "superuser"}),
    ),
    Rule(
        id="GC-IAM-11",
        title_zh="程序不创建 Keystone 用户",
        title_en="The program creates no Keystone users",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-01",),
        rationale="Accounts come from the zone's identity service (the directory), one per person, with its "
        "password and second factor policy; a user created from code is a shared account with a password "
        "written somewhere.",
        remediation="Create the person in the directory and add them to the tenant's group there.",
        resource_types=(USER,),
        check=_no_users,
        violate=new(USER, "fin-operator", {"name": "fin-operator", "password": "[secret]"}),
    ),
    Rule(
        id="GC-IAM-12",
        title_zh="应用凭据受限且有有效期",
        title_en="Application credentials are restricted and expire",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-01", "L3-CEN-03"),
        rationale="An unrestricted application credential can mint further credentials and trusts; one "
        "without an expiry is a password that is never rotated.",
        remediation="Create application credentials with unrestricted=false, the narrowest roles and an "
        "expires_at date.",
        resource_types=(APPLICATION_CREDENTIAL,),
        check=_app_credential_restricted,
        violate=new(APPLICATION_CREDENTIAL, "fin-ci-credential", {"name": "fin-ci", "unrestricted": True}, "fin"),
        comply=new(
            APPLICATION_CREDENTIAL,
            "fin-ci-credential",
            {
                "name": "fin-ci",
                "unrestricted": False,
                "expiresAt": "2025-12-31T00:00:00Z",
                "roles": [{"name": "reader"}],
            },
            "fin",
        ),
    ),
    Rule(
        id="GC-IAM-13",
        title_zh="不创建 EC2 静态凭据",
        title_en="No EC2 static credentials",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-01",),
        rationale="EC2 credentials are static access/secret key pairs that bypass Keystone's password, "
        "lockout and second-factor policy and never expire.",
        remediation="Use a restricted, expiring application credential instead.",
        resource_types=(EC2_CREDENTIAL,),
        check=_no_ec2_credentials,
        violate=new(EC2_CREDENTIAL, "fin-s3-credential", {"projectId": "fin-project-id"}, "fin"),
    ),
    Rule(
        id="GC-IAM-14",
        title_zh="程序只维护部署账户组的成员",
        title_en="The program fills only the deployers group",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-01", "L3-CEN-03"),
        rationale="Who belongs to a tenant's groups is decided by the department and recorded in the "
        "directory; a membership in code grants a named person a role outside that process.",
        remediation="Add people to tenant groups in the directory; the program only puts its own deployer "
        "account into govcloud-deployers.",
        stack_check=_memberships_only_deployers,
        violate=new(t.USER_MEMBERSHIP, "fin-admins-alice", {"userId": "alice"}, "fin", groupId="fin-admins"),
    ),
    Rule(
        id="GC-IAM-15",
        title_zh="密钥对仅含公钥",
        title_en="Key pairs carry a public key only",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-01",),
        rationale="Without a public key Nova generates the pair and returns the private key, which then sits "
        "in the program's state; host login must rest on keys whose private half never leaves its holder.",
        remediation="Give every key pair the holder's OpenSSH public key (ed25519, ECDSA or RSA).",
        resource_types=(t.KEYPAIR,),
        check=_public_key_only,
        violate=set_input("web-admin-key", "publicKey", ""),
    ),
    Rule(
        id="GC-IAM-16",
        title_zh="部署凭据不得使用默认或弱口令",
        title_en="Provider credentials are not default or weak passwords",
        severity=Severity.CRITICAL,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-01",),
        rationale="The deployer's account administers every tenant; a default or guessable password (admin, "
        "openstack, short or single-class) is the first thing tried against Keystone.",
        remediation="Give the deployer a long random password kept as a Pulumi secret "
        "(`pulumi config set --secret openstack:password`), or authenticate from clouds.yaml.",
        resource_types=(t.PROVIDER,),
        check=_no_weak_password,
        violate=set_input("fin-provider", "password", "openstack"),
    ),
    Rule(
        id="GC-IAM-17",
        title_zh="部署凭据经 TLS 校验后传输",
        title_en="Provider credentials travel over verified TLS",
        severity=Severity.HIGH,
        enforcement=EnforcementLevel.MANDATORY,
        controls=("L3-CEN-01",),
        rationale="Level 3 requires authentication information to be protected from eavesdropping in "
        "remote management: the provider's password must reach Keystone over https with the certificate "
        "verified (loopback, as in the single-host lab, does not leave the machine).",
        remediation="Use an https auth URL and keep insecure=false (install the zone CA instead).",
        resource_types=(t.PROVIDER,),
        check=_keystone_over_tls,
        violate=set_input("fin-provider", "authUrl", "http://keystone.gov.local:5000/v3"),
        comply=set_input("fin-provider", "authUrl", "http://127.0.0.1:5000/v3"),
    ),
    Rule(
        id="GC-IAM-18",
        title_zh="部署使用具名账户而非默认 admin 账户",
        title_en="The program runs as a named account, not a default one",
        severity=Severity.MEDIUM,
        enforcement=EnforcementLevel.ADVISORY,
        controls=("L3-CEN-01", "L3-CEN-03"),
        rationale="Level 3 asks for default accounts to be renamed or removed and for every action to be "
        "attributable; changes made as Keystone's built-in `admin` cannot be told apart from any other "
        "operator's.",
        remediation="Create a dedicated deployer account (e.g. svc-govcloud) with the needed roles and set "
        "openstack:userName to it.",
        resource_types=(t.PROVIDER,),
        check=_named_deployer,
        violate=set_input("fin-provider", "userName", "admin"),
    ),
]

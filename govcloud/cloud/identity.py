"""Keystone after its bootstrap: the `service` project and role, one user per service, the catalog.

Find-or-create throughout, so a second `up` changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from openstack.connection import Connection

from govcloud.cloud import ports
from govcloud.cloud.config import SERVICE_USERS
from govcloud.cloud.connect import identity


@dataclass(frozen=True)
class CatalogEntry:
    type: str
    name: str
    url: str


CATALOG = (
    CatalogEntry("placement", "placement", ports.url(ports.PLACEMENT)),
    CatalogEntry("image", "glance", ports.url(ports.GLANCE)),
    CatalogEntry("network", "neutron", ports.url(ports.NEUTRON)),
    CatalogEntry("compute", "nova", ports.url(ports.NOVA, "/v2.1")),
    CatalogEntry("volumev3", "cinderv3", ports.url(ports.CINDER, "/v3/%(project_id)s")),
)
INTERFACES = ("public", "internal")


def ensure_identity(conn: Connection, service_password: str) -> list[str]:
    """Project, roles, service users and catalog; return what was created.

    Whole lists are read once (users, services, endpoints, assignments): keystone answers
    each request in a good fraction of a second on a busy machine.
    """
    made: list[str] = []
    ident = identity(conn)
    domain = ident.find_domain("default", ignore_missing=False)
    projects = {p.name: p for p in ident.projects(domain_id=domain.id)}
    project = projects.get("service")
    if project is None:
        project = ident.create_project(name="service", domain_id=domain.id, description="OpenStack service users")
        made.append("project service")
    roles = {r.name: r for r in ident.roles()}
    # `service` is the role cinder demands in nova's service token before it detaches a volume
    if "service" not in roles:
        roles["service"] = ident.create_role(name="service")
        made.append("role service")
    users = {u.name: u for u in ident.users(domain_id=domain.id)}
    granted = {(a.user["id"], a.role["id"]) for a in ident.role_assignments(scope_project_id=project.id) if a.user}
    for name in SERVICE_USERS:
        user = users.get(name)
        if user is None:
            user = ident.create_user(name=name, password=service_password, domain_id=domain.id)
            made.append(f"user {name}")
        for role in (roles["admin"], roles["service"]):
            if (user.id, role.id) not in granted:
                ident.assign_project_role_to_user(project, user, role)  # type: ignore[no-untyped-call]
    services = {s.name: s for s in ident.services()}
    endpoints = {(e.service_id, e.interface) for e in ident.endpoints()}
    for entry in CATALOG:
        service = services.get(entry.name)
        if service is None:
            service = ident.create_service(name=entry.name, type=entry.type)
            made.append(f"service {entry.name}")
        for interface in INTERFACES:
            if (service.id, interface) not in endpoints:
                ident.create_endpoint(service_id=service.id, interface=interface, url=entry.url, region_id=ports.REGION)
                made.append(f"endpoint {entry.name} {interface}")
    return made

"""Stack configuration (Pulumi.<stack>.yaml), read once and typed.

Keys (namespace `govcloud:` unless noted), documented for operators in docs/stack-config.md:
- catalog: catalog directory, relative to the project (default `catalog`).
- backbones: map zone -> name of the existing backbone provider network (default: platform.yaml).
- internetNetwork: the existing internet-facing provider network (default: platform.yaml).
- adminPublicKey: the OpenSSH public key installed on every host through a keypair.
- deployerUser: the Keystone user `pulumi up` runs as; it is put in a group that gets the
  member role on each tenant project so instances and volumes can be created there.
- openstack:authUrl, openstack:userName, openstack:password (secret), openstack:userDomainName,
  openstack:projectDomainName, openstack:region, openstack:insecure: the provider's own keys,
  reused for the per-tenant providers that create instances and volumes inside each project.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi


@dataclass(frozen=True)
class OpenStackAuth:
    auth_url: str
    user_name: str
    password: pulumi.Output[str]
    user_domain_name: str
    project_domain_name: str
    region: str | None
    insecure: bool


@dataclass(frozen=True)
class StackSettings:
    catalog: str
    admin_public_key: str
    deployer_user: str
    auth: OpenStackAuth
    backbones: dict[str, str] = field(default_factory=dict)
    internet_network: str | None = None


def read_settings() -> StackSettings:
    gov = pulumi.Config("govcloud")
    openstack = pulumi.Config("openstack")
    backbones = gov.get_object("backbones") or {}
    auth = OpenStackAuth(
        auth_url=openstack.require("authUrl"),
        user_name=openstack.require("userName"),
        password=openstack.require_secret("password"),
        user_domain_name=openstack.get("userDomainName") or "Default",
        project_domain_name=openstack.get("projectDomainName") or "Default",
        region=openstack.get("region"),
        insecure=openstack.get_bool("insecure") or False,
    )
    return StackSettings(
        catalog=gov.get("catalog") or "catalog",
        admin_public_key=gov.require("adminPublicKey"),
        deployer_user=gov.get("deployerUser") or auth.user_name,
        auth=auth,
        backbones={str(k): str(v) for k, v in dict(backbones).items()},
        internet_network=gov.get("internetNetwork"),
    )

"""Every config file the local cloud needs, generated from Python into the state folder.

`render(state, secrets)` returns {relative path: text}, so tests read the configs without
starting anything; `write(...)` puts them under <state>/etc with mode 0600 (they hold the
passwords).
"""

from __future__ import annotations

import os
from pathlib import Path

from govcloud.cloud import ports
from govcloud.cloud.state import CloudState

Ini = dict[str, dict[str, str | int | bool]]
SERVICE_USERS = ("placement", "glance", "neutron", "nova", "cinder")
DATABASES = ("keystone", "placement", "glance", "neutron", "nova_api", "nova", "nova_cell0", "cinder")


def ini(sections: Ini) -> str:
    """oslo.config / paste.deploy INI text; booleans as true/false."""
    lines: list[str] = []
    for name, options in sections.items():
        lines.append(f"[{name}]")
        for key, value in options.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            lines.append(f"{key} = {text}")
        lines.append("")
    return "\n".join(lines)


def db_url(secrets: dict[str, str], database: str) -> str:
    return f"mysql+pymysql://govcloud:{secrets['database']}@{ports.HOST}:{ports.MARIADB}/{database}?charset=utf8"


def transport_url(secrets: dict[str, str]) -> str:
    return f"rabbit://govcloud:{secrets['rabbit']}@{ports.HOST}:{ports.RABBITMQ}/"


def service_auth(secrets: dict[str, str], user: str) -> dict[str, str | int | bool]:
    """keystoneauth password options of one service user (project `service`)."""
    return {
        "auth_url": ports.url(ports.KEYSTONE),
        "auth_type": "password",
        "user_domain_name": "Default",
        "project_domain_name": "Default",
        "project_name": "service",
        "username": user,
        "password": secrets["service"],
        "region_name": ports.REGION,
        "valid_interfaces": "public",
    }


def authtoken(secrets: dict[str, str], user: str) -> dict[str, str | int | bool]:
    """[keystone_authtoken]; service tokens must carry the `service` role (cinder detach checks it)."""
    options = service_auth(secrets, user)
    del options["valid_interfaces"]
    return {
        "www_authenticate_uri": ports.url(ports.KEYSTONE),
        **options,
        "interface": "public",
        "service_token_roles": "service",
        "service_token_roles_required": True,
    }


def common(state: CloudState, secrets: dict[str, str], user: str) -> Ini:
    return {
        "keystone_authtoken": authtoken(secrets, user),
        "oslo_concurrency": {"lock_path": str(state.data / user / "lock")},
        "oslo_messaging_notifications": {"driver": "noop"},
    }


def keystone(state: CloudState, secrets: dict[str, str]) -> Ini:
    keys = state.data / "keystone"
    return {
        "DEFAULT": {"use_stderr": True},
        "database": {"connection": db_url(secrets, "keystone")},
        "token": {"provider": "fernet"},
        "fernet_tokens": {"key_repository": str(keys / "fernet-keys")},
        "fernet_receipts": {"key_repository": str(keys / "fernet-keys")},
        "credential": {"key_repository": str(keys / "credential-keys")},
        # one uwsgi process: an in-process cache is coherent, and without one every request
        # re-reads the token's user, project, roles and catalog (~0.5-1 s each here)
        "cache": {"enabled": True, "backend": "dogpile.cache.memory"},
        # bcrypt's default 12 rounds cost ~3 s per token on a busy 2-core machine, and every
        # service authenticates its own user: 4 rounds is plenty for a loopback-only lab
        "identity": {"password_hash_rounds": 4},
    }


def uwsgi(state: CloudState, name: str, port: int, wsgi_file: Path, env: str) -> str:
    # keystone (flask) under http-socket resets connections unless the connection closes
    # after each answer and uwsgi does not pass on the app's Content-Length
    return ini(
        {
            "uwsgi": {
                "plugins": "python3",
                "http-socket": f"{ports.HOST}:{port}",
                "wsgi-file": str(wsgi_file),
                "master": True,
                "processes": 1,
                "threads": 4,
                "enable-threads": True,
                "lazy-apps": True,
                "die-on-term": True,
                "need-app": True,
                "buffer-size": 65535,
                "add-header": "Connection: close",
                "rem-header": "Content-Length",
                "env": env,
                "pythonpath": str(state.pylib),
            }
        }
    )


def placement(state: CloudState, secrets: dict[str, str]) -> Ini:
    return {
        "DEFAULT": {"use_stderr": True},
        "api": {"auth_strategy": "keystone"},
        "placement_database": {"connection": db_url(secrets, "placement")},
        **common(state, secrets, "placement"),
    }


def glance(state: CloudState, secrets: dict[str, str]) -> Ini:
    images = state.data / "glance"
    return {
        "DEFAULT": {
            "bind_host": ports.HOST,
            "bind_port": ports.GLANCE,
            "workers": 1,
            "enabled_backends": "file:file",
            "use_stderr": True,
        },
        "database": {"connection": db_url(secrets, "glance")},
        "paste_deploy": {"flavor": "keystone", "config_file": str(state.etc / "glance" / "glance-api-paste.ini")},
        "glance_store": {"default_backend": "file"},
        "file": {"filesystem_store_datadir": str(images / "images")},
        "os_glance_staging_store": {"filesystem_store_datadir": str(images / "staging")},
        "os_glance_tasks_store": {"filesystem_store_datadir": str(images / "tasks")},
        **common(state, secrets, "glance"),
    }


def neutron(state: CloudState, secrets: dict[str, str]) -> Ini:
    return {
        "DEFAULT": {
            "bind_host": ports.HOST,
            "bind_port": ports.NEUTRON,
            "core_plugin": "ml2",
            "service_plugins": "router",
            "auth_strategy": "keystone",
            "transport_url": transport_url(secrets),
            "api_workers": 1,
            "rpc_workers": 1,
            "rpc_state_report_workers": 0,
            "state_path": str(state.data / "neutron"),
            "api_paste_config": str(state.etc / "neutron" / "api-paste.ini"),
            # no agents here: nothing to notify, nobody to tell nova about port events
            "dhcp_agent_notification": False,
            "notify_nova_on_port_status_changes": False,
            "notify_nova_on_port_data_changes": False,
            "use_stderr": True,
        },
        "database": {"connection": db_url(secrets, "neutron")},
        "nova": service_auth(secrets, "nova"),
        **common(state, secrets, "neutron"),
    }


def ml2() -> Ini:
    from govcloud.cloud.ml2_driver import NAME

    return {
        "ml2": {
            "type_drivers": "flat,vlan,vxlan",
            "tenant_network_types": "vxlan",
            "mechanism_drivers": NAME,
            "extension_drivers": "port_security",
        },
        "ml2_type_flat": {"flat_networks": "*"},
        "ml2_type_vxlan": {"vni_ranges": "1:10000"},
    }


# Two fake hypervisors: anti-affinity server groups of two replicas (the catalog's count: 2) fit.
COMPUTE_HOSTS = ("govcloud-local", "govcloud-local-2")


def nova(state: CloudState, secrets: dict[str, str]) -> Ini:
    data = state.data / "nova"
    return {
        "DEFAULT": {
            "compute_driver": "fake.FakeDriver",
            "host": COMPUTE_HOSTS[0],
            "my_ip": ports.HOST,
            "state_path": str(data),
            "instances_path": str(data / "instances"),
            "transport_url": transport_url(secrets),
            "enabled_apis": "osapi_compute",
            "osapi_compute_listen": ports.HOST,
            "osapi_compute_listen_port": ports.NOVA,
            "osapi_compute_workers": 1,
            "metadata_listen": ports.HOST,
            "metadata_workers": 1,
            "use_stderr": True,
        },
        "api": {"auth_strategy": "keystone"},
        "wsgi": {"api_paste_config": str(state.etc / "nova" / "api-paste.ini")},
        "api_database": {"connection": db_url(secrets, "nova_api")},
        "database": {"connection": db_url(secrets, "nova")},
        "conductor": {"workers": 1},
        "scheduler": {"workers": 1, "discover_hosts_in_cells_interval": -1},
        "placement": service_auth(secrets, "placement"),
        "neutron": service_auth(secrets, "neutron"),
        "glance": {"region_name": ports.REGION, "valid_interfaces": "public"},
        "cinder": {
            **service_auth(secrets, "cinder"),
            "os_region_name": ports.REGION,
        },
        # cinder refuses to detach an in-use volume unless nova sends its own service token
        "service_user": {**service_auth(secrets, "nova"), "send_service_user_token": True},
        "key_manager": {"backend": "nova.keymgr.conf_key_mgr.ConfKeyManager", "fixed_key": secrets["fixed_key"]},
        "vnc": {"enabled": False},
        "spice": {"enabled": False},
        **common(state, secrets, "nova"),
    }


def cinder(state: CloudState, secrets: dict[str, str]) -> Ini:
    return {
        "DEFAULT": {
            "host": "govcloud-local",
            "my_ip": ports.HOST,
            "state_path": str(state.data / "cinder"),
            "transport_url": transport_url(secrets),
            "auth_strategy": "keystone",
            "osapi_volume_listen": ports.HOST,
            "osapi_volume_listen_port": ports.CINDER,
            "osapi_volume_workers": 1,
            "api_paste_config": str(state.etc / "cinder" / "api-paste.ini"),
            "enabled_backends": "fake",
            "use_stderr": True,
        },
        "database": {"connection": db_url(secrets, "cinder")},
        "fake": {
            "volume_driver": "cinder.tests.fake_driver.FakeLoggingVolumeDriver",
            "volume_backend_name": "fake",
        },
        # a fixed key instead of barbican: enough to create encrypted volumes in a lab
        "key_manager": {"backend": "cinder.keymgr.conf_key_mgr.ConfKeyManager", "fixed_key": secrets["fixed_key"]},
        "nova": service_auth(secrets, "nova"),
        **common(state, secrets, "cinder"),
    }


AUTHTOKEN_FILTER: dict[str, str | int | bool] = {"paste.filter_factory": "keystonemiddleware.auth_token:filter_factory"}

NOVA_PASTE: Ini = {
    "composite:osapi_compute": {
        "use": "call:nova.api.openstack.urlmap:urlmap_factory",
        "/": "oscomputeversions",
        "/v2.1": "openstack_compute_api_v21",
    },
    "composite:openstack_compute_api_v21": {
        "use": "call:nova.api.auth:pipeline_factory_v21",
        "keystone": "compute_req_id faultwrap authtoken keystonecontext osapi_compute_app_v21",
    },
    "filter:compute_req_id": {"paste.filter_factory": "nova.api.compute_req_id:ComputeReqIdMiddleware.factory"},
    "filter:faultwrap": {"paste.filter_factory": "nova.api.openstack:FaultWrapper.factory"},
    "filter:keystonecontext": {"paste.filter_factory": "nova.api.auth:NovaKeystoneContext.factory"},
    "filter:authtoken": AUTHTOKEN_FILTER,
    "app:osapi_compute_app_v21": {"paste.app_factory": "nova.api.openstack.compute:APIRouterV21.factory"},
    "pipeline:oscomputeversions": {"pipeline": "faultwrap oscomputeversionapp"},
    "app:oscomputeversionapp": {"paste.app_factory": "nova.api.openstack.compute.versions:Versions.factory"},
}

NEUTRON_PASTE: Ini = {
    "composite:neutron": {"use": "egg:Paste#urlmap", "/": "neutronversions_composite", "/v2.0": "neutronapi_v2_0"},
    "composite:neutronapi_v2_0": {
        "use": "call:neutron.auth:pipeline_factory",
        "keystone": "request_id catch_errors authtoken keystonecontext extensions neutronapiapp_v2_0",
    },
    "composite:neutronversions_composite": {
        "use": "call:neutron.auth:pipeline_factory",
        "noauth": "neutronversions",
        "keystone": "neutronversions",
    },
    "filter:request_id": {"paste.filter_factory": "oslo_middleware:RequestId.factory"},
    "filter:catch_errors": {"paste.filter_factory": "oslo_middleware:CatchErrors.factory"},
    "filter:keystonecontext": {"paste.filter_factory": "neutron.auth:NeutronKeystoneContext.factory"},
    "filter:authtoken": AUTHTOKEN_FILTER,
    "filter:extensions": {"paste.filter_factory": "neutron.api.extensions:plugin_aware_extension_middleware_factory"},
    "app:neutronversions": {"paste.app_factory": "neutron.pecan_wsgi.app:versions_factory"},
    "app:neutronapiapp_v2_0": {"paste.app_factory": "neutron.api.v2.router:APIRouter.factory"},
}

CINDER_PASTE: Ini = {
    "composite:osapi_volume": {"use": "call:cinder.api:root_app_factory", "/": "apiversions", "/v3": "apiv3_stack"},
    "composite:apiv3_stack": {
        "use": "call:cinder.api.middleware.auth:pipeline_factory",
        "keystone": "request_id faultwrap authtoken keystonecontext apiv3",
    },
    "filter:request_id": {"paste.filter_factory": "oslo_middleware.request_id:RequestId.factory"},
    "filter:faultwrap": {"paste.filter_factory": "cinder.api.middleware.fault:FaultWrapper.factory"},
    "filter:keystonecontext": {"paste.filter_factory": "cinder.api.middleware.auth:CinderKeystoneContext.factory"},
    "filter:authtoken": AUTHTOKEN_FILTER,
    "app:apiv3": {"paste.app_factory": "cinder.api.v3.router:APIRouter.factory"},
    "pipeline:apiversions": {"pipeline": "request_id faultwrap osvolumeversionapp"},
    "app:osvolumeversionapp": {"paste.app_factory": "cinder.api.versions:Versions.factory"},
}

GLANCE_PASTE: Ini = {
    "pipeline:glance-api-keystone": {"pipeline": "versionnegotiation authtoken context rootapp"},
    "composite:rootapp": {
        "paste.composite_factory": "glance.api:root_app_factory",
        "/": "apiversions",
        "/v2": "apiv2app",
    },
    "app:apiversions": {"paste.app_factory": "glance.api.versions:create_resource"},
    "app:apiv2app": {"paste.app_factory": "glance.api.v2.router:API.factory"},
    "filter:versionnegotiation": {
        "paste.filter_factory": "glance.api.middleware.version_negotiation:VersionNegotiationFilter.factory"
    },
    "filter:context": {"paste.filter_factory": "glance.api.middleware.context:ContextMiddleware.factory"},
    "filter:authtoken": {**AUTHTOKEN_FILTER, "delay_auth_decision": True},
}


def rabbitmq(secrets: dict[str, str]) -> str:
    return "\n".join(
        [
            f"listeners.tcp.1 = {ports.HOST}:{ports.RABBITMQ}",
            "default_user = govcloud",
            f"default_pass = {secrets['rabbit']}",
            "loopback_users = none",
            "disk_free_limit.absolute = 50MB",
            "",
        ]
    )


def mariadb(state: CloudState) -> str:
    return (
        ini(
            {
                "mysqld": {
                    "datadir": str(state.data / "mysql"),
                    "socket": str(state.socket),
                    "pid-file": str(state.run / "mariadbd.pid"),  # run/mariadb.pid is ours (services.py)
                    "bind-address": ports.HOST,
                    "port": ports.MARIADB,
                    "user": "root",
                    "skip-name-resolve": True,
                    "innodb_buffer_pool_size": "64M",
                    "performance_schema": "off",
                    "max_connections": 500,
                    "character-set-server": "utf8mb4",
                }
            }
        )
        .replace(" = True", "")
        .replace(" = true", "")
    )


WSGI_KEYSTONE = (
    "from keystone.server.wsgi import initialize_public_application\n\napplication = initialize_public_application()\n"
)
WSGI_PLACEMENT = "from placement.wsgi import init_application\n\napplication = init_application()\n"


def render(state: CloudState, secrets: dict[str, str]) -> dict[str, str]:
    """Every file below <state>/etc, by path relative to it."""
    etc = state.etc
    return {
        "mariadb/my.cnf": mariadb(state),
        "rabbitmq/rabbitmq.conf": rabbitmq(secrets),
        "rabbitmq/enabled_plugins": "[].\n",
        "rabbitmq/rabbitmq-env.conf": "",
        "keystone/keystone.conf": ini(keystone(state, secrets)),
        "keystone/wsgi.py": WSGI_KEYSTONE,
        "keystone/uwsgi.ini": uwsgi(
            state,
            "keystone",
            ports.KEYSTONE,
            etc / "keystone" / "wsgi.py",
            f"OS_KEYSTONE_CONFIG_DIR={etc / 'keystone'}",
        ),
        "placement/placement.conf": ini(placement(state, secrets)),
        "placement/wsgi.py": WSGI_PLACEMENT,
        "placement/uwsgi.ini": uwsgi(
            state,
            "placement",
            ports.PLACEMENT,
            etc / "placement" / "wsgi.py",
            f"OS_PLACEMENT_CONFIG_DIR={etc / 'placement'}",
        ),
        "glance/glance-api.conf": ini(glance(state, secrets)),
        "glance/glance-api-paste.ini": ini(GLANCE_PASTE),
        "neutron/neutron.conf": ini(neutron(state, secrets)),
        "neutron/ml2_conf.ini": ini(ml2()),
        "neutron/api-paste.ini": ini(NEUTRON_PASTE),
        "nova/nova.conf": ini(nova(state, secrets)),
        "nova/api-paste.ini": ini(NOVA_PASTE),
        # the second nova-compute reads nova.conf, then this: its own host (the fake driver's node)
        "nova/nova-compute-2.conf": ini({"DEFAULT": {"host": COMPUTE_HOSTS[1]}}),
        "cinder/cinder.conf": ini(cinder(state, secrets)),
        "cinder/api-paste.ini": ini(CINDER_PASTE),
    }


def write(state: CloudState, secrets: dict[str, str]) -> list[Path]:
    """Write the configs (0600: they hold passwords) and the data folders; return changed files."""
    from govcloud.cloud.ml2_driver import write_driver

    changed: list[Path] = []
    for relative, text in render(state, secrets).items():
        path = state.etc / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists() and path.read_text() == text:
            continue
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(text)
        changed.append(path)
    for sub in (
        "mysql",
        "rabbitmq",
        "keystone",
        "placement/lock",
        "glance/images",
        "glance/staging",
        "glance/tasks",
        "glance/lock",
        "neutron/lock",
        "nova/instances",
        "nova/lock",
        "cinder/lock",
    ):
        (state.data / sub).mkdir(parents=True, exist_ok=True)
    write_driver(state.pylib)
    return changed

"""The generated configs, secrets and clouds.yaml: fast, nothing started."""

from __future__ import annotations

import configparser
import re
import stat
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from govcloud.cloud import config, ml2_driver, ports
from govcloud.cloud.clouds import write_clouds
from govcloud.cloud.connect import CLOUD_NAME
from govcloud.cloud.identity import CATALOG
from govcloud.cloud.services import all_services
from govcloud.cloud.state import CloudState, state_root


@pytest.fixture
def state(tmp_path: Path) -> CloudState:
    made = CloudState(tmp_path / "cloud")
    made.make_dirs()
    return made


@pytest.fixture
def rendered(state: CloudState) -> dict[str, str]:
    return config.render(state, state.secrets())


def parse(text: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=True)
    parser.read_string(text)
    return parser


def test_state_root_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("GOVCLOUD_CLOUD_STATE", raising=False)
    assert state_root() == Path("/var/lib/govcloud/cloud")
    monkeypatch.setenv("GOVCLOUD_CLOUD_STATE", str(tmp_path))
    assert CloudState.default().root == tmp_path


def test_secrets_are_made_once_and_private(state: CloudState) -> None:
    first = state.secrets()
    assert first == state.secrets()
    assert all(len(v) == 32 for v in first.values())
    assert stat.S_IMODE(state.secrets_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(state.root.stat().st_mode) == 0o700


def test_every_ini_parses(rendered: dict[str, str]) -> None:
    for name, text in rendered.items():
        if name.endswith((".conf", ".ini")) and not name.startswith("rabbitmq/"):
            parse(text)


def test_everything_listens_on_loopback_only(rendered: dict[str, str]) -> None:
    everything = "\n".join(rendered.values())
    assert "0.0.0.0" not in everything
    binds = re.findall(r"(?:bind_host|bind-address|_listen|http-socket|listeners\.tcp\.1)\s*=\s*(\S+)", everything)
    assert len(binds) >= 7
    assert all(b.startswith(ports.HOST) for b in binds), binds


def test_ports_are_distinct(state: CloudState) -> None:
    used = [s.port for s in all_services(state) if s.port is not None] + [ports.RABBITMQ_DIST]
    assert len(used) == len(set(used))


def test_the_known_snags_are_in_the_configs(rendered: dict[str, str]) -> None:
    uwsgi = parse(rendered["keystone/uwsgi.ini"])["uwsgi"]
    assert uwsgi["add-header"] == "Connection: close"
    assert uwsgi["rem-header"] == "Content-Length"
    nova = parse(rendered["nova/nova.conf"])
    assert nova["DEFAULT"]["compute_driver"] == "fake.FakeDriver"
    assert nova["service_user"]["send_service_user_token"] == "true"
    cinder = parse(rendered["cinder/cinder.conf"])
    assert cinder["fake"]["volume_driver"] == "cinder.tests.fake_driver.FakeLoggingVolumeDriver"
    assert cinder["keystone_authtoken"]["service_token_roles"] == "service"
    ml2 = parse(rendered["neutron/ml2_conf.ini"])
    assert ml2["ml2"]["mechanism_drivers"] == ml2_driver.NAME
    glance = parse(rendered["glance/glance-api.conf"])
    assert glance["DEFAULT"]["enabled_backends"] == "file:file"


def test_passwords_only_in_private_files(state: CloudState, rendered: dict[str, str]) -> None:
    secrets = state.secrets()
    for name, text in rendered.items():
        if name.endswith(("paste.ini", "wsgi.py", "enabled_plugins")):
            assert not any(v in text for v in secrets.values()), name
    config.write(state, secrets)
    for path in state.etc.rglob("*"):
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_write_reports_only_changes(state: CloudState) -> None:
    secrets = state.secrets()
    assert config.write(state, secrets)
    assert config.write(state, secrets) == []


def test_ml2_driver_is_found_by_its_entry_point(state: CloudState) -> None:
    ml2_driver.write_driver(state.pylib)
    entry_points = (state.pylib / f"{ml2_driver.MODULE}-1.0.dist-info" / "entry_points.txt").read_text()
    assert f"{ml2_driver.NAME} = {ml2_driver.MODULE}:BindAllDriver" in entry_points
    compile((state.pylib / f"{ml2_driver.MODULE}.py").read_text(), "driver", "exec")


def test_catalog_service_types_match_what_clients_look_for() -> None:
    types = {entry.type for entry in CATALOG}
    # nova's [cinder] catalog_info default is volumev3:cinderv3:publicURL (no hyphen allowed)
    assert types == {"placement", "image", "network", "compute", "volumev3"}
    assert all(entry.url.startswith(f"http://{ports.HOST}:") for entry in CATALOG)


def test_clouds_yaml_merges_and_stays_private(state: CloudState, tmp_path: Path) -> None:
    shared = tmp_path / "etc" / "clouds.yaml"
    shared.parent.mkdir()
    shared.write_text("clouds:\n  other:\n    auth: {auth_url: 'http://example.invalid'}\n")
    changed = write_clouds(state, "pw-123", shared)
    assert changed == [state.root / "clouds.yaml", shared]
    data = YAML(typ="safe").load(shared.read_text())
    assert set(data["clouds"]) == {"other", CLOUD_NAME}
    assert data["clouds"][CLOUD_NAME]["auth"]["auth_url"] == ports.KEYSTONE_URL
    assert stat.S_IMODE(shared.stat().st_mode) == 0o600
    assert write_clouds(state, "pw-123", shared) == []

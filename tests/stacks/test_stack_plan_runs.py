"""Whole-plan properties that need runs of their own: secrets, determinism, duplicate URNs.

Each run of the mock engine here is a second (third, ...) run in the same process as the
session's plan, which is itself something these tests check works.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from stack_plan import CATALOG, PROVIDER, ROOT, STACK, Resource
from typer.testing import CliRunner

import govcloud.commands  # noqa: F401  (registers `plan` on the app)
from govcloud.catalog.errors import CatalogInvalid
from govcloud.catalog.loader import Catalog, load_catalog
from govcloud.cli import EXIT_USAGE, app
from govcloud.plan.document import dumps, duplicate_urns
from govcloud.plan.engine import Registration
from govcloud.plan.offline import plan_catalog

MARKER = "pl41n-t3xt-p4ssw0rd-6f1c2a"


def stack_config(path: Path) -> dict[str, Any]:
    config: dict[str, Any] = YAML(typ="safe").load(path.read_text(encoding="utf-8"))["config"]
    return config


def without_time(plan: dict[str, Any]) -> str:
    return dumps({k: v for k, v in plan.items() if k != "generated_at"})


# --- secrets ------------------------------------------------------------------------------


def test_a_plain_text_password_stays_secret(catalog: Catalog, plan: dict[str, Any], tmp_path: Path) -> None:
    stack_file = (ROOT / f"Pulumi.{STACK}.yaml").read_text(encoding="utf-8")
    assert "openstack:password" not in stack_config(ROOT / f"Pulumi.{STACK}.yaml")
    (tmp_path / f"Pulumi.{STACK}.yaml").write_text(
        stack_file.rstrip("\n") + f"\n  openstack:password: {MARKER}\n", encoding="utf-8"
    )
    assert stack_config(tmp_path / f"Pulumi.{STACK}.yaml")["openstack:password"] == MARKER
    secret_plan = plan_catalog(catalog, stack=STACK, project_dir=tmp_path)
    providers = [r for r in secret_plan["resources"] if r["type"] == PROVIDER]
    assert len(providers) == len(catalog.tenants)
    for provider in providers:
        assert provider["inputs"]["password"] == "[secret]", provider["name"]
    assert MARKER not in dumps(secret_plan)
    assert MARKER not in json.dumps(secret_plan, ensure_ascii=True)
    # nothing else differs from the session's plan, made with the offline placeholder
    assert without_time(secret_plan) == without_time(plan)


# --- determinism and the CLI ---------------------------------------------------------------


def test_plan_command_writes_a_byte_identical_plan(
    plan: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`govcloud plan --out` (a second engine run in this process) gives the session's plan again."""
    monkeypatch.chdir(ROOT)  # the CLI reads Pulumi.<stack>.yaml from the working directory
    out = tmp_path / "sub" / "plan.json"
    result = CliRunner().invoke(app, ["plan", "--catalog", str(CATALOG), "--stack", STACK, "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    written = json.loads(text)
    assert dumps(written) == text, "the file is not what document.dumps writes"
    assert set(written) == set(plan)
    assert written["generated_at"] and written["generated_at"] != "[unknown]"
    assert without_time(written) == without_time(plan)


# --- duplicate URNs ------------------------------------------------------------------------


def registration(urn: str) -> Registration:
    return Registration(urn, "t:m:T", urn.rsplit("::", 1)[-1], None, None, True, {}, [])


def test_duplicate_urns_are_found_in_a_recording() -> None:
    a, b = "urn:pulumi:lab::govcloud::t:m:T::a", "urn:pulumi:lab::govcloud::t:m:T::b"
    found = duplicate_urns([registration(a), registration(b), registration(a), registration(a)])
    assert [(d.urn, d.count) for d in found] == [(a, 3)]
    assert duplicate_urns([registration(a), registration(b)]) == []


TENANT = """\
slug: {slug}
name: 测试 {slug}
name_en: Name collision test {slug}
owner: {{department: 测试, contact: 测试, email: it@example.gov.cn}}
mlps_level: 2
sensitivity: internal
zones: [intranet]
networks:
{networks}
quotas: {{instances: 2, cores: 2, ram_mb: 4096, volumes: 0, gigabytes: 0, networks: 2, subnets: 2, ports: 10,
  routers: 1, security_groups: 2, security_group_rules: 100}}
hosts:
{hosts}
"""


Networks = list[tuple[str, str]]  # (name, cidr)
Hosts = list[tuple[str, str]]  # (name, network)


def small_catalog(root: Path, sample: Catalog, tenants: dict[str, tuple[Networks, Hosts]]) -> Path:
    """The sample's platform.yaml and management tenant, plus `tenants` (a plan in ~2 s)."""
    catalog = root / "catalog"
    (catalog / "tenants").mkdir(parents=True)
    shutil.copy(CATALOG / "platform.yaml", catalog / "platform.yaml")
    management = sample.platform.management_tenant
    shutil.copy(CATALOG / "tenants" / f"{management}.yaml", catalog / "tenants")
    for slug, (networks, hosts) in tenants.items():
        (catalog / "tenants" / f"{slug}.yaml").write_text(
            TENANT.format(
                slug=slug,
                networks="\n".join(f"  - {{name: {n}, zone: intranet, cidr: {c}}}" for n, c in networks),
                hosts="\n".join(
                    f"  - {{name: {h}, group: app, role: app, flavor: g1.small, image: debian-12, "
                    f"nics: [{{network: {n}}}]}}"
                    for h, n in hosts
                ),
            ),
            encoding="utf-8",
        )
    return catalog


def test_names_colliding_across_tenants_are_refused(catalog: Catalog, tmp_path: Path) -> None:
    # tenant `dup` host `ab-cd` and tenant `dup-ab` host `cd` both make instance `dup-ab-cd`:
    # the catalog refuses it before the engine would.
    root = small_catalog(
        tmp_path,
        catalog,
        {
            "dup": ([("net", "10.10.200.0/24")], [("ab-cd", "net")]),
            "dup-ab": ([("net", "10.10.201.0/24")], [("cd", "net")]),
        },
    )
    with pytest.raises(CatalogInvalid) as caught:
        load_catalog(root)
    messages = [str(e) for e in caught.value.errors]
    assert any(
        "dup-ab.yaml" in m and "hosts[0].name" in m and "'dup-ab-cd' is also made by tenant dup's host ab-cd" in m
        for m in messages
    ), messages


def test_plan_command_exits_2_on_names_colliding_in_one_tenant(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # host `ab` on network `cd-ef` and host `ab-cd` on network `ef`: both ports are `dup-ab-cd-ef-port`
    root = small_catalog(
        tmp_path,
        catalog,
        {"dup": ([("cd-ef", "10.10.200.0/24"), ("ef", "10.10.201.0/24")], [("ab", "cd-ef"), ("ab-cd", "ef")])},
    )
    load_catalog(root)  # the catalog itself is valid
    monkeypatch.chdir(ROOT)
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(app, ["plan", "--catalog", str(root), "--stack", STACK, "--out", str(out)])
    assert result.exit_code == EXIT_USAGE, result.output
    assert "registered 2 times" in result.output
    assert "dup-ab-cd-ef-port" in result.output.replace("\n", "")
    assert not out.exists()


# --- URNs as the real engine builds them ---------------------------------------------------


def qualified_type(urn: str) -> str:
    return urn.split("::")[2]


def test_urns_chain_every_ancestor_type(plan: dict[str, Any]) -> None:
    by_urn: dict[str, Resource] = {r["urn"]: r for r in plan["resources"]}
    stack_parent = f"urn:pulumi:{STACK}::govcloud::pulumi:pulumi:Stack::govcloud-{STACK}"
    wrong = []
    for res in plan["resources"]:
        parent = res["parent"]
        prefix = "" if parent in (None, stack_parent) else qualified_type(by_urn[parent]["urn"]) + "$"
        expected = f"urn:pulumi:{STACK}::govcloud::{prefix}{res['type']}::{res['name']}"
        if res["urn"] != expected:
            wrong.append((res["urn"], expected))
    assert not wrong, wrong[:3]

"""Bad legacy files: a clear FILE:LINE: field: message for each problem, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import BASE_APP, Write, line_of, migrate


def _plan(zone: Path) -> tuple[int, str, Path]:
    out = zone.parent / "out"
    result = migrate("plan", "test-app", "--catalog", str(zone), "--out", str(out))
    return result.exit_code, result.stderr, out


CASES = [
    # (what is wrong, replace this, with this, the line holding, field and message)
    (
        "unknown field",
        "sensitivity: sensitive",
        "sensitivity: sensitive\ncolour: blue",
        "colour: blue",
        "colour: unknown field (allowed: app, name, name_en, tenant, owner, mlps_level",
    ),
    (
        "unknown host field",
        "os: CentOS 7.9, cpu: 2",
        "os: CentOS 7.9, flavour: big, cpu: 2",
        "flavour: big",
        "hosts[0].flavour: unknown field (allowed: name, tier, os, cpu, memory_gb",
    ),
    (
        "address that does not parse",
        "addresses: [192.168.9.21]",
        "addresses: [192.168.9.300]",
        "192.168.9.300",
        "hosts[1].addresses[0]: '192.168.9.300': not an IPv4 address (e.g. 10.30.1.10)",
    ),
    (
        "peer network that does not parse",
        "connections:\n",
        "peers:\n  - {name: prov, title: P, reached_over: specialised, addresses: [172.16.0.1/16]}\nconnections:\n",
        "172.16.0.1/16",
        "peers[0].addresses[0]: '172.16.0.1/16': not an IPv4 address or network in CIDR form with host bits zero",
    ),
    (
        "impossible size: more cores than any flavor",
        "cpu: 8, memory_gb: 16",
        "cpu: 64, memory_gb: 16",
        "cpu: 64",
        "hosts[2].cpu: needs 64 vCPU and the largest approved flavor has 8 (allowed: at most 8 cores",
    ),
    (
        "impossible size: more memory than any flavor",
        "cpu: 4, memory_gb: 8",
        "cpu: 4, memory_gb: 512",
        "memory_gb: 512",
        "hosts[1].memory_gb: needs 512 GiB of memory and the largest approved flavor has 16 GiB",
    ),
    (
        "impossible size: zero cores",
        "cpu: 2, memory_gb: 4",
        "cpu: 0, memory_gb: 4",
        "cpu: 0",
        "hosts[0].cpu: 0 is out of range (allowed: 1-512)",
    ),
    (
        "impossible size: more disk than a volume holds",
        "disk_gb: 200,",
        "disk_gb: 90000,",
        "disk_gb: 90000",
        "hosts[2].disk_gb: needs a 89840 GiB data volume beside the 160 GiB root disk",
    ),
    (
        "unknown tier",
        "tier: app, os: Kylin",
        "tier: api, os: Kylin",
        "tier: api",
        "hosts[1].tier: unknown tier 'api' (allowed: web, app, db)",
    ),
    (
        "connection to nothing",
        "{from: app, to: db,",
        "{from: app, to: dbx,",
        "to: dbx",
        "connections[1].to: unknown tier or peer 'dbx' (allowed: web, app, db)",
    ),
    (
        "port that is not one",
        "ports: [8080/tcp]",
        "ports: [8080/tpc]",
        "8080/tpc",
        "connections[0].ports[0]: '8080/tpc': a port is 'N/tcp', 'N-M/udp' or 'icmp'",
    ),
    (
        "platform peer naming no group",
        "connections:\n",
        "peers:\n  - {name: prov, title: P, reached_over: platform, endpoint: finance/nothing}\nconnections:\n",
        "finance/nothing",
        "peers[0].endpoint: 'finance/nothing' names no host group of finance (groups: app, db)",
    ),
    (
        "unapproved image",
        "addresses: [192.168.9.11]}",
        "addresses: [192.168.9.11], image: windows-2008}",
        "windows-2008",
        "hosts[0].image: 'windows-2008' is not approved (allowed: kylin-server-v10-sp3",
    ),
    (
        "existing tenant",
        "name: 测试系统",
        "tenant: finance\nname: 测试系统",
        "tenant: finance",
        "tenant: tenant 'finance' exists in the catalog already (allowed: a new tenant slug)",
    ),
    (
        "malformed YAML",
        "  - {name: app, role: app}",
        "  - {name: app, role: app",
        "  - {name: db, role: db}",
        "YAML syntax:",
    ),
]


@pytest.mark.parametrize(("what", "old", "new", "needle", "message"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_says_file_line_field_and_what_is_allowed_and_writes_nothing(
    what: str, old: str, new: str, needle: str, message: str, write_app: Write, zone: Path
) -> None:
    text = BASE_APP.format(app="test-app")
    assert old in text, what
    path = write_app(text.replace(old, new, 1))
    code, stderr, out = _plan(zone)
    assert code == 2, stderr
    line = line_of(path, needle)
    assert f"test-app.yaml:{line}: {message}" in stderr, stderr
    assert "nothing written" in stderr
    assert not out.exists()


def test_every_problem_is_listed_at_once(write_app: Write, zone: Path) -> None:
    text = BASE_APP.format(app="test-app").replace("tier: api", "x").replace("cpu: 2,", "cpu: 99,")
    text = text.replace("tier: app, os", "tier: apx, os")
    write_app(text)
    code, stderr, _ = _plan(zone)
    assert code == 2
    assert "hosts[0].cpu: needs 99 vCPU" in stderr and "hosts[1].tier: unknown tier 'apx'" in stderr


def test_a_file_named_unlike_its_app_is_refused(write_app: Write, zone: Path) -> None:
    write_app(BASE_APP.format(app="other-name"), app="test-app")
    code, stderr, _ = _plan(zone)
    assert code == 2
    assert "test-app.yaml:1: app: 'other-name' differs from the file name (allowed: 'test-app')" in stderr


def test_an_unknown_app_lists_the_known_ones(zone: Path) -> None:
    result = migrate("plan", "no-such-app", "--catalog", str(zone))
    assert result.exit_code == 2
    assert "no legacy application 'no-such-app' (allowed: audit-online, finance-treasury, ps-household" in result.stderr


def test_a_missing_flow_csv_is_reported_at_its_field(write_app: Write, zone: Path) -> None:
    path = write_app(extra="discovery:\n  flows_csv: missing.csv\n")
    code, stderr, _ = _plan(zone)
    assert code == 2
    assert f"test-app.yaml:{line_of(path, 'missing.csv')}: discovery.flows_csv:" in stderr
    assert "missing.csv: file not found" in stderr


def test_a_malformed_flow_csv_stops_the_plan(write_app: Write, zone: Path) -> None:
    (zone / "legacy" / "flows.csv").write_text(
        "source,destination,port,protocol,count\n192.168.9.11,192.168.9.21,8080,tcp,40\n192.168.9.11,x,1,tcp,1\n",
        encoding="utf-8",
    )
    write_app(extra="discovery:\n  flows_csv: flows.csv\n")
    code, stderr, out = _plan(zone)
    assert code == 2
    assert "flows.csv:3: destination: 'x' is not an IPv4 address" in stderr
    assert not out.exists()


@pytest.mark.parametrize("command", [["plan"], ["discover"], ["list"], ["waves"], []])
def test_help_teaches_with_examples(command: list[str]) -> None:
    result = migrate(*command, "--help")
    assert result.exit_code == 0
    assert "Examples" in result.output or "Exit codes" in result.output
    if command:
        assert "govcloud migrate" in result.output


def test_a_tier_name_too_long_for_its_hosts_is_refused(write_app: Write, zone: Path) -> None:
    long_name = "a" * 30
    path = write_app(
        BASE_APP.format(app="test-app")
        .replace("name: web,", f"name: {long_name},")
        .replace("tier: web,", f"tier: {long_name},")
        .replace("{from: web,", f"{{from: {long_name},")
    )
    code, stderr, _ = _plan(zone)
    assert code == 2, stderr
    assert f"test-app.yaml:{line_of(path, 'role: web')}: tiers[0].name: '{long_name}' is too long" in stderr


def test_list_shows_the_samples_and_fails_on_a_broken_file(write_app: Write, zone: Path) -> None:
    result = migrate("list", "--catalog", str(zone))
    assert result.exit_code == 0, result.output
    for name, department in (("audit-online", "审计局"), ("finance-treas", "财政局"), ("ps-household", "公安局")):
        assert name in result.output and department in result.output
    assert result.output.count("ready") == 3
    write_app(BASE_APP.format(app="test-app").replace("cpu: 2,", "cpu: 200,"))
    broken = migrate("list", "--catalog", str(zone))
    assert broken.exit_code == 2
    assert "1 error(s)" in broken.output
    assert "1 file(s) with errors" in broken.output


def test_discover_without_app_needs_a_csv_some_legacy_file_names(zone: Path, tmp_path: Path) -> None:
    csv_file = tmp_path / "orphan.csv"
    csv_file.write_text("source,destination,port,protocol,count\n", encoding="utf-8")
    result = migrate("discover", str(csv_file), "--catalog", str(zone))
    assert result.exit_code == 2
    assert "give --app" in result.output


def test_names_from_the_legacy_file_are_escaped_in_the_html(write_app: Write, zone: Path) -> None:
    write_app(BASE_APP.format(app="test-app").replace("name_en: Test system", "name_en: <script>alert(1)</script>"))
    out = zone.parent / "out"
    result = migrate("plan", "test-app", "--catalog", str(zone), "--out", str(out))
    assert result.exit_code == 0, result.output
    page = (out / "migration-plan.en.html").read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page

"""Malformed catalogs: each case copies the fixture catalog, makes one edit, and checks the
exact errors (file, line, field path, key words of the message) of both load_catalog and
`govcloud validate`, which must exit 2 without a traceback.

Expected lines are given by a needle: the 1-based line where that text starts in the edited
file, so the expectations read as "the line that says ...".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

import govcloud.commands  # noqa: F401  (registers show, schema, plan on the app)
from govcloud.catalog.errors import CatalogError, CatalogInvalid
from govcloud.catalog.loader import load_catalog
from govcloud.cli import EXIT_USAGE, app

from .conftest import Edit

runner = CliRunner()

FIN = "tenants/finance.yaml"
PORTAL = "tenants/portal.yaml"
MGMT = "tenants/mgmt.yaml"
PLATFORM = "platform.yaml"


@dataclass(frozen=True)
class Expect:
    """One expected error: where (file, needle for the line, field path) and key words."""

    file: str
    needle: str
    path: str
    words: tuple[str, ...]

    def line(self, root: Path) -> int:
        text = (root / self.file).read_text(encoding="utf-8")
        assert text.count(self.needle) == 1, f"needle {self.needle!r} is not unique in {self.file}"
        return text[: text.index(self.needle)].count("\n") + 1

    def matches(self, root: Path, error: CatalogError) -> bool:
        return (
            error.file == (root / self.file).as_posix()
            and error.line == self.line(root)
            and error.path == self.path
            and all(word in error.message for word in self.words)
        )


def E(file: str, needle: str, path: str, *words: str) -> Expect:
    return Expect(file, needle, path, words)


def assert_errors(root: Path, *expected: Expect) -> list[CatalogError]:
    """load_catalog reports exactly `expected` (in any order), and the CLI prints them all."""
    with pytest.raises(CatalogInvalid) as info:
        load_catalog(root)
    errors = info.value.errors
    unmatched = [e for e in expected if not any(e.matches(root, err) for err in errors)]
    unexpected = [err for err in errors if not any(e.matches(root, err) for e in expected)]
    report = "\n".join(str(err) for err in errors)
    assert not unmatched and not unexpected, (
        f"missing: {unmatched}\nunexpected: {[str(u) for u in unexpected]}\ngot:\n{report}"
    )
    assert len(errors) == len(expected), report
    _assert_cli_reports(root, errors)
    return errors


def _assert_cli_reports(root: Path, errors: list[CatalogError]) -> None:
    result = runner.invoke(app, ["validate", "--catalog", str(root)])
    assert result.exit_code == EXIT_USAGE, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert lines[:-1] == [str(err) for err in errors], result.stderr
    assert lines[-1] == f"{len(errors)} error(s) in {root}"
    assert result.stdout == ""


# (id, edits [(file, old, new)], expected errors)
CASES: list[tuple[str, list[tuple[str, str, str]], list[Expect]]] = [
    (
        "yaml-syntax-unclosed-flow",
        [(FIN, "nics: [{network: app}]", "nics: [{network: app}")],
        [
            E(FIN, "    volumes: [{name: logs", "", "YAML syntax", "expected ',' or ']'",
              "flow sequence that starts on line"),
        ],
    ),
    (
        "yaml-syntax-tab",
        [(FIN, "  contact: 信息科", "\tcontact: 信息科")],
        [E(FIN, "\tcontact", "", "YAML syntax", "'\\t'", "not tabs")],
    ),
    (
        "yaml-invalid-date",
        [(FIN, "name_en: Finance Bureau", "name_en: 2024-02-30")],
        [E(FIN, "name_en: 2024-02-30", "", "YAML syntax", "'2024-02-30' is not a valid timestamp", "quote it")],
    ),
    (
        "yaml-duplicate-key",
        [(FIN, "name_en: Finance Bureau\n", "name_en: Finance Bureau\nname_en: Treasury\n")],
        [E(FIN, "name_en: Treasury", "", "YAML syntax", 'duplicate key "name_en"', "each key once")],
    ),
    (
        "unknown-field-lists-allowed",
        [(FIN, "    role: db\n", "    role: db\n    colour: red\n")],
        [
            E(FIN, "colour: red", "hosts[1].colour", "unknown field",
              "(allowed: name, group, role, count, flavor, image, nics, volumes)"),
        ],
    ),
    (
        "unknown-field-with-odd-key-is-quoted",
        [(FIN, "  contact: 信息科\n", "  contact: 信息科\n  contact person: 张三\n")],
        [E(FIN, "contact person", "owner['contact person']", "unknown field", "(allowed: department, contact, email)")],
    ),
    (
        "misspelt-field-is-unknown-and-missing",
        [(FIN, "mlps_level: 3", "mlps_levle: 3")],
        [
            E(FIN, "mlps_levle: 3", "mlps_levle", "unknown field", "mlps_level"),
            E(FIN, "slug: finance", "mlps_level", "required field is missing"),
        ],
    ),
    (
        "missing-top-level-field",
        [(FIN, "name_en: Finance Bureau\n", "")],
        [E(FIN, "slug: finance", "name_en", "required field is missing")],
    ),
    (
        "missing-host-field",
        [(FIN, "    role: db\n", "")],
        [E(FIN, "- name: budget-db", "hosts[1].role", "required field is missing")],
    ),
    (
        "empty-value",
        [(FIN, "    role: db\n", "    role:\n")],
        [E(FIN, "role:\n", "hosts[1].role", "no value is given", "(allowed: text)")],
    ),
    (
        "error-in-merged-key-points-at-the-anchor",
        [
            (FIN, "  - name: budget-app\n    group: app", "  - &base\n    name: budget-app\n    group: App"),
            (FIN, "  - name: budget-db\n    group: db", "  - <<: *base\n    name: budget-db\n    count: 1"),
        ],
        [
            E(FIN, "group: App", "hosts[0].group", "'App' is not allowed"),
            E(FIN, "group: App", "hosts[1].group", "'App' is not allowed"),
        ],
    ),
    (
        "bad-slug",
        [(FIN, "name: budget-db", "name: Budget_DB")],
        [
            E(FIN, "name: Budget_DB", "hosts[1].name", "'Budget_DB' is not allowed",
              "lowercase letters, digits and '-'"),
        ],
    ),
    (
        "cidr-not-a-network",
        [(FIN, "10.10.17.0/24", "10.10.17/24")],
        [E(FIN, "cidr: 10.10.17/24", "networks[1].cidr", "'10.10.17/24'", "not an IPv4 network")],
    ),
    (
        "cidr-host-bits-set",
        [(FIN, "10.10.17.0/24", "10.10.17.5/24")],
        [E(FIN, "cidr: 10.10.17.5/24", "networks[1].cidr", "not an IPv4 network", "host bits set")],
    ),
    (
        "cidr-outside-zone-supernet",
        [(FIN, "10.10.17.0/24", "10.99.17.0/24")],
        [
            E(FIN, "cidr: 10.99.17.0/24", "networks[1].cidr", "outside the intranet supernet",
              "(allowed: inside 10.10.0.0/16)"),
        ],
    ),
    (
        "cidr-in-another-zones-supernet",
        [(FIN, "10.10.17.0/24", "10.20.17.0/24")],
        [E(FIN, "cidr: 10.20.17.0/24", "networks[1].cidr", "outside the intranet supernet")],
    ),
    (
        "overlap-across-tenants",
        [(PORTAL, "10.10.32.0/24", "10.10.16.0/25")],
        [
            E(PORTAL, "cidr: 10.10.16.0/25", "networks[1].cidr",
              "10.10.16.0/25 overlaps finance network app (10.10.16.0/24)"),
        ],
    ),
    (
        "overlap-across-tenants-wider-later",
        [(PORTAL, "10.10.32.0/24", "10.10.16.0/23")],
        [
            # The wider range comes first at the same address: the narrower one is reported.
            E(FIN, "cidr: 10.10.17.0/24", "networks[1].cidr",
              "10.10.17.0/24 overlaps portal network xchg (10.10.16.0/23)"),
            E(FIN, "cidr: 10.10.16.0/24", "networks[0].cidr",
              "10.10.16.0/24 overlaps portal network xchg (10.10.16.0/23)"),
        ],
    ),
    (
        "overlap-with-backbone",
        [(FIN, "10.10.17.0/24", "10.10.255.0/24")],
        [
            E(FIN, "cidr: 10.10.255.0/24", "networks[1].cidr",
              "overlaps the intranet backbone (10.10.255.0/24)"),
        ],
    ),
    (
        "overlap-wider-than-backbone-blames-tenant",
        [(FIN, "10.10.17.0/24", "10.10.254.0/23")],
        [
            E(FIN, "cidr: 10.10.254.0/23", "networks[1].cidr",
              "10.10.254.0/23 overlaps the intranet backbone (10.10.255.0/24)"),
        ],
    ),
    (
        "duplicate-host-name",
        [(FIN, "name: budget-db", "name: budget-app")],
        [
            E(FIN, "- name: budget-app\n    group: db", "hosts[1].name",
              "duplicate name 'budget-app'", "unique"),
        ],
    ),
    (
        "replica-name-clash",
        [(FIN, "name: budget-db", "name: budget-app-2")],
        [E(FIN, "name: budget-app-2", "hosts[1].name", "replica name budget-app-2 clashes")],
    ),
    (
        "duplicate-network-name",
        [(FIN, "name: data, zone", "name: app, zone")],
        [
            E(FIN, "name: app, zone: intranet, cidr: 10.10.17.0/24", "networks[1].name",
              "duplicate name 'app'"),
            # The host on the renamed network now names nothing: reported, without a
            # spurious "crosses a zone" on the flow to it.
            E(FIN, "nics: [{network: data}]", "hosts[1].nics[0].network",
              "unknown network 'data'", "(allowed: app)"),
        ],
    ),
    (
        "duplicate-flow-name",
        [(PORTAL, "name: web-to-gateway", "name: publish-web")],
        [E(PORTAL, "- name: publish-web\n    from: web", "flows[1].name", "duplicate name 'publish-web'")],
    ),
    (
        "flavor-not-approved",
        [(FIN, "    role: db\n    flavor: g1.medium", "    role: db\n    flavor: g1.huge")],
        [
            E(FIN, "flavor: g1.huge", "hosts[1].flavor", "'g1.huge' is not approved",
              "(allowed: g1.small, g1.medium)"),
        ],
    ),
    (
        "image-not-approved",
        [(PORTAL, "image: debian-12", "image: windows-2022")],
        [
            E(PORTAL, "image: windows-2022", "hosts[2].image", "'windows-2022' is not approved",
              "kylin-server-v10-sp3, debian-12"),
        ],
    ),
    (
        "mlps-level-0",
        [(FIN, "mlps_level: 3", "mlps_level: 0")],
        [E(FIN, "mlps_level: 0", "mlps_level", "0 is out of range", "(allowed: 1-4)")],
    ),
    (
        "mlps-level-5",
        [(FIN, "mlps_level: 3", "mlps_level: 5")],
        [E(FIN, "mlps_level: 5", "mlps_level", "5 is out of range", "(allowed: 1-4)")],
    ),
    (
        "mlps-level-text",
        [(FIN, "mlps_level: 3", "mlps_level: three")],
        [E(FIN, "mlps_level: three", "mlps_level", "'three' is the wrong kind of value", "whole number")],
    ),
    (
        "classified-refused",
        [(FIN, "sensitivity: sensitive", "sensitivity: classified")],
        [
            E(FIN, "sensitivity: classified", "sensitivity", "classified (涉密)",
              "may not be placed on the shared e-government platform",
              "separately approved classified network", "(allowed: public, internal, sensitive)"),
        ],
    ),
    (
        "sensitivity-unknown",
        [(FIN, "sensitivity: sensitive", "sensitivity: secret")],
        [E(FIN, "sensitivity: secret", "sensitivity", "'secret' is not allowed", "'classified'")],
    ),
    (
        "quota-below-declared",
        [(FIN, "instances: 4", "instances: 2")],
        [E(FIN, "instances: 2", "quotas.instances", "2 is less than the tenant declares", "(allowed: >= 3)")],
    ),
    (
        "flow-unknown-group",
        [(FIN, "to: db", "to: dbx")],
        [E(FIN, "to: dbx", "flows[0].to", "'dbx' names no host or group of finance", "(groups: app, db)")],
    ),
    (
        "flow-unknown-tenant",
        [(PORTAL, "to: finance/app", "to: treasury/app")],
        [
            E(PORTAL, "to: treasury/app", "flows[3].to", "unknown tenant 'treasury'",
              "(allowed: finance, mgmt, portal)"),
        ],
    ),
    (
        "flow-bad-port",
        [(FIN, "ports: [5432/tcp]", "ports: [70000/tcp]")],
        [E(FIN, "ports: [70000/tcp]", "flows[0].ports[0]", "'70000/tcp'", "1-65535")],
    ),
    (
        "cross-tenant-flow-without-approval",
        [(PORTAL, "    approval: 财政发〔2024〕7号\n", "")],
        [
            E(PORTAL, "- name: submit-to-finance", "flows[3].approval", "crosses a tenant",
              "needs an approval reference"),
        ],
    ),
    (
        "intranet-to-extranet-flow-not-through-the-gateway",
        [(PORTAL, "    from: gateway\n    to: archive", "    from: web\n    to: archive")],
        [
            E(PORTAL, "- name: gateway-to-archive", "flows[2]",
              "meet only through the data-exchange gateways", "portal's exchange-gateway hosts"),
        ],
    ),
    (
        "cross-zone-flow-without-approval",
        [(MGMT, "    ports: [636/tcp]\n", "    ports: [636/tcp]\n  - name: collect-metrics\n    from: log\n"
          "    to: finance/app\n    ports: [9100/tcp]\n")],
        [
            E(MGMT, "- name: collect-metrics", "flows[1].approval", "crosses a zone", "needs an approval reference"),
        ],
    ),
    (
        "internet-flow-without-approval",
        [(PORTAL, "    ports: [443/tcp]\n    approval: 杨管办发〔2024〕30号\n", "    ports: [443/tcp]\n")],
        [
            E(PORTAL, "- name: publish-web", "flows[0].approval", "reaches the internet",
              "needs an approval reference"),
        ],
    ),
    (
        "gateway-outside-the-exchange-tenant",
        [(PLATFORM, "exchange_tenant: portal", "exchange_tenant: finance")],
        [
            E(PORTAL, "nics: [{network: dmz}, {network: xchg}]", "hosts[1].nics",
              "only the data-exchange tenant may run exchange-gateway hosts", "(allowed: finance)"),
        ],
    ),
    (
        "fixed-address-below-dot-ten",
        [(MGMT, "ip: 10.30.1.10", "ip: 10.30.1.5")],
        [
            E(MGMT, "ip: 10.30.1.5", "hosts[0].nics[0].ip", "is not a host address of 10.30.1.0/24",
              "allowed: 10.30.1.10 to 10.30.1.254"),
        ],
    ),
    (
        "two-hosts-with-one-fixed-address",
        [(MGMT, "    nics: [{network: trust}]\n    volumes: [{name: data,",
          "    nics: [{network: trust, ip: 10.30.1.10}]\n    volumes: [{name: data,")],
        [
            E(MGMT, "nics: [{network: trust, ip: 10.30.1.10}]\n    volumes", "hosts[1].nics[0].ip",
              "10.30.1.10 is already the fixed address of hosts[0].nics[0].ip"),
        ],
    ),
    (
        "admin-port-in-management-from-a-non-bastion-host",
        [(MGMT, "    from: bastion\n    to: directory\n    ports: [636/tcp]",
          "    from: log\n    to: directory\n    ports: [22/tcp]")],
        [
            E(MGMT, "ports: [22/tcp]", "flows[0].ports", "administration ports in the management zone",
              "allowed source: mgmt/bastion"),
        ],
    ),
    (
        "tenant-flow-into-the-management-network",
        [(FIN, "    ports: [5432/tcp]\n", "    ports: [5432/tcp]\n  - name: app-to-log\n    from: app\n"
          "    to: mgmt/log\n    ports: [8443/tcp]\n    approval: 杨管办发〔2024〕40号\n")],
        [
            E(FIN, "- name: app-to-log", "flows[1]", "reach the management network only through the platform's "
              "baseline flows"),
        ],
    ),
    (
        "host-group-spread-over-two-zones",
        [(PORTAL, "    nics: [{network: dmz}]\n", "    nics: [{network: dmz}]\n  - name: web-inside\n"
          "    group: web\n    role: web\n    flavor: g1.small\n    image: kylin-server-v10-sp3\n"
          "    nics: [{network: xchg}]\n")],
        [
            E(PORTAL, "    group: web\n    role: web\n    flavor: g1.small", "hosts[1].group",
              "group web already sits in extranet", "a group's hosts share their zones"),
            # consequences that stay true until the host moves: the published group now
            # reaches into the intranet, and the extra host counts against quota
            E(PORTAL, "from: internet", "flows[0].from", "only hosts entirely in the extranet reach the internet"),
            E(PORTAL, "  instances: 4", "quotas.instances", "less than the tenant declares"),
            E(PORTAL, "  cores: 4", "quotas.cores", "less than the tenant declares"),
            E(PORTAL, "  ram_mb: 8192", "quotas.ram_mb", "less than the tenant declares"),
        ],
    ),
    (
        "department-network-in-the-management-zone",
        [(FIN, "zones: [intranet]", "zones: [intranet, management]"),
         (FIN, "  - {name: app, zone: intranet, cidr: 10.10.16.0/24}",
          "  - {name: app, zone: intranet, cidr: 10.10.16.0/24}\n"
          "  - {name: ops, zone: management, cidr: 10.30.9.0/24}")],
        [
            E(FIN, "{name: ops, zone: management", "networks[1].zone", "only the platform's own tenant",
              "(allowed here: intranet)"),
            # the network still counts against quota until it is removed
            E(FIN, "  networks: 2", "quotas.networks", "less than the tenant declares", ">= 3"),
            E(FIN, "  subnets: 2", "quotas.subnets", "less than the tenant declares", ">= 3"),
            E(FIN, "  routers: 1", "quotas.routers", "less than the tenant declares", ">= 2"),
        ],
    ),
    (
        "nic-in-zone-the-tenant-lacks",
        [(PORTAL, "zones: [extranet, intranet]", "zones: [extranet]")],
        [
            E(PORTAL, "{name: xchg, zone: intranet", "networks[1].zone", "tenant is not in zone intranet",
              "(allowed: extranet)"),
            E(PORTAL, "nics: [{network: dmz}, {network: xchg}]", "hosts[1].nics[1].network",
              "xchg is in zone intranet, which the tenant does not have"),
            E(PORTAL, "nics: [{network: xchg}]", "hosts[2].nics[0].network",
              "xchg is in zone intranet, which the tenant does not have"),
        ],
    ),
    (
        "unencrypted-volume-on-level-3",
        [(FIN, "size_gb: 100, type: encrypted", "size_gb: 100, type: standard")],
        [
            E(FIN, "size_gb: 100, type: standard", "hosts[1].volumes[0].type",
              "MLPS level 3 needs an encrypted volume type", "(allowed: encrypted)"),
        ],
    ),
    (
        "raising-level-makes-standard-volume-wrong",
        [(PORTAL, "mlps_level: 2", "mlps_level: 3")],
        [
            E(PORTAL, "type: standard", "hosts[2].volumes[0].type",
              "MLPS level 3 needs an encrypted volume type"),
        ],
    ),
    (
        "dual-homed-host-not-exchange-gateway",
        [(PORTAL, "role: exchange-gateway", "role: app")],
        [
            E(PORTAL, "nics: [{network: dmz}, {network: xchg}]", "hosts[1].nics", "host is in 2 zones",
              "only the exchange-gateway role may be dual-homed"),
        ],
    ),
    (
        "internet-flow-to-intranet-only-group",
        [(PORTAL, "    from: internet\n    to: web", "    from: internet\n    to: archive")],
        [
            E(PORTAL, "from: internet", "flows[0].from", "only hosts entirely in the extranet reach the internet",
              "unified exit"),
        ],
    ),
    (
        "slug-differs-from-file-name",
        [(PORTAL, "slug: portal", "slug: portal-site")],
        [E(PORTAL, "slug: portal-site", "slug", "'portal-site' differs from the file name", "'portal'")],
    ),
    (
        "trust-service-group-missing-from-mgmt",
        [(PLATFORM, "dns: {tenant: mgmt, group: dns}", "dns: {tenant: mgmt, group: resolvers}")],
        [
            E(PLATFORM, "dns: {tenant: mgmt, group: resolvers}", "trust_services.dns.group",
              "no host group 'resolvers' in mgmt", "bastion, directory, dns, log"),
        ],
    ),
    (
        "trust-service-outside-mgmt",
        [(PLATFORM, "dns: {tenant: mgmt, group: dns}", "dns: {tenant: finance, group: app}")],
        [
            E(PLATFORM, "dns: {tenant: finance", "trust_services.dns.tenant",
              "trust services run in the management tenant", "(allowed: mgmt)"),
        ],
    ),
    (
        "platform-unknown-zone",
        [(PLATFORM, "  management:\n    title", "  managment:\n    title")],
        [
            E(PLATFORM, "managment:", "zones.managment", "'managment' is not allowed",
              "'intranet', 'extranet' or 'management'"),
        ],
    ),
    (
        "capacity-exceeded",
        [(PLATFORM, "  instances: 40", "  instances: 10")],
        [E(PLATFORM, "instances: 10", "capacity.instances", "add up to 16", "more than the capacity 10")],
    ),
]


@pytest.mark.parametrize(("edits", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed(
    catalog_dir: Path, edit: Edit, edits: list[tuple[str, str, str]], expected: list[Expect]
) -> None:
    for file, old, new in edits:
        edit(file, old, new)
    assert_errors(catalog_dir, *expected)


def test_case_ids_are_distinct() -> None:
    assert len({c[0] for c in CASES}) == len(CASES) >= 20


def test_every_error_in_every_file_is_reported(catalog_dir: Path, edit: Edit) -> None:
    """Errors of every kind and file come out together, not only the first."""
    edit(FIN, "mlps_level: 3", "mlps_level: 5")  # field error
    edit(FIN, "it@finance.example.gov.cn", "finance-it")  # a second field error, same file
    edit(PORTAL, "    role: db\n    flavor: g1.small", "    role: db\n    flavor: g1.huge")  # rule
    edit(PORTAL, "to: web\n", "to: webs\n")  # flow rule, same file
    edit(MGMT, "10.30.2.0/24", "10.30.255.0/24")  # address plan
    edit(PLATFORM, "  instances: 40", "  instances: 10")  # platform rule
    assert_errors(
        catalog_dir,
        E(FIN, "mlps_level: 5", "mlps_level", "out of range"),
        E(FIN, "email: finance-it", "owner.email", "'finance-it' is not allowed", "e-mail address"),
        E(PORTAL, "flavor: g1.huge", "hosts[2].flavor", "not approved"),
        E(PORTAL, "to: webs", "flows[0].to", "'webs' names no host or group of portal"),
        E(MGMT, "cidr: 10.30.255.0/24", "networks[1].cidr", "overlaps the management backbone"),
        # finance is broken, so its 4 instances do not count: 8 (mgmt) + 4 (portal).
        E(PLATFORM, "instances: 10", "capacity.instances", "add up to 12"),
    )


def test_syntax_errors_do_not_hide_other_files(catalog_dir: Path, edit: Edit) -> None:
    edit(FIN, "name_en: Finance Bureau\n", "name_en: Finance Bureau\nname_en: Treasury\n")
    edit(MGMT, "name: ldap", "name: LDAP")
    edit(PORTAL, "mlps_level: 2", "mlps_level: 9")
    assert_errors(
        catalog_dir,
        E(FIN, "name_en: Treasury", "", "duplicate key"),
        E(MGMT, "name: LDAP", "hosts[1].name", "'LDAP' is not allowed"),
        E(PORTAL, "mlps_level: 9", "mlps_level", "out of range"),
    )


def test_broken_platform_still_reports_tenant_field_errors(catalog_dir: Path, edit: Edit) -> None:
    edit(PLATFORM, "name: test-zone", "name: Test Zone")
    edit(FIN, "mlps_level: 3", "mlps_level: 0")
    assert_errors(
        catalog_dir,
        E(PLATFORM, "name: Test Zone", "name", "'Test Zone' is not allowed"),
        E(FIN, "mlps_level: 0", "mlps_level", "out of range"),
    )


def test_missing_catalog_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate", "--catalog", "nowhere"])
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.splitlines()[0] == "nowhere:1: catalog directory not found"


# The commands that do not need a plan.


def test_validate_fixture_ok(catalog_dir: Path) -> None:
    result = runner.invoke(app, ["validate", "--catalog", str(catalog_dir)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "ok catalog: 3 tenants, 11 hosts, 6 flows"


def test_show_zone(catalog_dir: Path) -> None:
    result = runner.invoke(app, ["show", "--catalog", str(catalog_dir)])
    assert result.exit_code == 0, result.output
    for slug in ("finance", "mgmt", "portal"):
        assert slug in result.stdout


def test_show_tenant(catalog_dir: Path) -> None:
    result = runner.invoke(app, ["show", "portal", "--catalog", str(catalog_dir)])
    assert result.exit_code == 0, result.output
    for text in ("Government Services Portal", "web-1", "web-2", "submit-to-finance", "财政发〔2024〕7号"):
        assert text in result.stdout


def test_show_unknown_tenant(catalog_dir: Path) -> None:
    result = runner.invoke(app, ["show", "nosuch", "--catalog", str(catalog_dir)])
    assert result.exit_code == EXIT_USAGE, result.output
    assert "Traceback" not in result.output
    assert "unknown tenant 'nosuch' (allowed: finance, mgmt, portal)" in result.stderr


def test_show_on_invalid_catalog_exits_2(catalog_dir: Path, edit: Edit) -> None:
    edit(FIN, "mlps_level: 3", "mlps_level: 0")
    result = runner.invoke(app, ["show", "finance", "--catalog", str(catalog_dir)])
    assert result.exit_code == EXIT_USAGE
    assert result.stderr.splitlines()[0].startswith("catalog/tenants/finance.yaml:10: mlps_level: ")

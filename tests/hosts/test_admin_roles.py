"""Host checks for roles/admin_roles: three separated administrator roles (三权分立).

The sudo policy is read as sudo parses it (cvtsudoers -f json follows every include), so
the checks do not depend on which administrators a host has; where members exist, `sudo -l`
is asked about them too.
"""

from __future__ import annotations

import json

import pytest

SYSADMIN, SECADMIN, AUDITADMIN = "sysadmin", "secadmin", "auditadmin"
ADMIN_GROUPS = (SYSADMIN, SECADMIN, AUDITADMIN)
# Commands (sudoers command specs start with them) a role must never be granted.
FORBIDDEN = {
    SYSADMIN: (
        "/usr/sbin/ausearch",
        "/usr/sbin/aureport",
        "/usr/sbin/auditctl",
        "/usr/sbin/augenrules",
        "sudoedit /etc/audit",
        "/usr/bin/sudoreplay",
        "/usr/sbin/visudo",
        "sudoedit /etc/sudoers",
        "sudoedit /etc/pam.d",
        "sudoedit /etc/security",
        "/usr/sbin/pam-auth-update",
        "/usr/sbin/faillock",
        "/usr/sbin/nft",
        "sudoedit /etc/ssh",
        "/usr/sbin/useradd",
        "/usr/sbin/usermod",
        "/usr/bin/passwd",
        "/usr/bin/aide",
    ),
    SECADMIN: (
        "/usr/sbin/ausearch",
        "/usr/sbin/aureport",
        "/usr/sbin/auditctl",
        "/usr/sbin/augenrules",
        "sudoedit /etc/audit",
        "/usr/bin/sudoreplay",
        "/usr/sbin/visudo",
        "sudoedit /etc/sudoers",
        "/usr/bin/apt",
        "/usr/bin/apt-get",
        "/usr/bin/dpkg",
        "/usr/bin/systemctl start",
        "/usr/bin/systemctl stop",
    ),
    AUDITADMIN: (
        "/usr/bin/systemctl",
        "/usr/bin/apt",
        "/usr/bin/apt-get",
        "/usr/bin/dpkg",
        "/usr/sbin/nft",
        "/usr/sbin/visudo",
        "sudoedit /etc/sudoers",
        "sudoedit /etc/pam.d",
        "sudoedit /etc/ssh",
        "/usr/sbin/useradd",
        "/usr/sbin/usermod",
        "/usr/bin/passwd",
        "/usr/sbin/pam-auth-update",
    ),
}


@pytest.fixture(scope="module")
def policy(host) -> dict:
    return json.loads(host.check_output("cvtsudoers -f json /etc/sudoers"))


def specs_for_group(policy: dict, group: str) -> list[dict]:
    return [
        spec
        for rule in policy.get("User_Specs", [])
        if {"usergroup": group} in rule["User_List"]
        for spec in rule["Cmnd_Specs"]
    ]


def granted(policy: dict, group: str) -> list[str]:
    """Commands granted (not negated) to a group."""
    out = []
    for spec in specs_for_group(policy, group):
        for command in spec["Commands"]:
            if "command" in command and not command.get("negated"):
                out.append(command["command"])
            if "cmndalias" in command and not command.get("negated"):
                out += [c["command"] for c in policy["Command_Aliases"][command["cmndalias"]] if "command" in c]
    return out


def members(host, group: str) -> list[str]:
    entry = host.run("getent group %s", group).stdout.strip()
    return [m for m in entry.split(":")[3].split(",") if m] if entry else []


@pytest.mark.controls("L3-CEN-03")
def test_sudoers_valid(host):
    """sudo's policy parses (visudo -c)."""
    assert host.run("visudo -c").rc == 0


@pytest.mark.controls("L3-CEN-03")
@pytest.mark.parametrize("group", ADMIN_GROUPS)
def test_role_group_exists_with_rules(host, policy, group):
    """Each administrator role is a group with its own, limited sudo rules (never ALL)."""
    assert host.group(group).exists
    commands = granted(policy, group)
    assert commands
    assert "ALL" not in commands


@pytest.mark.controls("L3-CEN-03", "L3-SMC-02")
@pytest.mark.parametrize("group", ADMIN_GROUPS)
def test_role_lacks_other_roles_commands(policy, group):
    """A role is granted none of the commands that belong to the other two roles."""
    bad = [
        c
        for c in granted(policy, group)
        for f in FORBIDDEN[group]
        if c == f or c.startswith(f + " ") or c.startswith(f + "/")
    ]
    assert bad == []


@pytest.mark.controls("L3-CEN-03", "L3-SMC-02")
def test_sysadmin_cannot_touch_audit_service(policy):
    """The system administrators' systemctl excludes auditd (negated rule)."""
    negated = [
        c["command"]
        for spec in specs_for_group(policy, SYSADMIN)
        for alias in spec["Commands"]
        if alias.get("negated") and "cmndalias" in alias
        for c in policy["Command_Aliases"][alias["cmndalias"]]
        if "command" in c
    ]
    assert any(c.startswith("/usr/bin/systemctl") and "auditd" in c for c in negated)


@pytest.mark.controls("L3-SMC-02")
def test_auditadmin_reads_audit_trail(policy):
    """The audit administrators have the audit tools (ausearch, aureport) and sudoreplay."""
    commands = granted(policy, AUDITADMIN)
    for tool in ("/usr/sbin/ausearch", "/usr/sbin/aureport", "/usr/bin/sudoreplay"):
        assert tool in commands


@pytest.mark.controls("L3-CEN-03", "L3-CEN-02")
def test_no_nopasswd_for_people(host, policy):
    """No administrator (member of a role group) may run sudo without a password."""
    people = {m for g in ADMIN_GROUPS for m in members(host, g)}
    for rule in policy.get("User_Specs", []):
        for spec in rule["Cmnd_Specs"]:
            if any(o.get("authenticate") is False for o in spec.get("Options", [])):
                users = rule["User_List"]
                assert not any("usergroup" in u for u in users), users  # never for a group
                assert people.isdisjoint(u.get("username") for u in users)


@pytest.mark.controls("L3-CEN-03")
def test_people_hold_one_role_and_not_sudo(host):
    """Every administrator is in exactly one role group and not in Debian's all-powerful sudo group."""
    held: dict[str, list[str]] = {}
    for group in ADMIN_GROUPS:
        for member in members(host, group):
            held.setdefault(member, []).append(group)
    sudo_members = set(members(host, "sudo"))
    assert {m: g for m, g in held.items() if len(g) > 1 or m in sudo_members} == {}


@pytest.mark.controls("L3-CEN-03", "L3-SMC-02")
def test_auditadmin_members_cannot_manage_services(host):
    """`sudo -l` for each audit administrator lists no systemctl and no package manager."""
    for member in members(host, AUDITADMIN):  # hosts without audit administrators: the policy checks above
        listing = host.check_output("sudo -l -U %s", member)
        assert "/usr/bin/systemctl" not in listing
        assert "/usr/bin/apt" not in listing


@pytest.mark.controls("L3-SMC-01", "L3-CEN-11")
def test_sudo_defaults(policy):
    """sudo: a pty, its own log file, I/O logging, a password remembered 5 minutes at most, 3 tries."""
    options: dict = {}
    for default in policy.get("Defaults", []):
        if "Binding" not in default:
            for option in default["Options"]:
                options.update(option)
    assert options.get("use_pty") is True
    assert options.get("logfile", "").startswith("/")
    assert options.get("log_output") is True
    assert 0 <= int(options["timestamp_timeout"]) <= 5
    assert int(options["passwd_tries"]) <= 3
    assert options.get("requiretty") is True
    assert options.get("ignore_dot") is True
    assert int(str(options.get("umask", "0")), 8) & 0o077 == 0o077


@pytest.mark.controls("L3-SMC-01")
def test_sudo_log_kept_180_days(host, policy):
    """The sudo log is rotated daily and kept at least 180 days."""
    logfile = next(
        o["logfile"] for d in policy["Defaults"] if "Binding" not in d for o in d["Options"] if "logfile" in o
    )
    text = host.check_output("grep -rl -- %s /etc/logrotate.d | xargs cat", logfile)
    words = text.split()
    assert "daily" in words
    assert int(words[words.index("rotate") + 1]) >= 180

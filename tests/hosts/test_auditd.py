"""Host checks for roles/auditd: audit rules, auditd.conf, log protection and retention.

In a container auditd cannot run (kernel audit is not namespaced): the checks read the
configuration there and the running kernel's rule set on a VM or real host.
"""

from __future__ import annotations

import re

import pytest

from hosts.helpers import in_container, key_values

RULES = "/etc/audit/rules.d/50-govcloud.rules"
CONF = "/etc/audit/auditd.conf"


def rule_lines(host) -> list[str]:
    text = host.check_output("cat %s", RULES)
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@pytest.mark.controls("L3-CEN-05")
@pytest.mark.parametrize(
    "path", ["/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow", "/etc/security/opasswd", "/etc/sudoers",
             "/etc/sudoers.d", "/var/log/sudo.log", "/etc/localtime", "/var/run/faillock", "/var/log/lastlog",
             "/var/log/wtmp", "/var/log/btmp"],
)  # fmt: skip
def test_watch(host, path):
    """The audit rules watch writes and attribute changes of an identity, sudo, time or login file."""
    assert any(re.match(rf"-w {re.escape(path)} -p [rwxa]*w[rwxa]* ", line) for line in rule_lines(host))


@pytest.mark.controls("L3-CEN-05", "L3-CEN-19")
@pytest.mark.parametrize(
    ("key", "syscalls"),
    [("time_change", ["adjtimex", "settimeofday", "clock_settime"]),
     ("modules", ["init_module", "finit_module", "delete_module"]),
     ("perm_mod", ["chmod", "chown", "setxattr"]),
     ("mounts", ["mount"]),
     ("delete", ["unlink", "unlinkat", "rename", "renameat"]),
     ("access", ["open", "openat", "truncate"]),
     ("admin_exec", ["execve"]),
     ("setuid", ["execve"])],
)  # fmt: skip
def test_syscall_rule(host, key, syscalls):
    """The audit rules record the system calls of an event class on 64-bit processes."""
    lines = [line for line in rule_lines(host) if line.endswith(f"-k {key}") and "arch=b64" in line]
    called = {name for line in lines for name in re.findall(r"-S (\S+)", line)[0].split(",")}
    assert lines and set(syscalls) <= called


@pytest.mark.controls("L3-CEN-05")
def test_root_commands_of_people_recorded(host):
    """Commands run as root (euid 0) by a person who logged in (auid >= 1000) are recorded."""
    assert any(
        "-S execve" in line and "-F euid=0" in line and "-F auid>=1000" in line and "auid!=unset" in line
        for line in rule_lines(host)
    )


@pytest.mark.controls("L3-CEN-05")
def test_module_tools_recorded(host):
    """Running modprobe/insmod/rmmod (all the kmod binary) is recorded."""
    assert "-a always,exit -F path=/usr/bin/kmod -F perm=x -F auid!=unset -k modules" in rule_lines(host)


@pytest.mark.controls("L3-CEN-20")
def test_rules_locked_last(host):
    """The rule set ends with -e 2 (immutable until reboot)."""
    assert rule_lines(host)[-1] == "-e 2"


@pytest.mark.controls("L3-CEN-20", "L3-CEN-05")
def test_rules_in_force(host):
    """The rules are in force: loaded and locked in the kernel (VM), or merged by augenrules (container)."""
    if in_container(host):
        merged = host.check_output("cat /etc/audit/audit.rules")
        assert "-w /etc/shadow -p wa -k identity" in merged
        assert merged.strip().splitlines()[-1] == "-e 2"
    else:
        assert re.search(r"^enabled 2$", host.check_output("auditctl -s"), re.M)
        assert "-w /etc/shadow -p wa -k identity" in host.check_output("auditctl -l")


@pytest.mark.controls("L3-CEN-05")
def test_auditd_service(host):
    """auditd runs and starts at boot on a VM; in a container it is neither started nor enabled."""
    service = host.service("auditd")
    if in_container(host):
        assert not service.is_running and not service.is_enabled
    else:
        assert service.is_running and service.is_enabled


@pytest.mark.controls("L3-CEN-19")
def test_log_format_enriched(host):
    """Audit records are written ENRICHED (user and group names resolved, time, result)."""
    assert key_values(host, CONF)["log_format"].upper() == "ENRICHED"


@pytest.mark.controls("L3-CEN-14")
def test_logs_never_overwritten(host):
    """Full audit logs are kept (keep_logs), never rotated away."""
    assert key_values(host, CONF)["max_log_file_action"].lower() == "keep_logs"


@pytest.mark.controls("L3-CEN-14")
def test_disk_full_handled(host):
    """Low and full disk raise an action instead of being ignored."""
    settings = key_values(host, CONF)
    for key in ("space_left_action", "admin_space_left_action", "disk_full_action", "disk_error_action"):
        assert settings[key].lower() not in ("ignore", "rotate"), key


@pytest.mark.controls("L3-CEN-14", "L3-CEN-20")
def test_log_directory_protected(host):
    """The audit logs are readable by root and the audit administrators' group only."""
    group = key_values(host, CONF)["log_group"]
    directory = host.file("/var/log/audit")
    assert directory.user == "root" and directory.group == group and directory.mode == 0o750
    assert group != "root" and host.group(group).exists


@pytest.mark.controls("L3-CEN-20")
def test_audit_config_root_only(host):
    """Only root can change the audit configuration and rules."""
    for path in ("/etc/audit", CONF, RULES):
        f = host.file(path)
        assert f.user == "root" and not f.mode & 0o022, path


@pytest.mark.controls("L3-SMC-05", "L3-CEN-14")
def test_retention_at_least_180_days(host):
    """Audit logs are removed only after their last record is more than 180 days old, by a daily timer."""
    unit = host.check_output("systemctl cat govcloud-audit-retention.service")
    days = int(re.search(r"-mtime \+(\d+)", unit).group(1))
    assert days >= 180
    assert host.service("govcloud-audit-retention.timer").is_enabled


@pytest.mark.controls("L3-CEN-05")
def test_process_accounting_on(host):
    """Process accounting records every command of every user (acct enabled and running)."""
    assert host.package("acct").is_installed
    service = host.service("acct")
    if in_container(host):  # no CAP_SYS_PACCT: installed, kept from failing at boot
        assert not service.is_running and not service.is_enabled
    else:
        assert service.is_enabled and service.is_running
        assert host.file("/var/log/account/pacct").exists

"""Host checks for roles/aide: monitored paths, database, daily check, detection of a change.

The detection check edits the canary file (a monitored path the role adds), expects
`aide --check` to report it, then updates the database for that path only, so the host's
database stays clean.
"""

from __future__ import annotations

import pytest

CONF = "/etc/aide/aide.conf"
CANARY = "/var/lib/govcloud-aide-canary/canary"
LIMIT = "/var/lib/govcloud-aide-canary"


@pytest.mark.controls("L3-CEN-18")
@pytest.mark.parametrize("path", ["/etc", "/usr/bin", "/usr/sbin", "/usr/lib/systemd", "/boot"])
def test_path_monitored(host, path):
    """A key system tree is monitored by AIDE with a content hash."""
    lines = host.check_output("cat %s", CONF).splitlines()
    rule = next(line for line in lines if line.startswith(f"{path}($|/) "))
    group = rule.split()[1]
    definition = next(line for line in lines if line.startswith(f"{group} ="))
    assert "sha256" in definition or "sha512" in definition


@pytest.mark.controls("L3-CEN-18")
@pytest.mark.parametrize("path", ["/var/log", "/proc", "/sys", "/run", "/tmp"])
def test_noise_excluded(host, path):
    """A changing or pseudo file system is excluded from the check."""
    assert f"!{path}($|/)" in host.check_output("cat %s", CONF).splitlines()


@pytest.mark.controls("L3-CEN-18")
def test_database_exists(host):
    """The AIDE baseline database exists and is readable by root only."""
    db = host.file("/var/lib/aide/aide.db")
    assert db.is_file and db.user == "root" and db.mode & 0o077 == 0


@pytest.mark.controls("L3-CEN-18")
def test_daily_check_scheduled(host):
    """A systemd timer runs the AIDE check daily and reports to syslog (authpriv)."""
    assert host.service("govcloud-aide-check.timer").is_enabled
    assert host.service("govcloud-aide-check.timer").is_running
    unit = host.check_output("systemctl cat govcloud-aide-check.service")
    assert "aide --check" in unit and "SyslogFacility=authpriv" in unit


@pytest.mark.controls("L3-CEN-18")
def test_change_detected(host):
    """Editing a monitored file makes `aide --check` report that file (then the baseline is restored)."""
    check = f"aide --check --config {CONF} --limit {LIMIT}"
    assert host.run(check).rc == 0, "the canary differs from the database before the test"
    original = host.check_output("cat %s", CANARY)
    try:
        host.check_output("sh -c 'echo tampered >> %s'", CANARY)
        result = host.run(check)
        assert 1 <= result.rc <= 7 and CANARY in result.stdout
    finally:
        host.run('sh -c \'printf "%%s\\n" "$1" > %s\' sh %s', CANARY, original)
        host.run(
            f"sh -c 'aide --update --config {CONF} --limit {LIMIT} >/dev/null; "
            "mv /var/lib/aide/aide.db.new /var/lib/aide/aide.db'"
        )
    assert host.run(check).rc == 0

"""Host checks for roles/log_forwarding: central forwarding and 180-day local retention."""

from __future__ import annotations

import re

import pytest

FORWARD = "/etc/rsyslog.d/60-govcloud-forward.conf"
ROTATE = "/etc/logrotate.d/rsyslog"


def forwarding(host) -> str:
    return host.check_output("cat %s", FORWARD)


def forwards(text: str) -> bool:
    """omfwd (plain or gtls) or omrelp (RELP, with TLS once the platform CA exists)."""
    return 'type="omfwd"' in text or 'type="omrelp"' in text


def stores_locally(text: str) -> bool:
    """The log server itself: its records go straight into the store's ruleset (roles/audit_log)."""
    return "call govcloud_audit_store" in text


def stanza(host) -> str:
    return host.check_output("cat %s", ROTATE)


@pytest.mark.controls("L3-SMC-05")
@pytest.mark.parametrize("path", ["/var/log/auth.log", "/var/log/syslog"])
def test_log_rotated(host, path):
    """A security-relevant local log is under the 180-day logrotate rule."""
    assert path in stanza(host).split()


@pytest.mark.controls("L3-SMC-05")
def test_local_retention_180_days(host):
    """Local logs are kept at least 180 days, compressed."""
    text = stanza(host)
    days = {"daily": 1, "weekly": 7, "monthly": 31}[re.search(r"^\s*(daily|weekly|monthly)\s*$", text, re.M).group(1)]
    assert int(re.search(r"^\s*rotate (\d+)", text, re.M).group(1)) * days >= 180
    assert re.search(r"^\s*compress\s*$", text, re.M)


@pytest.mark.controls("L3-SMC-05")
def test_rsyslog_running_and_valid(host):
    """rsyslog runs, starts at boot and its whole configuration validates."""
    assert host.service("rsyslog").is_running and host.service("rsyslog").is_enabled
    assert host.run("rsyslogd -N1").rc == 0


@pytest.mark.controls("L3-SMC-05")
def test_forwarding_queue_on_disk(host):
    """Forwarding (when a server is set) goes through a disk-assisted queue that survives restarts."""
    text = forwarding(host)
    if stores_locally(text):  # no network hop to queue for: the store acknowledges after fsync
        assert not forwards(text)
        return
    if not forwards(text):
        assert "forwarding is off" in text
        return
    assert 'queue.type="LinkedList"' in text and 'queue.filename="' in text
    assert 'queue.saveOnShutdown="on"' in text and 'action.resumeRetryCount="-1"' in text


@pytest.mark.controls("L3-SMC-05", "L3-CEN-14")
def test_security_logs_forwarded(host):
    """Forwarding (when a server is set) covers auth/authpriv (sudo included) and the audit log."""
    text = forwarding(host)
    if not forwards(text) and not stores_locally(text):
        assert "forwarding is off" in text
        return
    assert re.search(r'prifilt\("[^"]*auth,authpriv\.\*', text)
    assert 'File="/var/log/audit/audit.log"' in text

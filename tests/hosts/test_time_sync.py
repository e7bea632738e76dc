"""Host checks for roles/time_sync: chrony from the platform's time servers.

In a container chronyd runs with -x (serves time, never sets the host's clock).
"""

from __future__ import annotations

import re

import pytest

from hosts.helpers import in_container


def conf(host) -> list[str]:
    return [line.strip() for line in host.check_output("cat /etc/chrony/chrony.conf").splitlines()]


@pytest.mark.controls("L3-SMC-04")
def test_platform_time_servers(host):
    """chrony takes time from configured platform servers only, not Debian's public pool.

    A time server may have no other server to ask: it then serves its own clock (`local stratum`).
    """
    lines = conf(host)
    sources = [line for line in lines if re.match(r"(server|pool|peer) ", line)]
    local = any(re.match(r"local stratum \d+", line) for line in lines)
    assert (sources or local) and not any("debian.pool.ntp.org" in line for line in sources)


@pytest.mark.controls("L3-SMC-04")
def test_nts_when_configured(host):
    """A server used with NTS is trusted only through the platform CA, with no unauthenticated fallback."""
    lines = conf(host)
    nts = [line for line in lines if re.match(r"server .*\bnts\b", line)]
    if not nts:
        pytest.skip("no NTS server configured (no CA in this inventory)")
    assert "nosystemcert" in lines and "authselectmode require" in lines
    assert any(line.startswith("ntstrustedcerts ") for line in lines)


@pytest.mark.controls("L3-SMC-04")
def test_chrony_running(host):
    """chronyd runs and starts at boot."""
    service = host.service("chrony")
    assert service.is_running and service.is_enabled


@pytest.mark.controls("L3-SMC-04")
def test_no_remote_control(host):
    """chronyc works only over the local Unix socket (cmdport 0)."""
    assert "cmdport 0" in conf(host)


@pytest.mark.controls("L3-SMC-04")
def test_clock_ownership(host):
    """In a container chronyd never sets the clock (-x, no rtcsync); on a VM it steers the clock and RTC."""
    options = host.check_output("cat /etc/default/chrony")
    args = host.check_output("ps -C chronyd -o args=")
    if in_container(host):
        assert re.search(r"DAEMON_OPTS=\".*-x", options) and " -x" in args
        assert "rtcsync" not in conf(host)
    else:
        assert " -x" not in args and "rtcsync" in conf(host)
        assert host.run("chronyc -n tracking").rc == 0

"""Host checks for roles/minimal_system: no unneeded packages or services, sane permissions."""

from __future__ import annotations

import pytest

DENIED = ["telnet", "telnetd", "inetutils-telnet", "rsh-client", "rsh-server", "nis", "talk", "talkd", "xinetd",
          "openbsd-inetd", "ftp", "inetutils-ftp", "tftpd-hpa", "vsftpd", "avahi-daemon", "cups", "cups-daemon",
          "rpcbind", "nfs-kernel-server", "snmpd", "prelink"]  # fmt: skip

PERMISSIONS = [
    ("/etc/passwd", "root", "root", 0o644),
    ("/etc/group", "root", "root", 0o644),
    ("/etc/shadow", "root", "shadow", 0o640),
    ("/etc/gshadow", "root", "shadow", 0o640),
    ("/etc/crontab", "root", "root", 0o600),
    ("/etc/cron.d", "root", "root", 0o700),
    ("/etc/cron.daily", "root", "root", 0o700),
    ("/etc/ssh/sshd_config", "root", "root", 0o600),
    ("/etc/sudoers", "root", "root", 0o440),
    ("/tmp", "root", "root", 0o1777),
]


@pytest.mark.controls("L3-CEN-06")
@pytest.mark.parametrize("package", DENIED)
def test_package_absent(host, package):
    """A package on the deny-list (clear-text remote access, legacy services) is not installed."""
    assert not host.package(package).is_installed


@pytest.mark.controls("L3-CEN-07")
@pytest.mark.parametrize("unit", ["debug-shell.service", "ctrl-alt-del.target"])
def test_unit_masked(host, unit):
    """An unneeded systemd unit that ships with the base system is masked."""
    assert host.check_output("systemctl show -P LoadState %s", unit) == "masked"


@pytest.mark.controls("L3-CEN-07")
@pytest.mark.parametrize("port", [21, 23, 69, 111, 513, 514, 631, 5353])
def test_high_risk_port_closed(host, port):
    """Nothing listens on a high-risk legacy port (ftp, telnet, tftp, rpcbind, rsh, printing, mDNS)."""
    listening = [s for s in host.socket.get_listening_sockets() if s.startswith(("tcp://", "udp://"))]
    assert [s for s in listening if s.rsplit(":", 1)[1] == str(port)] == []


@pytest.mark.controls("L3-CEN-03")
@pytest.mark.parametrize(("path", "owner", "group", "mode"), PERMISSIONS)
def test_permissions(host, path, owner, group, mode):
    """A sensitive file or directory has its expected owner, group and mode."""
    f = host.file(path)
    assert f.exists
    assert (f.user, f.group, f.mode) == (owner, group, mode)


@pytest.mark.controls("L3-CEN-03")
def test_no_world_writable_in_etc(host):
    """No file under /etc is world-writable."""
    assert host.check_output("find /etc -xdev -type f -perm -0002") == ""


@pytest.mark.controls("L3-CEN-03")
def test_world_writable_dirs_sticky(host):
    """Every world-writable directory on the root file system has the sticky bit."""
    assert host.check_output("find / -xdev -type d -perm -0002 ! -perm -1000") == ""


@pytest.mark.controls("L3-CEN-14")
def test_logs_not_world_readable(host):
    """No log file under /var/log is readable or writable by others."""
    assert host.check_output("find /var/log -xdev -type f -perm /0007") == ""


@pytest.mark.controls("L3-CEN-16")
@pytest.mark.parametrize("package", ["apt-show-versions", "needrestart"])
def test_patch_management_tools_installed(host, package):
    """The host can tell which packages are out of date and which services run old libraries."""
    assert host.package(package).is_installed


@pytest.mark.controls("L3-CEN-16")
def test_needrestart_never_restarts_by_itself(host):
    """needrestart only lists services to restart; restarting is an administrator's change."""
    assert "$nrconf{restart} = 'l';" in host.file("/etc/needrestart/conf.d/50-govcloud.conf").content_string

"""Host checks for roles/kernel: kernel parameters, core dumps, blocked modules.

In a container kernel.* parameters are the host's and /proc/sys is read-only: the checks
read /etc/sysctl.d there and the running values (sysctl -n) on a VM or real host.
"""

from __future__ import annotations

import pytest

from hosts.helpers import in_container

SYSCTL = "/etc/sysctl.d/60-govcloud-hardening.conf"

EXPECTED = {
    "net.ipv4.conf.all.rp_filter": "1",
    "net.ipv4.conf.all.accept_redirects": "0",
    "net.ipv4.conf.all.send_redirects": "0",
    "net.ipv4.conf.all.accept_source_route": "0",
    "net.ipv4.conf.all.log_martians": "1",
    "net.ipv4.tcp_syncookies": "1",
    "net.ipv4.conf.all.arp_ignore": "2",
    "net.ipv4.conf.all.route_localnet": "0",
    "net.ipv6.conf.all.accept_redirects": "0",
    "net.ipv6.conf.all.accept_ra": "0",
    "net.ipv6.conf.all.autoconf": "0",
    "kernel.kptr_restrict": "2",
    "kernel.dmesg_restrict": "1",
    "kernel.randomize_va_space": "2",
    "kernel.unprivileged_bpf_disabled": "1",
    "kernel.kexec_load_disabled": "1",
    "kernel.sysrq": "0",
    "kernel.panic_on_oops": "1",
    "vm.mmap_min_addr": "65536",
    "kernel.ctrl-alt-del": "0",
    "dev.tty.ldisc_autoload": "0",
    "fs.protected_hardlinks": "1",
    "fs.protected_symlinks": "1",
    "fs.suid_dumpable": "0",
}


def configured(host) -> dict[str, str]:
    text = host.check_output("cat %s", SYSCTL)
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line and not line.lstrip().startswith("#"))
    return {key.strip(): value.strip() for key, value in pairs}


@pytest.mark.controls("L3-CEN-07")
@pytest.mark.parametrize(("key", "value"), sorted(EXPECTED.items()))
def test_sysctl(host, key, value):
    """A hardening kernel parameter is configured (container) or in force (VM)."""
    assert configured(host).get(key) == value
    if not in_container(host):
        assert host.check_output("sysctl -n %s", key) == value


@pytest.mark.controls("L3-CEN-07")
def test_ptrace_restricted(host):
    """Yama restricts ptrace (scope 1 or more)."""
    assert int(configured(host)["kernel.yama.ptrace_scope"]) >= 1
    if not in_container(host):
        assert int(host.check_output("sysctl -n kernel.yama.ptrace_scope")) >= 1


@pytest.mark.controls("L3-CEN-07")
def test_no_forwarding_unless_router(host):
    """IP forwarding is off unless the host is configured as a router; configuration and kernel agree."""
    want = configured(host)["net.ipv4.ip_forward"]
    assert want in ("0", "1")
    if not in_container(host):
        assert host.check_output("sysctl -n net.ipv4.ip_forward") == want


@pytest.mark.controls("L3-CEN-07")
def test_core_dumps_off(host):
    """Core dumps are off: a hard limit of 0, systemd-coredump stores nothing, services get no core limit."""
    limits = host.check_output("cat /etc/security/limits.d/60-govcloud-coredump.conf").split()
    assert limits[limits.index("hard") - 1 : limits.index("hard") + 3] == ["*", "hard", "core", "0"]
    coredump = host.check_output("cat /etc/systemd/coredump.conf.d/60-govcloud.conf")
    assert "Storage=none" in coredump and "ProcessSizeMax=0" in coredump
    assert host.check_output("systemctl show -P DefaultLimitCORE") == "0"


@pytest.mark.controls("L3-CEN-06")
@pytest.mark.parametrize("module", ["cramfs", "freevxfs", "jffs2", "hfs", "hfsplus", "udf", "usb-storage", "dccp",
                                    "sctp", "rds", "tipc", "bluetooth", "firewire-core"])  # fmt: skip
def test_module_blocked(host, module):
    """An unneeded kernel module cannot be loaded: modprobe would run /bin/false instead."""
    assert "install /bin/false" in host.check_output("modprobe -n -v %s", module)

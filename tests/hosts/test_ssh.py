"""Host checks for roles/ssh: keys only, no root, modern cryptography, limits, who may log in.

Effective settings come from `sshd -T` (what sshd really uses after every drop-in), not
from the role's file. The login checks connect from the host to its own sshd.
"""

from __future__ import annotations

import pytest

ADMIN_GROUPS = ("sysadmin", "secadmin", "auditadmin")
KEX_OK = {
    "sntrup761x25519-sha512@openssh.com",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group-exchange-sha256",
}
CIPHERS_OK = {
    "chacha20-poly1305@openssh.com",
    "aes256-gcm@openssh.com",
    "aes128-gcm@openssh.com",
    "aes256-ctr",
    "aes192-ctr",
    "aes128-ctr",
}
MACS_OK = {"hmac-sha2-512-etm@openssh.com", "hmac-sha2-256-etm@openssh.com", "umac-128-etm@openssh.com"}
SSH_OPTS = (
    "-o BatchMode=yes -o ConnectTimeout=10 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
    "-o PreferredAuthentications=password,keyboard-interactive -o LogLevel=DEBUG1"
)


@pytest.fixture(scope="module")
def sshd(host) -> dict[str, list[str]]:
    """The effective sshd configuration: keyword -> values (in order)."""
    config: dict[str, list[str]] = {}
    for line in host.check_output("/usr/sbin/sshd -T").splitlines():
        key, _, value = line.partition(" ")
        config.setdefault(key.lower(), []).append(value.strip())
    return config


def one(sshd: dict[str, list[str]], key: str) -> str:
    return sshd[key][-1]


@pytest.fixture(scope="module")
def password_attempt(host, sshd) -> str:
    """Client log of a password (or keyboard-interactive) login to the host's own sshd."""
    address, _, port = sshd["listenaddress"][0].rpartition(":")
    address = address.strip("[]")
    if address in ("0.0.0.0", "::"):
        address = "127.0.0.1" if address == "0.0.0.0" else "::1"
    # The attempt's own exit code is echoed, not returned: testinfra's SSH backend takes an
    # exit code of 255 (ssh's "refused") for a failure of its own connection.
    result = host.run(f"ssh {SSH_OPTS} -p {port} nobody@{address} true 2>&1; echo ssh-exit=$?")
    assert "ssh-exit=0" not in result.stdout, "a login without a key succeeded"
    return result.stdout + result.stderr


@pytest.mark.controls("L3-CEN-12")
def test_sshd_configuration_valid(host):
    """sshd accepts its configuration (sshd -t)."""
    assert host.run("/usr/sbin/sshd -t").rc == 0


@pytest.mark.controls("L3-CEN-12")
@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("passwordauthentication", "no"),
        ("kbdinteractiveauthentication", "no"),
        ("permitemptypasswords", "no"),
        ("pubkeyauthentication", "yes"),
        ("authenticationmethods", "publickey"),
        ("hostbasedauthentication", "no"),
    ],
)
def test_key_only_authentication(sshd, key, value):
    """sshd authenticates with public keys only."""
    assert one(sshd, key) == value


@pytest.mark.controls("L3-CEN-12", "L3-CEN-02")
def test_password_login_refused(password_attempt):
    """A login attempt without a key is refused, and sshd offers nothing but publickey."""
    assert "Permission denied (publickey)." in password_attempt


@pytest.mark.controls("L3-CEN-13")
def test_root_login_refused(sshd):
    """root cannot log in over SSH."""
    assert one(sshd, "permitrootlogin") == "no"


@pytest.mark.controls("L3-CEN-12")
def test_kex_algorithms_modern(sshd):
    """Only modern key exchanges (no SHA-1, no NIST ECDH)."""
    assert set(one(sshd, "kexalgorithms").split(",")) <= KEX_OK


@pytest.mark.controls("L3-CEN-12")
def test_ciphers_modern(sshd):
    """Only AEAD and CTR ciphers (no CBC, no 3DES)."""
    assert set(one(sshd, "ciphers").split(",")) <= CIPHERS_OK


@pytest.mark.controls("L3-CEN-12")
def test_macs_modern(sshd):
    """Only encrypt-then-MAC SHA-2/UMAC-128 MACs."""
    assert set(one(sshd, "macs").split(",")) <= MACS_OK


@pytest.mark.controls("L3-CEN-12")
def test_no_weak_host_keys(host, sshd):
    """No DSA or ECDSA host key is offered or left on disk; the RSA key has at least 3072 bits."""
    assert all(("_dsa_" not in k and "_ecdsa_" not in k) for k in sshd["hostkey"])
    for kind in ("dsa", "ecdsa"):
        assert not host.file(f"/etc/ssh/ssh_host_{kind}_key").exists
    for key in sshd["hostkey"]:
        if key.endswith("_rsa_key"):
            bits = int(host.check_output("ssh-keygen -lf %s.pub", key).split()[0])
            assert bits >= 3072


@pytest.mark.controls("L3-CEN-12")
def test_moduli_at_least_3072_bits(host):
    """/etc/ssh/moduli holds no group-exchange modulus below 3072 bits."""
    small = host.check_output("awk '$1 !~ /^#/ && NF >= 7 && $5 < 3071' /etc/ssh/moduli")
    assert small == ""


@pytest.mark.controls("L3-CEN-11")
def test_idle_and_failure_limits(sshd):
    """Unresponsive clients are dropped within 10 min; logins have 60 s and 3 tries."""
    assert 0 < int(one(sshd, "clientaliveinterval")) <= 300
    assert 1 <= int(one(sshd, "clientalivecountmax")) <= 3  # 0 disables the check since OpenSSH 8.2
    assert 0 < int(one(sshd, "logingracetime")) <= 60
    assert int(one(sshd, "maxauthtries")) <= 3
    assert int(one(sshd, "maxsessions")) <= 2


@pytest.mark.controls("L3-CEN-15", "L3-SMC-01")
def test_login_limited_to_admin_groups(sshd):
    """Only the administrator groups and the automation group may log in (AllowGroups)."""
    groups = set(sshd.get("allowgroups", []))
    assert set(ADMIN_GROUPS) <= groups
    assert len(groups) == len(ADMIN_GROUPS) + 1  # plus exactly one automation group
    assert not sshd.get("allowusers")  # AllowUsers would widen nothing but hide who may log in


@pytest.mark.controls("L3-SMC-01")
@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("disableforwarding", "yes"),
        ("x11forwarding", "no"),
        ("allowtcpforwarding", "no"),
        ("allowagentforwarding", "no"),
        ("allowstreamlocalforwarding", "no"),
        ("permittunnel", "no"),
        ("gatewayports", "no"),
        ("permituserenvironment", "no"),
    ],
)
def test_no_forwarding(sshd, key, value):
    """SSH is an administration channel only: no forwarding, tunnels or user environment."""
    assert one(sshd, key) == value


@pytest.mark.controls("L3-SMC-01")
def test_verbose_logging(sshd):
    """sshd logs at VERBOSE (key fingerprints of each login)."""
    assert one(sshd, "loglevel") == "VERBOSE"


@pytest.mark.controls("L3-CEN-12")
def test_no_version_disclosure(sshd, password_attempt):
    """sshd shows the banner before login and its version string names no distribution."""
    assert one(sshd, "banner") == "/etc/issue.net"
    versions = [line for line in password_attempt.splitlines() if "remote software version" in line]
    assert versions and "Debian" not in versions[0]

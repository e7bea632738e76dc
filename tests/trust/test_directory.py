"""Identity and authorization: OpenLDAP over TLS, people through sssd, sudo from directory groups.

The directory (roles/directory) runs on trust-server; trust-client (roles/directory_client) takes
its people, groups and SSH keys from it through sssd over LDAPS. People log in over SSH from the
server container to the client (127.0.0.2) with their key, and - administrators on this level-3
host - a TOTP code computed with oathtool from their secret made for this run (tests/trust/credentials.py),
answered through SSH_ASKPASS. Each administrator's sudo rights are exactly their role's.

A TOTP code is accepted once (pam_oath records the last one used): every successful login of a
person happens in one SSH session, and the failing logins never succeed.
"""

from __future__ import annotations

import re
import shlex
import subprocess

import pytest
import yaml

from trust.conftest import ROOT, SecondRun, TrustHost
from trust.credentials import credentials

# made for this run, the same values the converge gave the directory and the client
PASSWORD: str = credentials().password
SECRETS: dict[str, str] = credentials().totp_secrets
KEYS: dict[str, str] = credentials().private_keys
BASE = "dc=govcloud,dc=internal"
READER = f"cn=reader,ou=services,{BASE}"
CLIENT = "127.0.0.2"
LDAPS = "ldaps://127.0.0.1:636"
CA = "/etc/ssl/govcloud/ca.pem"
WORK = "/root/directory-test"
# The admin_roles command sets (defaults): what `sudo -l` must list for each role, no more, no less.
ADMIN_ROLES = yaml.safe_load((ROOT / "roles/admin_roles/defaults/main.yml").read_text(encoding="utf-8"))


def role_rules(role: str) -> set[str]:
    allowed = ADMIN_ROLES[f"admin_roles_{role}_commands"]
    denied = ADMIN_ROLES[f"admin_roles_{role}_denied_commands"]
    return {*allowed, *(f"!{command}" for command in denied)}


def listed_rules(text: str) -> set[str]:
    """The commands `sudo -l` lists (after "may run the following commands"), whitespace unwrapped."""
    _, _, rules = text.partition("may run the following commands on")
    rules = " ".join(rules.split(":", 1)[-1].split())
    return {rule.strip() for rule in rules.removeprefix("(root)").strip().split(", ") if rule.strip()}


def login(server: TrustHost, person: str, remote: str, code: str = "right") -> subprocess.CompletedProcess[str]:
    """SSH from the server container to the client as person: key, then a TOTP code (right, wrong or none)."""
    secret = SECRETS[person]
    if code == "right":
        answer = f"oathtool --totp -d 6 {secret}"
    elif code == "wrong":  # the right code with its last digit changed
        answer = f"c=$(oathtool --totp -d 6 {secret}); echo ${{c%?}}$(( (${{c: -1}} + 1) % 10 ))"
    else:
        answer = "exit 1"
    setup = (
        f"set -e; mkdir -p -m 0700 {WORK}; umask 077\n"
        f"cat > {WORK}/{person}.key <<'EOF'\n{KEYS[person]}EOF\n"
        f"printf '#!/bin/bash\\n%s\\n' {shlex.quote(answer)} > {WORK}/askpass; chmod 0700 {WORK}/askpass\n"
        "set +e\n"
    )
    # no code at all: nothing answers keyboard-interactive (batch mode, no askpass)
    askpass = "SSH_ASKPASS_REQUIRE=never" if code == "none" else "SSH_ASKPASS_REQUIRE=force"
    batch = "-o BatchMode=yes " if code == "none" else ""
    ssh = (
        f"SSH_ASKPASS={WORK}/askpass {askpass} DISPLAY=:0 ssh -tt -i {WORK}/{person}.key {batch}"
        "-o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "
        "-o NumberOfPasswordPrompts=1 -o PreferredAuthentications=publickey,keyboard-interactive "
        f"-o ConnectTimeout=20 {person}@{CLIENT} {shlex.quote(remote)} </dev/null"
    )
    return server.run(setup + ssh, timeout=120)


def sudo(args: str) -> str:
    """A sudo command in the remote shell, the person's password on stdin (sudo -S)."""
    return f"printf '%s\\n' {shlex.quote(PASSWORD)} | sudo -S -p '' {args}"


def marked(output: str, name: str) -> str:
    """The text between the remote script's markers ==name== and the next marker."""
    text = output.replace("\r", "")
    found = re.search(rf"=={name}==\n(.*?)(?:\n==|\Z)", text, re.S)
    return found.group(1) if found else ""


@pytest.mark.controls("L3-CEN-01")
def test_directory_people_resolve_through_sssd(trust_client: TrustHost) -> None:
    entry = trust_client.ok("getent -s sss passwd dir-sysadmin").strip()
    assert entry == "dir-sysadmin:*:20001:10000:Test Sysadmin:/home/dir-sysadmin:/bin/bash"
    assert "sysadmin" in trust_client.ok("id -nG dir-sysadmin").split()
    # a tenant role comes from the directory too
    assert "tenant-agri-operator" in trust_client.ok("id -nG dir-clerk").split()
    # the administrator groups are the directory's: no local group of that name shadows them
    for group in ("sysadmin", "secadmin", "auditadmin"):
        assert trust_client.run(f"getent -s files group {group}").returncode == 2, group
        assert trust_client.ok(f"getent -s sss group {group}").startswith(f"{group}:")
    # the SSH key sshd gets is the directory's
    keys = trust_client.ok("sss_ssh_authorizedkeys dir-sysadmin")
    assert "test-only dir-sysadmin" in keys


def test_sssd_leaves_no_failed_unit(trust_client: TrustHost) -> None:
    """The responders run inside sssd: their socket units are masked, none failed (found by make lab)."""
    assert trust_client.ok("systemctl is-active sssd").strip() == "active"
    failed = trust_client.ok("systemctl list-units --failed --plain --no-legend 'sssd*'")
    assert failed.strip() == "", failed
    assert trust_client.run("systemctl is-enabled sssd-nss.socket").stdout.strip() == "masked"


@pytest.mark.controls("L3-CNS-03", "L3-CEN-01")
def test_ldap_only_over_tls_and_never_anonymous(trust_client: TrustHost, trust_host: TrustHost) -> None:
    # no plain LDAP at all
    plain = trust_client.run(f"ldapsearch -x -H ldap://127.0.0.1 -b {BASE} uid")
    assert plain.returncode != 0 and "dn:" not in plain.stdout
    # LDAPS with the platform CA's certificate, verified for the address
    hello = trust_client.run(
        f"openssl s_client -connect 127.0.0.1:636 -CAfile {CA} -verify_return_error -verify_ip 127.0.0.1 </dev/null"
    )
    assert hello.returncode == 0 and "Verify return code: 0 (ok)" in hello.stdout, hello.stderr[-800:]
    old = trust_client.run("openssl s_client -connect 127.0.0.1:636 -tls1_1 -cipher DEFAULT@SECLEVEL=0 </dev/null")
    assert old.returncode != 0, "TLS 1.1 accepted"
    # anonymous: refused
    anon = trust_client.run(f"LDAPTLS_CACERT={CA} ldapsearch -x -H {LDAPS} -b {BASE} uid")
    assert anon.returncode != 0 and "dn:" not in anon.stdout
    assert "anonymous bind disallowed" in anon.stderr
    # a person bound as themselves reads nothing of the tree
    person = trust_client.run(
        f"LDAPTLS_CACERT={CA} ldapsearch -x -H {LDAPS} -D uid=dir-clerk,ou=people,{BASE} "
        f"-w {shlex.quote(PASSWORD)} -b ou=people,{BASE} uid"
    )
    assert "dn:" not in person.stdout, person.stdout
    # the service account reads people and keys, never a password
    reader = trust_host.ok(
        f"LDAPTLS_CACERT={CA} ldapsearch -x -LLL -H {LDAPS} -D {READER} -y /etc/ldap/govcloud/reader.pw "
        f"-b ou=people,{BASE} '(uid=dir-sysadmin)' uid sshPublicKey userPassword"
    )
    assert "uid: dir-sysadmin" in reader and "sshPublicKey:" in reader
    assert "userPassword" not in reader


@pytest.mark.controls("L3-CEN-02", "L3-CEN-03")
def test_sysadmin_logs_in_with_key_and_totp_and_gets_only_sysadmin_rights(trust_host: TrustHost) -> None:
    remote = (
        "echo ==groups==; id -nG; echo ==list==; "
        + sudo("-l")
        + "; echo ==nft==; "
        + sudo("/usr/sbin/nft list ruleset")
        + "; echo rc=$?; echo ==own==; "
        + sudo("/usr/bin/systemctl --version")
        + "; echo rc=$?; echo ==audit==; "
        + sudo("/usr/sbin/ausearch -m USER_LOGIN")
        + "; echo rc=$?; echo ==home==; stat -c '%a %U' $HOME; echo =="
    )
    done = login(trust_host, "dir-sysadmin", remote)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    out = done.stdout
    assert "sysadmin" in marked(out, "groups").split()
    assert listed_rules(marked(out, "list")) == role_rules("sysadmin"), marked(out, "list")
    assert "not allowed to execute" in marked(out, "nft") and "rc=1" in marked(out, "nft")
    assert "systemd" in marked(out, "own") and "rc=0" in marked(out, "own")
    assert "not allowed to execute" in marked(out, "audit")
    # home made at first login, private
    assert marked(out, "home").strip() == "700 dir-sysadmin"


@pytest.mark.controls("L3-CEN-02")
@pytest.mark.parametrize("code", ["wrong", "none"])
def test_key_without_the_right_code_is_refused(trust_host: TrustHost, trust_client: TrustHost, code: str) -> None:
    done = login(trust_host, "dir-sysadmin", "echo logged-in", code)
    assert done.returncode == 255 and "logged-in" not in done.stdout
    assert "Permission denied" in done.stderr
    # the key alone was accepted only as the first of two factors; a wrong code failed in PAM
    log = trust_client.ok("journalctl -t sshd --no-pager -q -o cat --since -2min")
    assert "Partial publickey for dir-sysadmin" in log
    if code == "wrong":
        assert "Failed keyboard-interactive/pam for dir-sysadmin" in log


@pytest.mark.controls("L3-CEN-03")
def test_auditadmin_gets_only_the_audit_rules(trust_host: TrustHost) -> None:
    remote = (
        "echo ==list==; "
        + sudo("-l")
        + "; echo ==apt==; "
        + sudo("/usr/bin/apt-get --version")
        + "; echo rc=$?; echo =="
    )
    done = login(trust_host, "dir-auditadmin", remote)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert listed_rules(marked(done.stdout, "list")) == role_rules("auditadmin"), marked(done.stdout, "list")
    assert "not allowed to execute" in marked(done.stdout, "apt")


@pytest.mark.controls("L3-CEN-03", "L3-ABD-02")
def test_tenant_person_without_an_admin_role_cannot_log_in(trust_host: TrustHost) -> None:
    done = login(trust_host, "dir-clerk", "echo logged-in")
    assert done.returncode == 255 and "logged-in" not in done.stdout


@pytest.mark.controls("L3-CEN-14")
def test_secrets_stay_private(trust_host: TrustHost, trust_client: TrustHost) -> None:
    assert trust_host.ok("stat -c '%a %U' /etc/ldap/govcloud/admin.pw /etc/ldap/govcloud/reader.pw").split("\n")[
        :2
    ] == [
        "400 root",
        "400 root",
    ]
    assert trust_client.ok("stat -c '%a %U' /etc/sssd/sssd.conf /etc/security/users.oath").split("\n")[:2] == [
        "600 root",
        "600 root",
    ]
    reader = trust_host.ok("cat /etc/ldap/govcloud/reader.pw")
    admin = trust_host.ok("cat /etc/ldap/govcloud/admin.pw")
    for run in trust_host.runs:
        for secret in (reader, admin, *SECRETS.values()):
            assert secret not in run.output
    for host in (trust_host, trust_client):
        journal = host.ok("journalctl --no-pager -q -o cat 2>/dev/null | tail -n 20000")
        for secret in (reader, admin, *SECRETS.values()):
            assert secret not in journal


@pytest.mark.controls("L3-CEN-03")
def test_directory_roles_rerun_changes_nothing(second_converge: SecondRun) -> None:
    run = second_converge.converge  # the whole site.yml: the directory, ssh and admin_roles roles among them
    assert run.returncode == 0, run.output[-3000:]
    assert "directory_client :" in run.output and "admin_roles :" in run.output
    assert run.changed == 0, "the second run changed something:\n" + "\n".join(run.changed_tasks)

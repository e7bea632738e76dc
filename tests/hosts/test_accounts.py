"""Host checks for roles/accounts: password policy, lockout, no empty passwords, unique ids,
system and default accounts.

The password-quality checks call libpwquality itself (through ctypes), so they test the
configuration as pam_pwquality reads it, dictionary included.
"""

from __future__ import annotations

import shlex

import pytest

from hosts.helpers import key_values

DEFAULT_ACCOUNTS = ("guest", "test", "demo", "user", "pi", "ubuntu", "centos", "ec2-user", "cloud-user")
NOLOGIN_SHELLS = ("/usr/sbin/nologin", "/sbin/nologin", "/bin/false", "/usr/bin/false")
PWQ_CHECK = """python3 - <<'PY'
import ctypes
lib = ctypes.CDLL("libpwquality.so.1")
lib.pwquality_default_settings.restype = ctypes.c_void_p
lib.pwquality_read_config.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p]
lib.pwquality_check.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p]
settings = lib.pwquality_default_settings()
assert lib.pwquality_read_config(settings, None, None) == 0
print(lib.pwquality_check(settings, %r.encode(), None, b"someuser", None))
PY"""


def login_defs(host) -> dict[str, str]:
    pairs = (line.split(None, 1) for line in host.file("/etc/login.defs").content_string.splitlines())
    return {p[0]: p[1].strip() for p in pairs if len(p) == 2 and not p[0].startswith("#")}


def pam_lines(host, service: str, kind: str) -> list[str]:
    text = host.file(f"/etc/pam.d/{service}").content_string
    return [line for line in text.splitlines() if line.split()[:1] == [kind]]


def pwquality_score(host, password: str) -> int:
    return int(host.check_output(PWQ_CHECK % password).strip())


def shadow(host) -> list[list[str]]:
    return [line.split(":") for line in host.check_output("getent shadow").splitlines()]


def passwd(host) -> list[list[str]]:
    return [line.split(":") for line in host.check_output("getent passwd").splitlines()]


@pytest.mark.controls("L3-CEN-17")
def test_password_aging_defaults(host):
    """login.defs: passwords last at most 90 days, change at most daily, 14 days' warning."""
    defs = login_defs(host)
    assert 0 < int(defs["PASS_MAX_DAYS"]) <= 90
    assert int(defs["PASS_MIN_DAYS"]) >= 1
    assert int(defs["PASS_WARN_AGE"]) >= 7


@pytest.mark.controls("L3-CEN-03")
def test_login_defs_umask(host):
    """login.defs: UMASK 027 (new home directories and pam_umask)."""
    assert login_defs(host)["UMASK"] in ("027", "0027", "077", "0077")


@pytest.mark.controls("L3-CEN-03")
def test_home_directories_private(host):
    """Human accounts' home directories give others nothing and their group no write (0750 or stricter)."""
    homes = [f[5] for f in passwd(host) if int(f[2]) >= 1000 and f[2] != "65534" and host.file(f[5]).is_directory]
    assert homes, "no human account with a home directory to check"
    loose = {home: oct(host.file(home).mode) for home in homes if host.file(home).mode & 0o027}
    assert not loose, loose


@pytest.mark.controls("L3-CEN-03")
def test_start_up_files_private(host):
    """Start-up files in human accounts' homes and in /etc/skel: 0740 or stricter (no one else may change them)."""
    homes = [f[5] for f in passwd(host) if int(f[2]) >= 1000 and f[2] != "65534" and host.file(f[5]).is_directory]
    folders = " ".join(shlex.quote(folder) for folder in ["/etc/skel", *homes])
    assert host.check_output(f"find {folders} -maxdepth 1 -type f -name '.*' -perm /0037") == ""


@pytest.mark.controls("L3-CEN-17")
def test_pwquality_configuration(host):
    """pwquality: 12+ characters, 3+ classes, dictionary check, also for root."""
    pwq = key_values(host, "/etc/security/pwquality.conf")
    assert int(pwq["minlen"]) >= 12
    assert int(pwq["minclass"]) >= 3
    assert pwq["dictcheck"] == "1"
    assert "enforce_for_root" in pwq
    assert any("pam_pwquality.so" in line for line in pam_lines(host, "common-password", "password"))


@pytest.mark.controls("L3-CEN-17")
@pytest.mark.parametrize("weak", ["Sh0rt!pw", "alllowercaseletters", "Administrator1!", "qwertyuiop12"])
def test_weak_password_refused(host, weak):
    """libpwquality refuses short, too simple and dictionary-based passwords (PWQ_ERROR_* < 0)."""
    assert pwquality_score(host, weak) < 0


@pytest.mark.controls("L3-CEN-17")
def test_strong_password_accepted(host):
    """libpwquality accepts a long random password (so the dictionary loads)."""
    assert pwquality_score(host, "vT7#qLm2@xRw9zKp") >= 0


@pytest.mark.controls("L3-CEN-17")
def test_password_history(host):
    """pam_pwhistory refuses the last 5 (or more) passwords, before pam_unix stores the new one."""
    lines = pam_lines(host, "common-password", "password")
    history = [i for i, line in enumerate(lines) if "pam_pwhistory.so" in line]
    unix = [i for i, line in enumerate(lines) if "pam_unix.so" in line]
    assert history and unix and history[0] < unix[0]
    remember = [w for w in lines[history[0]].split() if w.startswith("remember=")]
    assert remember and int(remember[0].split("=")[1]) >= 5


@pytest.mark.controls("L3-CEN-11")
def test_faillock_configuration(host):
    """pam_faillock locks an account after at most 5 failures, for at least 15 minutes."""
    fl = key_values(host, "/etc/security/faillock.conf")
    assert 0 < int(fl["deny"]) <= 5
    assert int(fl["unlock_time"]) == 0 or int(fl["unlock_time"]) >= 900


@pytest.mark.controls("L3-CEN-11")
def test_faillock_in_pam_stack(host):
    """common-auth runs pam_faillock preauth before and authfail after pam_unix; common-account resets."""
    auth = pam_lines(host, "common-auth", "auth")
    index = {
        name: next(i for i, line in enumerate(auth) if name in line)
        for name in ("pam_faillock.so preauth", "pam_unix.so", "pam_faillock.so authfail")
    }
    assert index["pam_faillock.so preauth"] < index["pam_unix.so"] < index["pam_faillock.so authfail"]
    assert any("pam_faillock.so" in line for line in pam_lines(host, "common-account", "account"))


@pytest.mark.controls("L3-CEN-17")
def test_no_nullok_in_pam(host):
    """No PAM service accepts an empty password (no nullok anywhere in /etc/pam.d)."""
    result = host.run("grep -rlw -e nullok -e nullok_secure /etc/pam.d")
    assert result.rc == 1, result.stdout


@pytest.mark.controls("L3-CEN-17")
def test_no_empty_passwords(host):
    """No account has an empty password field."""
    assert [row[0] for row in shadow(host) if row[1] == ""] == []


@pytest.mark.controls("L3-CEN-17")
def test_existing_passwords_age(host):
    """Every human account with a usable password expires within 90 days."""
    uids = {row[0]: int(row[2]) for row in passwd(host)}
    offenders = [
        row[0]
        for row in shadow(host)
        if 1000 <= uids.get(row[0], 0) < 65534
        and row[1][:1] not in ("!", "*", "")
        and not (row[4] and 0 < int(row[4]) <= 90 and row[3] and int(row[3]) >= 1)
    ]
    assert offenders == []


@pytest.mark.controls("L3-CEN-04")
def test_inactive_accounts_disabled(host):
    """New accounts are disabled at most 35 days after their password expired (useradd -D)."""
    inactive = dict(line.split("=", 1) for line in host.check_output("useradd -D").splitlines())["INACTIVE"]
    assert 0 <= int(inactive) <= 35


@pytest.mark.controls("L3-CEN-01", "L3-CEN-04")
def test_unique_uids_and_names(host):
    """Every account has its own name and uid; only root has uid 0."""
    rows = [line.split(":") for line in host.file("/etc/passwd").content_string.splitlines() if line]
    names = [r[0] for r in rows]
    uids = [r[2] for r in rows]
    assert len(names) == len(set(names))
    assert len(uids) == len(set(uids))
    assert [r[0] for r in rows if r[2] == "0"] == ["root"]


@pytest.mark.controls("L3-CEN-01")
def test_unique_gids_and_group_names(host):
    """Every group has its own name and gid."""
    rows = [line.split(":") for line in host.file("/etc/group").content_string.splitlines() if line]
    assert len({r[0] for r in rows}) == len(rows)
    assert len({r[2] for r in rows}) == len(rows)


@pytest.mark.controls("L3-CEN-13", "L3-CEN-04")
def test_system_accounts_cannot_log_in(host):
    """System accounts other than root have a nologin shell and a locked password."""
    locked = {row[0]: row[1][:1] in ("!", "*") for row in shadow(host)}
    offenders = [
        row[0]
        for row in passwd(host)
        if (int(row[2]) < 1000 or int(row[2]) == 65534)
        and row[0] != "root"
        and (row[6] not in NOLOGIN_SHELLS or not locked.get(row[0], True))
    ]
    assert offenders == []


@pytest.mark.controls("L3-CEN-13")
def test_default_accounts_absent(host):
    """Known default login accounts (guest, test, pi, ubuntu, ...) do not exist."""
    present = {row[0] for row in passwd(host)}
    assert present.isdisjoint(DEFAULT_ACCOUNTS)

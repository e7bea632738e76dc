"""Host checks for roles/session: shell idle timeout, umask, login banners.

The shells are started the way a user's would be: a login shell (reads /etc/profile and
/etc/profile.d) and an interactive non-login shell (reads /etc/bash.bashrc).
"""

from __future__ import annotations

import pytest

BANNERS = ("/etc/issue", "/etc/issue.net", "/etc/motd")
DISCLOSURE = ("Debian", "GNU/Linux", "Ubuntu", "bookworm", "\\r", "\\v", "\\s", "\\S", "\\m")


def shell_state(host, flags: str) -> tuple[int, str, str]:
    """(TMOUT, 'readonly' if readonly, umask) as seen by `bash <flags>`."""
    out = host.check_output(
        'bash %s -c \'echo "$TMOUT"; readonly -p | grep -q " TMOUT=" && echo readonly || echo writable; umask\' '
        "2>/dev/null",
        flags,
    ).split()
    return int(out[0] or 0), out[1], out[2]


@pytest.mark.controls("L3-CEN-11")
@pytest.mark.parametrize("flags", ["-l", "-i"], ids=["login", "interactive"])
def test_idle_shells_time_out(host, flags):
    """Idle shells end after at most 600 s: TMOUT is set, readonly, in login and interactive shells."""
    tmout, state, _ = shell_state(host, flags)
    assert 0 < tmout <= 600
    assert state == "readonly"


@pytest.mark.controls("L3-CEN-11")
def test_tmout_cannot_be_unset(host):
    """A user cannot switch the timeout off in a login shell."""
    result = host.run("bash -l -c 'unset TMOUT 2>/dev/null; echo \"$TMOUT\"'")
    assert result.stdout.strip() not in ("", "0")


@pytest.mark.controls("L3-CEN-03")
@pytest.mark.parametrize("flags", ["-l", "-i"], ids=["login", "interactive"])
def test_shell_umask(host, flags):
    """Shells create files without any permission for others (umask 027 or stricter)."""
    _, _, umask = shell_state(host, flags)
    assert int(umask, 8) & 0o027 == 0o027


@pytest.mark.controls("L3-CEN-01", "L3-CEN-12")
@pytest.mark.parametrize("path", BANNERS)
def test_banner_warns_in_both_languages(host, path):
    """The banner warns, in Chinese and English, that use is for authorised users only."""
    text = host.file(path).content_string
    assert "授权" in text and "审计" in text
    assert "authorised" in text.lower() or "authorized" in text.lower()


@pytest.mark.controls("L3-CEN-12")
@pytest.mark.parametrize("path", BANNERS)
def test_banner_discloses_no_os(host, path):
    """The banner names no OS or version, and holds no getty escape that would print one."""
    text = host.file(path).content_string
    assert [word for word in DISCLOSURE if word in text] == []


@pytest.mark.controls("L3-CEN-12")
def test_motd_scripts_disclose_no_os(host):
    """No executable update-motd.d script prints the kernel or OS version (uname, lsb_release)."""
    scripts = host.run("run-parts --test /etc/update-motd.d 2>/dev/null").stdout.split()
    leaking = [s for s in scripts if host.run("grep -lE 'uname|lsb_release|os-release' %s", s).rc == 0]
    assert leaking == []

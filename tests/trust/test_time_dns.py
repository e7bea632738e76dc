"""Trusted time with NTS and the zone's intranet resolver, on the two-host trust zone (conftest.py).

`trust-server` is the NTS time server (certificate from the platform CA) and the intranet
resolver (unbound); `trust-client` takes its time over NTS only and resolves names through it.
Both share one loopback-only network namespace: every packet stays on 127.0.0.0/8.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TypeVar

import pytest

from trust.conftest import SecondRun, TrustHost

T = TypeVar("T")

CA = "/etc/ssl/govcloud/ca.pem"
NTS_CERT = "/etc/ssl/govcloud/nts.pem"
NTS_KEY = "/etc/ssl/govcloud/nts.key"
DOMAIN = "govcloud.internal"
# A second chronyd on the server with a self-signed certificate (not from the platform CA), on
# ports of its own; removed after the test.
ROGUE = "/run/govcloud-test-rogue"
ROGUE_NTP, ROGUE_KE = 11123, 14460
# chronyd -Q on the client: one measurement, never touching the clock or the running chronyd,
# trusting exactly what the client's chrony.conf trusts.
PROBE = (
    "d=$(mktemp -d) && chown _chrony: $d && timeout 40 chronyd -Q -t {timeout} "
    "'server 127.0.0.1 iburst nts port {ntp} ntsport {ke} maxsamples 1' "
    f"'ntstrustedcerts {CA}' nosystemcert 'authselectmode require' 'cmdport 0' "
    '"pidfile $d/chronyd.pid" "ntsdumpdir $d" 2>&1; rc=$?; rm -rf $d; exit $rc'
)


def stats(host: TrustHost) -> dict[str, float]:
    """unbound's counters since its start or the last `unbound-control stats` (stats_noreset resets nothing)."""
    out = host.ok("unbound-control stats_noreset")
    return {key: float(value) for key, value in (line.split("=", 1) for line in out.splitlines() if "=" in line)}


def authdata(host: TrustHost) -> list[dict[str, str]]:
    """`chronyc -c -N authdata`: name, mode, key id, type, key length, last KE, attempts, NAKs, cookies, length."""
    fields = ("name", "mode", "keyid", "type", "klen", "last", "atmp", "nak", "cook", "clen")
    out = host.ok("chronyc -c -N authdata")
    return [dict(zip(fields, line.split(","), strict=False)) for line in out.splitlines() if line]


def wait_for(check: Callable[[], T], timeout: float = 90, step: float = 3) -> T:
    """Poll `check` until it returns something truthy (NTS-KE, then iburst polling, take a few seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found or time.monotonic() > deadline:
            return found
        time.sleep(step)


@pytest.mark.controls("L3-SMC-04", "L3-CNS-03")
def test_client_chrony_uses_nts_only(trust_client: TrustHost) -> None:
    """Every source is NTS, trusted only through the platform CA, and unauthenticated ones are never selected."""
    conf = trust_client.ok("cat /etc/chrony/chrony.conf")
    servers = re.findall(r"^(?:server|pool|peer) .*$", conf, re.M)
    assert servers and all(re.search(r"\bnts\b", line) for line in servers), servers
    assert f"ntstrustedcerts {CA}" in conf and re.search(r"^nosystemcert$", conf, re.M)
    assert re.search(r"^authselectmode require$", conf, re.M)
    assert re.search(r"^cmdport 0$", conf, re.M) and re.search(r"^port 0$", conf, re.M)


@pytest.mark.controls("L3-SMC-04", "L3-CNS-03")
def test_client_has_an_nts_authenticated_selected_source(trust_client: TrustHost) -> None:
    """chronyc -N authdata: NTS, key established (KE ok), cookies held; chronyc sources: reachable and selected."""

    def authenticated() -> list[dict[str, str]]:
        rows = authdata(trust_client)
        return [r for r in rows if r["mode"] == "NTS" and int(r.get("cook") or 0) > 0 and r["last"] not in ("", "-")]

    rows = wait_for(authenticated)
    assert rows, trust_client.ok("chronyc -N authdata; journalctl -u chrony --no-pager -n 30")
    row = rows[0]
    assert row["name"] == "127.0.0.1" and int(row["keyid"]) > 0 and int(row["klen"]) >= 128, row
    assert int(row["atmp"]) == 0 and int(row["nak"]) == 0, row  # the last key establishment succeeded

    def selected() -> list[list[str]]:
        lines = [line.split(",") for line in trust_client.ok("chronyc -c -n sources").splitlines() if line]
        # mode ^ (server), state * (synchronised to) or + (combined), reach register not zero
        return [f for f in lines if f[0] == "^" and f[1] in ("*", "+") and f[2] == "127.0.0.1" and int(f[5], 8) > 0]

    chosen = wait_for(selected)
    assert chosen, trust_client.ok("chronyc -n sources; chronyc -N authdata; chronyc tracking")
    tracking = trust_client.ok("chronyc -c tracking").split(",")
    assert tracking[1] == "127.0.0.1", tracking  # the reference is the server, not the local clock


@pytest.mark.controls("L3-SMC-04", "L3-CNS-03")
def test_server_answers_nts_with_a_certificate_from_the_ca(trust_host: TrustHost) -> None:
    """The NTS-KE certificate verifies against the CA bundle for what clients connect to; the key stays on the host."""
    conf = trust_host.ok("cat /etc/chrony/chrony.conf")
    assert re.search(r"^ntsserverkey /etc/ssl/govcloud/nts\.key$", conf, re.M)
    assert re.search(r"^ntsservercert /etc/ssl/govcloud/nts-chain\.pem$", conf, re.M)
    assert re.search(r"^local stratum 10 orphan$", conf, re.M) and re.search(r"^allow 127\.0\.0\.0/8$", conf, re.M)
    trust_host.ok(f"openssl verify -CAfile {CA} -purpose sslserver -verify_ip 127.0.0.1 {NTS_CERT}")
    assert "IP Address:127.0.0.1" in trust_host.ok(f"openssl x509 -in {NTS_CERT} -noout -ext subjectAltName")
    assert trust_host.ok(f"stat -c '%a %U %G' {NTS_KEY}").split() == ["640", "root", "_chrony"]
    assert "LISTEN" in trust_host.ok("ss -Htln 'sport = :4460'")  # NTS-KE
    served = dict(line.rsplit(":", 1) for line in trust_host.ok("chronyc serverstats").splitlines() if ":" in line)
    counts = {key.strip(): int(value) for key, value in served.items()}
    assert counts["NTS-KE connections accepted"] >= 1 and counts["Authenticated NTP packets"] >= 1, counts


@pytest.mark.controls("L3-CNS-03")
def test_a_server_without_a_ca_certificate_is_not_authenticated(trust_host: TrustHost, trust_client: TrustHost) -> None:
    """A rogue NTS server (self-signed certificate for 127.0.0.1) fails the client's check; the real one passes."""
    trust_host.ok(
        f"rm -rf {ROGUE} && install -d -o _chrony -g _chrony -m 0700 {ROGUE} && cd {ROGUE} && "
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 "
        "-addext subjectAltName=IP:127.0.0.1 -addext extendedKeyUsage=serverAuth -keyout key.pem -out cert.pem "
        "2>/dev/null && chown _chrony key.pem && "
        f"chronyd -x -f /dev/null 'local stratum 10' 'allow 127.0.0.0/8' 'port {ROGUE_NTP}' 'ntsport {ROGUE_KE}' "
        f"'ntsserverkey {ROGUE}/key.pem' 'ntsservercert {ROGUE}/cert.pem' 'ntsdumpdir {ROGUE}' "
        f"'pidfile {ROGUE}/chronyd.pid' 'bindcmdaddress {ROGUE}/chronyd.sock' 'cmdport 0'"
    )
    try:
        assert wait_for(lambda: trust_host.run(f"ss -Htln 'sport = :{ROGUE_KE}'").stdout.strip(), timeout=20)
        rogue = trust_client.run(PROBE.format(timeout=8, ntp=ROGUE_NTP, ke=ROGUE_KE), timeout=60)
        assert rogue.returncode != 0, rogue.stdout
        assert "certificate" in rogue.stdout and "issuer is unknown" in rogue.stdout, rogue.stdout
        assert "System clock wrong" not in rogue.stdout, rogue.stdout  # no time taken from it
        real = trust_client.run(PROBE.format(timeout=20, ntp=123, ke=4460), timeout=60)
        assert real.returncode == 0 and "System clock wrong" in real.stdout, real.stdout
    finally:
        trust_host.run(f"kill $(cat {ROGUE}/chronyd.pid) 2>/dev/null; sleep 1; rm -rf {ROGUE}")


@pytest.mark.controls("L3-ABD-05")
def test_resolver_answers_the_zone_names(trust_client: TrustHost) -> None:
    """Hosts and services of the inventory under the zone's domain, with PTR records; the client uses it by itself."""
    assert trust_client.ok(f"dig +short @127.0.0.1 trust-server.{DOMAIN} A").split() == ["127.0.0.1"]
    assert trust_client.ok(f"dig +short @127.0.0.1 trust-client.{DOMAIN} A").split() == ["127.0.0.2"]
    assert trust_client.ok(f"dig +short @127.0.0.1 time.{DOMAIN} A").split() == ["127.0.0.1"]
    assert trust_client.ok("dig +short @127.0.0.1 -x 127.0.0.2").split() == [f"trust-client.{DOMAIN}."]
    assert "status: NXDOMAIN" in trust_client.ok(f"dig @127.0.0.1 no-such-host.{DOMAIN} A")
    # through resolv.conf (dns_client), by the short name and the search domain
    assert trust_client.ok(f"getent hosts trust-server.{DOMAIN}").split()[0] == "127.0.0.1"
    assert "127.0.0.1" in trust_client.ok("dig +short +search trust-server")


@pytest.mark.controls("L3-ABD-05")
def test_intranet_resolver_never_queries_out(trust_host: TrustHost, trust_client: TrustHost) -> None:
    """Outside names get NXDOMAIN from local data; unbound's counters show no query sent out, ever."""
    before = stats(trust_host)
    # nothing went out since unbound started (no root priming, no trust-anchor refresh)
    assert before.get("num.query.udpout", 0) == 0 and before.get("num.query.tcpout", 0) == 0, before
    outside = ["www.example.com", "example.org", "debian.org", "pool.ntp.org", "com"]
    for name in outside:
        answer = trust_client.ok(f"dig @127.0.0.1 {name} A +dnssec +tries=1 +time=3")
        assert "status: NXDOMAIN" in answer, answer
    assert "status: NXDOMAIN" in trust_client.ok("dig @127.0.0.1 +tcp www.example.com AAAA")
    after = stats(trust_host)
    asked = after["total.num.queries"] - before["total.num.queries"]
    assert asked >= len(outside) + 1, (before, after)  # the counters did see the queries
    assert after["num.answer.rcode.NXDOMAIN"] - before.get("num.answer.rcode.NXDOMAIN", 0) >= len(outside) + 1
    for counter in ("num.query.udpout", "num.query.tcpout", "total.num.cachemiss", "total.num.recursivereplies"):
        assert after.get(counter, 0) == 0, (counter, after)
    # and no root trust anchor is configured whose refresh would go out
    assert trust_host.ok("unbound-checkconf -o auto-trust-anchor-file").strip() == ""
    assert trust_host.ok("unbound-checkconf -o trust-anchor-file").strip() == ""


@pytest.mark.controls("L3-ABD-02")
def test_resolver_refuses_other_networks(trust_host: TrustHost) -> None:
    """Only the zone's networks may ask: a query from an address outside them is REFUSED (deny by default)."""
    conf = trust_host.ok("cat /etc/unbound/unbound.conf")
    assert "access-control: 0.0.0.0/0 refuse" in conf and "access-control: 127.0.0.0/8 allow" in conf
    # a documentation address (TEST-NET-1) on the shared loopback, for this query only
    trust_host.ok("ip addr add 192.0.2.53/32 dev lo")
    try:
        answer = trust_host.ok(f"dig -b 192.0.2.53 @127.0.0.1 trust-server.{DOMAIN} A +tries=1 +time=3 || true")
    finally:
        trust_host.run("ip addr del 192.0.2.53/32 dev lo")
    assert "status: REFUSED" in answer, answer


@pytest.mark.controls("L3-ABD-05")
def test_client_resolv_conf_points_at_the_zone_resolver(trust_client: TrustHost) -> None:
    """resolv.conf names only the zone's resolver (written in place: in lab containers it is podman's bind mount)."""
    conf = trust_client.ok("cat /etc/resolv.conf")
    assert re.findall(r"^nameserver (\S+)$", conf, re.M) == ["127.0.0.1"], conf
    assert re.search(rf"^search {re.escape(DOMAIN)}$", conf, re.M), conf


@pytest.mark.controls("L3-SMC-04", "L3-ABD-05")
def test_time_and_dns_roles_rerun_without_change(second_converge: SecondRun) -> None:
    """A second run of the time and resolver roles (in the whole site.yml) changes nothing and
    restarts neither daemon."""
    run = second_converge.converge
    assert run.returncode == 0, run.output[-3000:]
    assert "time_sync :" in run.output and "dns :" in run.output
    assert run.changed == 0, "the second run changed something:\n" + "\n".join(run.changed_tasks)
    assert second_converge.pids_after == second_converge.pids_before

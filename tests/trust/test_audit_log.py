"""The central audit log on real hosts: the hardened client ships over RELP with mutual TLS to the
trust server, where stunnel checks the client's certificate (platform CA, CRL) and govcloud-logstore
keeps a hash-chained store.

Tests run in file order on the shared trust zone (conftest.py). The ones that damage a store work
on a copy and come last; the server container is never restarted (other suites share it).
"""

from __future__ import annotations

import json
import time
import uuid

import pytest

from trust.conftest import SecondRun, TrustHost

STORE = "/var/lib/govcloud/audit-log"
ANCHOR = "/var/lib/govcloud/audit-log-anchor"
TLS_UNIT = "govcloud-audit-log-tls"
# A second rsyslogd on the client with a certificate of our choice, sending over omrelp + TLS as the
# client's own forwarding does; its input is a socket of its own (logger -u).
ALT_SENDER = """set -e
d=/root/alt-{name}; mkdir -p $d/work
cat > $d/rsyslog.conf <<EOF
global(workDirectory="$d/work")
module(load="imuxsock" SysSock.Use="off")
module(load="omrelp" tls.tlslib="openssl")
input(type="imuxsock" Socket="$d/log.sock")
action(type="omrelp" target="127.0.0.1" port="6514" tls="on" tls.authMode="name" tls.permittedPeer=["trust-server"]
       tls.caCert="/etc/ssl/govcloud/ca.pem" tls.myCert="{cert}" tls.myPrivKey="{key}"
       queue.type="LinkedList" action.resumeRetryCount="-1" action.resumeInterval="1")
EOF
rsyslogd -f $d/rsyslog.conf -i $d/pid
for i in $(seq 50); do [ -S $d/log.sock ] && break; sleep 0.1; done
"""


def stored(host: TrustHost, marker: str) -> list[dict[str, object]]:
    found = host.run(f"grep -h -F -- {marker!r} {STORE}/*.log")
    return [json.loads(line)["rec"] for line in found.stdout.splitlines() if line]


def wait_stored(host: TrustHost, marker: str, seconds: float = 60) -> list[dict[str, object]]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        records = stored(host, marker)
        if records:
            return records
        time.sleep(1)
    return []


def start_sender(client: TrustHost, name: str, cert: str, key: str) -> None:
    client.ok(ALT_SENDER.format(name=name, cert=cert, key=key))


def stop_sender(client: TrustHost, name: str) -> None:
    client.run(f"kill $(cat /root/alt-{name}/pid) 2>/dev/null; rm -rf /root/alt-{name}")


def send(client: TrustHost, name: str, text: str) -> None:
    client.ok(f"logger -u /root/alt-{name}/log.sock -p authpriv.notice -t alt-{name} {text!r}")


def tls_log(server: TrustHost, since: str) -> str:
    return server.ok(f"journalctl --no-pager -o cat -u {TLS_UNIT} --since '{since}'")


def now(host: TrustHost) -> str:
    return host.ok("date -u '+%Y-%m-%d %H:%M:%S UTC'").strip()


@pytest.mark.controls("L3-SMC-05", "L3-CNS-03", "L3-CEN-19")
def test_client_record_reaches_the_store_over_mutual_tls(trust_host: TrustHost, trust_client: TrustHost) -> None:
    config = trust_client.ok("cat /etc/rsyslog.d/60-govcloud-forward.conf")
    assert 'type="omrelp"' in config and 'tls="on"' in config and "/etc/ssl/govcloud/log-forwarding.pem" in config
    issuer = trust_client.ok(
        "openssl x509 -in /etc/ssl/govcloud/log-forwarding.pem -noout -issuer -ext extendedKeyUsage"
    )
    assert "govcloud Issuing CA" in issuer and "TLS Web Client Authentication" in issuer
    marker = f"audit-test-{uuid.uuid4().hex[:12]}"
    trust_client.ok(f"logger -p authpriv.notice -t govcloud-test 'login check {marker}'")
    records = wait_stored(trust_host, marker)
    assert len(records) == 1, f"the client's record did not reach the store once: {records}"
    rec = records[0]
    assert rec["host"] == "trust-client" and rec["facility"] == "authpriv" and rec["severity"] == "notice"
    assert str(rec["tag"]).rstrip(":") == "govcloud-test" and marker in str(rec["msg"])
    assert rec["time"] and rec["received"]
    # stunnel checked the client's certificate and says whose it was
    assert "Certificate accepted at depth=0" in trust_host.ok(f"journalctl --no-pager -o cat -u {TLS_UNIT}")
    # nothing listens without TLS but loopback (RELP itself is on 127.0.0.1 only)
    listening = trust_host.ok("ss -Htln")
    assert "127.0.0.1:2514" in listening and "0.0.0.0:2514" not in listening and "0.0.0.0:6514" in listening


@pytest.mark.controls("L3-CEN-14", "L3-SMC-05")
def test_store_verifies_and_is_kept_180_days(trust_host: TrustHost) -> None:
    report = trust_host.ok("govcloud-logstore verify")
    assert report.startswith("OK: ") and ", 0 problems" in report, report
    doc = json.loads(trust_host.ok("govcloud-logstore verify --json"))
    assert doc["problems"] == [] and doc["records"] >= 1
    assert trust_host.ok(f"stat -c '%a %U' {ANCHOR} {STORE}").split("\n")[:2] == ["700 root", "750 root"]
    assert "enabled" in trust_host.ok("systemctl is-enabled govcloud-logstore-prune.timer")
    assert "--keep-days 180" in trust_host.ok("systemctl cat govcloud-logstore-prune.service")
    refused = trust_host.run("govcloud-logstore prune --keep-days 179")
    assert refused.returncode == 2 and "at least 180" in refused.stderr


@pytest.mark.controls("L3-CEN-14", "L3-SMC-04")
def test_chain_head_is_time_stamped_by_the_tsa(trust_host: TrustHost) -> None:
    trust_host.ok("systemctl start govcloud-logstore-seal.service")
    assert trust_host.ok(f"ls {ANCHOR}/seals").strip().endswith(".tsr")
    report = trust_host.ok("govcloud-logstore verify")
    assert ", 0 problems" in report and "0 time-stamp seals" not in report, report


@pytest.mark.controls("L3-CNS-03", "L3-CEN-01", "L3-ABD-02")
def test_client_certificate_not_from_the_ca_is_refused(trust_host: TrustHost, trust_client: TrustHost) -> None:
    trust_client.ok(
        "mkdir -p /root/rogue && cd /root/rogue && "
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem "
        "-subj '/CN=govcloud Issuing CA 1' -days 30 2>/dev/null && "
        "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout c.key -out c.csr "
        "-subj '/CN=trust-client' -addext 'subjectAltName=DNS:trust-client' 2>/dev/null && "
        "openssl x509 -req -in c.csr -CA ca.pem -CAkey ca.key -days 5 -copy_extensions copy -out c.pem 2>/dev/null"
    )
    since = now(trust_host)
    marker = f"rogue-{uuid.uuid4().hex[:12]}"
    try:
        start_sender(trust_client, "rogue", "/root/rogue/c.pem", "/root/rogue/c.key")
        send(trust_client, "rogue", marker)
        time.sleep(8)
        assert stored(trust_host, marker) == [], "a client with a certificate of another CA got a record in"
        log = tls_log(trust_host, since)
        assert "Rejected by CERT" in log and "unable to get local issuer certificate" in log, log[-2000:]
    finally:
        stop_sender(trust_client, "rogue")


@pytest.mark.controls("L3-CNS-03", "L3-ABD-02", "L3-CEN-01")
def test_revoked_client_is_refused_after_the_crl_is_fetched(trust_host: TrustHost, trust_client: TrustHost) -> None:
    csr = trust_client.ok(
        "mkdir -p /root/soon-revoked && cd /root/soon-revoked && "
        "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout c.key -out c.csr "
        "-subj '/CN=trust-client' -addext 'subjectAltName=DNS:trust-client' 2>/dev/null && cat c.csr"
    )
    trust_host.ok(f"mkdir -p /root/t && cat > /root/t/soon-revoked.csr <<'EOF'\n{csr}EOF")
    rid = trust_host.ok(
        "govcloud-ra submit --profile server --csr /root/t/soon-revoked.csr --submitter ops-zhang"
    ).strip()
    trust_host.ok(f"govcloud-ra approve {rid} --officer sec-li --reason 'audit-log test client'")
    cert = trust_host.ok(f"govcloud-ra issue {rid}")
    trust_client.ok(f"cat > /root/soon-revoked/c.pem <<'EOF'\n{cert}EOF")
    try:
        start_sender(trust_client, "revoked", "/root/soon-revoked/c.pem", "/root/soon-revoked/c.key")
        before = f"before-revocation-{uuid.uuid4().hex[:12]}"
        send(trust_client, "revoked", before)
        assert wait_stored(trust_host, before), "the certificate worked before it was revoked"
        trust_host.ok(f"govcloud-ra revoke {rid} --officer sec-li --reason keyCompromise --why 'audit-log test'")
        since = now(trust_host)
        # what the timer does every 10 minutes: fetch the CRL, restart stunnel (cuts open connections)
        trust_host.ok("systemctl start govcloud-crl-fetch.service")
        serial = trust_host.ok(f"openssl x509 -in /dev/stdin -noout -serial <<'EOF'\n{cert}EOF").split("=", 1)[1]
        # storeutl reads every CRL of the file (root and issuing); `openssl crl` only the first
        assert serial.strip() in trust_host.ok("openssl storeutl -noout -text -crls /etc/ssl/govcloud/crl.pem")
        after = f"after-revocation-{uuid.uuid4().hex[:12]}"
        send(trust_client, "revoked", after)
        # the first record after the cut goes out on the dead connection; the next one finds it
        # broken and makes the sender reconnect, which stunnel now refuses
        time.sleep(3)
        send(trust_client, "revoked", after)
        time.sleep(8)
        assert stored(trust_host, after) == [], "a revoked client got a record in"
        log = tls_log(trust_host, since)
        assert "certificate revoked" in log, log[-2000:]
    finally:
        stop_sender(trust_client, "revoked")
    # the genuine client still gets through (its connection was cut and came back)
    marker = f"still-ok-{uuid.uuid4().hex[:12]}"
    trust_client.ok(f"logger -p authpriv.notice -t govcloud-test 'after revocation {marker}'")
    assert wait_stored(trust_host, marker), "the genuine client's record did not arrive after the CRL update"


@pytest.mark.controls("L3-SMC-05", "L3-CNS-03")
def test_rerun_changes_nothing(second_converge: SecondRun) -> None:
    run = second_converge.converge
    assert run.returncode == 0, run.output[-3000:]
    assert run.changed == 0, "the second run changed something:\n" + "\n".join(run.changed_tasks)


@pytest.mark.controls("L3-SMC-05")
def test_server_restart_loses_nothing(trust_host: TrustHost, trust_client: TrustHost) -> None:
    run = f"restart-{uuid.uuid4().hex[:10]}"
    # 600 records through the client's journal and forwarding while the receiver restarts twice
    trust_client.ok(
        f'for i in $(seq 1 300); do logger -p authpriv.info -t govcloud-test "{run} n=$i"; done', timeout=300
    )
    trust_host.ok("systemctl restart rsyslog && sleep 1 && systemctl restart govcloud-audit-log-tls")
    trust_client.ok(
        f'for i in $(seq 301 600); do logger -p authpriv.info -t govcloud-test "{run} n=$i"; done', timeout=300
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(stored(trust_host, run)) < 600:
        time.sleep(2)
    numbers = sorted(int(str(r["msg"]).rsplit("n=", 1)[1]) for r in stored(trust_host, run))
    assert set(numbers) == set(range(1, 601)), f"lost: {sorted(set(range(1, 601)) - set(numbers))[:20]}"
    assert ", 0 problems" in trust_host.ok("govcloud-logstore verify")


COPY = "/root/t/logstore-copy"


# anchor first: the writer only adds records after what the anchor names
def damaged_copy(host: TrustHost, damage: str) -> tuple[int, str]:
    host.ok(f"rm -rf {COPY} && mkdir -p {COPY} && cp -a {ANCHOR} {COPY}/anchor && cp -a {STORE} {COPY}/store")
    host.ok(f"cd {COPY}/store && f=$(ls *.log | tail -1) && {damage}")
    done = host.run(f"govcloud-logstore --store {COPY}/store --anchor {COPY}/anchor verify")
    return done.returncode, done.stdout + done.stderr


@pytest.mark.controls("L3-CEN-14")
def test_tampering_is_detected_and_named(trust_host: TrustHost) -> None:
    rc, out = damaged_copy(trust_host, "true")
    assert rc == 0 and ", 0 problems" in out, out  # the untouched copy verifies
    seq = json.loads(trust_host.ok(f"sed -n 2p $(ls {STORE}/*.log | tail -1)"))["seq"]
    # one record edited (its message changed, hash left as it was)
    rc, out = damaged_copy(trust_host, 'sed -i \'2s/"msg":"/"msg":"FORGED /\' $f')
    assert rc == 1 and f"record {seq} edited" in out, out
    # one record deleted
    rc, out = damaged_copy(trust_host, "sed -i '2d' $f")
    assert rc == 1 and f"record(s) {seq} deleted" in out, out
    # two records swapped
    rc, out = damaged_copy(trust_host, "sed -i -n '2{h;n;G};p' $f")
    assert rc == 1 and "out of order" in out, out
    # the newest record cut off: only the anchor knows
    rc, out = damaged_copy(trust_host, "sed -i '$d' $f")
    assert rc == 1 and "truncated" in out, out
    # the edited record re-hashed (and everything after it): the anchor and the seals catch it
    rehash = (
        "python3 - $f <<'EOF'\n"
        "import hashlib, json, re, sys\n"
        "lines = open(sys.argv[1], 'rb').read().splitlines()\n"
        "out, prev = [], None\n"
        "for i, raw in enumerate(lines):\n"
        '    m = re.match(rb\'^\\{"seq":(\\d+),"hash":"([0-9a-f]{64})","rec":(.*)\\}$\', raw)\n'
        "    seq, h, rec = int(m.group(1)), m.group(2).decode(), m.group(3)\n"
        "    if i == 1:\n"
        '        rec = rec.replace(b\'"msg":"\', b\'"msg":"FORGED \')\n'
        "    if i >= 1:\n"
        "        h = hashlib.sha256(prev.encode() + b'\\n' + str(seq).encode() + b'\\n' + rec).hexdigest()\n"
        "    prev = h\n"
        '    out.append(b\'{"seq":%d,"hash":"%s","rec":%s}\' % (seq, h.encode(), rec))\n'
        "open(sys.argv[1], 'wb').write(b'\\n'.join(out) + b'\\n')\n"
        "EOF"
    )
    rc, out = damaged_copy(trust_host, rehash)
    assert rc == 1 and ("rewritten" in out), out

"""Key-management station, CA + RA, OCSP, CRL over HTTP and the RFC 3161 TSA on one real host.

The tests run in file order on one converged container (conftest.py) and build on each other:
a request is submitted, refused while unapproved, approved, issued, revoked; the services are
restarted and the roles rerun; the tokens are backed up, destroyed and restored.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from trust.conftest import CA_UNITS, SecondRun, TrustHost, ca_state

PUB = "/srv/govcloud/pki"
KMS = "/var/lib/govcloud/kms"  # the station's token directories (roles/kms)
CHAIN = f"-CAfile {PUB}/root.pem -untrusted {PUB}/issuing.pem"
TOKENS = ("root-ca", "issuing-ca", "ocsp", "tsa")
HTTP_POST = """python3 - "$@" <<'EOF'
import sys, urllib.request, urllib.error
url, src, dst = sys.argv[1:4]
req = urllib.request.Request(url, data=open(src, 'rb').read(), headers={'Content-Type': 'application/timestamp-query'})
try:
    resp = urllib.request.urlopen(req, timeout=30)
except urllib.error.HTTPError as exc:
    resp = exc
open(dst, 'wb').write(resp.read())
print(resp.status, resp.headers.get('Content-Type'))
EOF"""
FETCH = 'python3 -c "import sys,urllib.request; sys.stdout.buffer.write(urllib.request.urlopen(sys.argv[1]).read())"'


def post(host: TrustHost, url: str, src: str, dst: str) -> str:
    return host.ok(f"set -- {url} {src} {dst}\n{HTTP_POST}").strip()


def make_csr(host: TrustHost, name: str, subject: str, san: str | None = None) -> str:
    ext = f'-addext "subjectAltName={san}"' if san else ""
    host.ok(f"mkdir -p /root/t && cd /root/t && openssl req -new -newkey rsa:2048 -nodes -keyout {name}.key "
            f"-subj '{subject}' {ext} -out {name}.csr 2>/dev/null")  # fmt: skip
    return f"/root/t/{name}.csr"


def issued_count(host: TrustHost) -> int:
    return len(host.ok("cat /var/lib/govcloud/pki/issuing/index.txt").splitlines())


@pytest.mark.controls("L3-CEN-08")
def test_rerun_after_a_restart_changes_nothing_and_reissues_nothing(second_converge: SecondRun) -> None:
    run = second_converge.converge
    assert run.returncode == 0, run.output[-3000:]
    assert run.changed == 0, "the second run changed something:\n" + "\n".join(run.changed_tasks)
    assert second_converge.ca_after == second_converge.ca_before


@pytest.mark.controls("L3-CEN-08")
@pytest.mark.parametrize("token", TOKENS)
def test_keys_live_in_the_token_and_cannot_leave(trust_host: TrustHost, token: str) -> None:
    report = json.loads(trust_host.ok(f"govcloud-kms keys {token} --json"))
    assert [k["label"] for k in report["keys"]] == [token]
    key = report["keys"][0]
    assert key["sensitive"] and key["always_sensitive"] and key["local"], key
    assert key["extractable"] is False and key["never_extractable"] is True, key
    assert key["read_value"].startswith("refused"), key
    assert key["wrap_export"].startswith("refused") and "CKR_KEY_UNEXTRACTABLE" in key["wrap_export"], key


@pytest.mark.controls("L3-CEN-08")
def test_no_private_key_on_disk_and_pins_locked_away(trust_host: TrustHost) -> None:
    found = trust_host.run("grep -rlE 'PRIVATE KEY' /etc/govcloud /var/lib/govcloud /srv/govcloud")
    assert found.stdout.strip() == "", f"private keys on disk: {found.stdout}"
    modes = trust_host.ok("stat -c '%n %a %U' /etc/govcloud/kms/pins/*").split("\n")
    listing = dict((line.split(" ", 1)[0].rsplit("/", 1)[1], line.split(" ", 1)[1]) for line in modes if line)
    assert listing["tsa.pin"] == "400 govcloud-tsa" and listing["ocsp.pin"] == "400 govcloud-ocsp"
    assert listing["issuing-ca.pin"] == "400 root" and listing["root-ca.so-pin"] == "400 root"
    pins = trust_host.ok("cat /etc/govcloud/kms/pins/*").split()
    assert len(pins) == 2 * len(TOKENS) and all(len(pin) >= 32 for pin in pins)
    for run in trust_host.runs:
        assert not any(pin in run.output for pin in pins), "a PIN appeared in the Ansible output"
    journal = trust_host.ok("journalctl --no-pager -o cat")
    assert not any(pin in journal for pin in pins), "a PIN appeared in the journal"
    # tokens are private to their owner: the TSA account cannot open the CA's token directory
    assert trust_host.run("runuser -u govcloud-tsa -- ls /var/lib/govcloud/kms/issuing-ca").returncode != 0


@pytest.mark.controls("L3-CEN-08")
def test_a_token_copy_left_by_a_killed_ra_is_removed_by_its_next_run(trust_host: TrustHost) -> None:
    # what a govcloud-ra killed while it signs leaves: its throwaway copy of the CA's token
    stale = "/run/govcloud-ra/tmpkilled"
    trust_host.ok(f"install -d -m 0700 {stale} && cp -a /var/lib/govcloud/kms/issuing-ca {stale}/tokens")
    assert trust_host.ok("govcloud-ra list --json").startswith("[")
    assert trust_host.run(f"test -e {stale}").returncode == 1, "the stale token copy is still there"
    assert trust_host.ok("ls -A /run/govcloud-ra 2>/dev/null || true").strip() == ""


@pytest.mark.controls("L3-CNS-03", "L3-CEN-05")
def test_unapproved_or_rejected_request_is_never_issued(trust_host: TrustHost) -> None:
    before = issued_count(trust_host)
    csr = make_csr(trust_host, "pending", "/CN=pending.mgmt.example", "DNS:pending.mgmt.example")
    rid = trust_host.ok(f"govcloud-ra submit --profile server --csr {csr} --submitter alice").strip()
    refused = trust_host.run(f"govcloud-ra issue {rid}")
    assert refused.returncode == 1 and "only an approved request is issued" in refused.stderr
    assert trust_host.run(f"govcloud-ra approve {rid} --officer alice --reason mine").returncode == 1  # four eyes
    trust_host.ok(f"govcloud-ra reject {rid} --officer bob --reason 'no change ticket'")
    assert trust_host.run(f"govcloud-ra issue {rid}").returncode == 1
    assert trust_host.run(f"govcloud-ra approve {rid} --officer carol --reason late").returncode == 1
    assert trust_host.run(f"test -e /var/lib/govcloud/pki/ra/requests/{rid}/cert.pem").returncode == 1
    assert issued_count(trust_host) == before
    record = json.loads(trust_host.ok(f"govcloud-ra show {rid}"))
    assert record["state"] == "rejected" and record["decision"]["by"] == "bob"
    assert record["decision"]["reason"] == "no change ticket" and record["decision"]["approved"] is False
    bad = trust_host.run("echo 'not a CSR' | govcloud-ra submit --profile server --csr -")
    assert bad.returncode == 2 and "malformed" in bad.stderr


PROFILES = {
    "server": (
        "/CN=web.mgmt.example",
        "DNS:web.mgmt.example,IP:10.30.1.50",
        "TLS Web Server Authentication",
        "sslserver",
    ),
    "person": ("/CN=Zhang San/emailAddress=zhangsan@example.gov.cn", None, "E-mail Protection", "sslclient"),
    "nts": ("/CN=ntp-1.mgmt.example", "DNS:ntp-1.mgmt.example", "TLS Web Server Authentication", "sslserver"),
    "tsa": ("/CN=another TSA", None, "Time Stamping", "timestampsign"),
}


@pytest.mark.controls("L3-CNS-03", "L3-CEN-05", "L3-CEN-19")
@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_approved_request_is_issued_with_its_profile(trust_host: TrustHost, profile: str) -> None:
    subject, san, eku, purpose = PROFILES[profile]
    csr = make_csr(trust_host, profile, subject, san)
    rid = trust_host.ok(f"govcloud-ra submit --profile {profile} --csr {csr} --submitter dept-ops").strip()
    trust_host.ok(f"govcloud-ra approve {rid} --officer ra-officer-li --reason 'ticket OPS-{profile}'")
    trust_host.ok(f"govcloud-ra issue {rid} --out /root/t/{profile}.crt")
    text = trust_host.ok(f"openssl x509 -in /root/t/{profile}.crt -noout -text")
    assert eku in text and "CA:FALSE" in text
    if profile == "tsa":
        assert re.search(r"Extended Key Usage: critical\s+Time Stamping\s*\n", text)
    if profile == "person":
        assert "TLS Web Client Authentication" in text and "Server Authentication" not in text
    if san:
        assert all(part.split(":", 1)[1] in text for part in san.split(","))
    assert "URI:http://127.0.0.1/issuing.crl" in text and "OCSP - URI:http://127.0.0.1/ocsp" in text
    verify = trust_host.ok(f"openssl verify {CHAIN} -purpose {purpose} /root/t/{profile}.crt")
    assert verify.strip().endswith(": OK")
    record = json.loads(trust_host.ok(f"govcloud-ra show {rid}"))
    assert record["state"] == "issued" and record["decision"]["by"] == "ra-officer-li"
    assert record["submitted"]["by"] == "dept-ops" and record["issued"]["serial"]


@pytest.mark.controls("L3-CNS-03", "L3-CEN-01")
def test_hosts_enrol_through_the_ra_with_keys_made_on_the_host(trust_host: TrustHost, trust_client: TrustHost) -> None:
    """The client's certificates (roles/pki_enrol) went through the RA's records; its key never left it."""
    bundle = "/etc/ssl/govcloud/ca.pem"
    certs = trust_client.ok("ls /etc/ssl/govcloud/*-chain.pem").split()
    assert certs, "the client enrolled no certificate"
    for chain in certs:
        assert trust_client.ok(f"openssl verify -CAfile {bundle} {chain}").strip().endswith(": OK")
        key = chain.replace("-chain.pem", ".key")
        assert trust_client.ok(f"stat -c '%a %U' {key}").split() == ["640", "root"]
        serial = trust_client.ok(f"openssl x509 -in {chain} -noout -serial").strip().split("=", 1)[1]
        issued = json.loads(trust_host.ok("govcloud-ra list --state issued --json"))
        record = next(r for r in issued if r.get("issued", {}).get("serial") == serial)
        assert record["note"] == "host trust-client" and record["decision"]["approved"] is True
        assert record["submitted"]["by"] != record["decision"]["by"]
    # no key material of the client's on the CA host
    assert trust_host.run("grep -rl 'PRIVATE KEY' /var/lib/govcloud/pki").stdout == ""


@pytest.mark.controls("L3-CEN-01")
def test_deployment_cannot_enrol_a_person(trust_host: TrustHost) -> None:
    csr = make_csr(trust_host, "enrol-person", "/CN=zhang.san")
    done = trust_host.run(f"govcloud-ra enrol --profile person --csr {csr} --host trust-client")
    assert done.returncode == 2 and "RA officer" in done.stderr
    assert "zhang.san" not in trust_host.ok("govcloud-ra list")


@pytest.mark.controls("L3-CEN-05", "L3-CEN-19")
def test_ra_log_records_who_when_why(trust_host: TrustHost) -> None:
    events = [json.loads(line) for line in trust_host.ok("cat /var/lib/govcloud/pki/ra/audit.jsonl").splitlines()]
    approved = [e for e in events if e["event"] == "approved" and e["officer"] == "ra-officer-li"]
    assert len(approved) == len(PROFILES)
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    assert all(stamp.fullmatch(e["at"]) and e["reason"].startswith("ticket") for e in approved)
    assert any(e["event"] == "rejected" and e["officer"] == "bob" and e["reason"] == "no change ticket" for e in events)
    assert any(e["event"] == "issue-refused" for e in events)
    journal = trust_host.ok("journalctl --no-pager -t govcloud-ra -o cat")
    assert 'event="rejected"' in journal and 'officer="bob"' in journal and 'reason="no change ticket"' in journal
    assert 'officer="ra-officer-li"' in journal and 'event="issued"' in journal


def ocsp_status(host: TrustHost, cert: str) -> str:
    return host.ok(f"openssl ocsp -issuer {PUB}/issuing.pem -cert {cert} -url http://127.0.0.1/ocsp "
                   f"-CAfile {PUB}/chain.pem 2>&1")  # fmt: skip


@pytest.mark.controls("L3-CNS-03")
def test_revocation_reaches_the_crl_over_http_and_ocsp(trust_host: TrustHost) -> None:
    before = ocsp_status(trust_host, "/root/t/server.crt")
    assert "Response verify OK" in before and "/root/t/server.crt: good" in before
    serial = trust_host.ok("openssl x509 -in /root/t/server.crt -noout -serial").strip().split("=", 1)[1]
    done = trust_host.ok(f"govcloud-ra revoke --serial {serial} --officer sec-admin-wang --reason keyCompromise "
                         "--why 'private key copied off the web server'")  # fmt: skip
    assert "revoked" in done
    trust_host.ok(f"{FETCH} http://127.0.0.1/issuing.crl > /root/t/issuing.crl")
    crl = trust_host.ok(f"openssl crl -inform DER -in /root/t/issuing.crl -CAfile {PUB}/chain.pem -noout -text 2>&1")
    assert "verify OK" in crl and f"Serial Number: {serial}" in crl and "Key Compromise" in crl
    after = ocsp_status(trust_host, "/root/t/server.crt")
    assert "Response verify OK" in after and "/root/t/server.crt: revoked" in after, after
    assert "Reason: keyCompromise" in after
    others = ocsp_status(trust_host, "/root/t/nts.crt")
    assert "/root/t/nts.crt: good" in others
    event = [json.loads(line) for line in trust_host.ok("cat /var/lib/govcloud/pki/ra/audit.jsonl").splitlines()][-1]
    assert event["event"] == "revoked" and event["officer"] == "sec-admin-wang" and "copied" in event["why"]


def time_stamp(host: TrustHost, name: str, extra: str = "-cert") -> str:
    host.ok(f"cd /root/t && head -c 4096 /dev/urandom > {name}.dat && "
            f"openssl ts -query -data {name}.dat -sha256 {extra} -out {name}.tsq")  # fmt: skip
    return post(host, "http://127.0.0.1/tsa", f"/root/t/{name}.tsq", f"/root/t/{name}.tsr")


@pytest.mark.controls("L3-SMC-04")
def test_time_stamp_token_verifies_against_the_ca_chain(trust_host: TrustHost) -> None:
    assert time_stamp(trust_host, "doc1") == "200 application/timestamp-reply"
    verified = trust_host.ok(f"cd /root/t && openssl ts -verify -in doc1.tsr -queryfile doc1.tsq {CHAIN} 2>&1")
    assert "Verification: OK" in verified
    by_data = trust_host.ok(f"cd /root/t && openssl ts -verify -in doc1.tsr -data doc1.dat {CHAIN} 2>&1")
    assert "Verification: OK" in by_data
    # certReq false: no certificate in the token, the verifier supplies the TSA's
    assert time_stamp(trust_host, "doc2", extra="") == "200 application/timestamp-reply"
    trust_host.ok(f"cat /etc/govcloud/tsa/tsa.crt {PUB}/issuing.pem > /root/t/tsa-chain.pem")
    verified = trust_host.ok(
        f"cd /root/t && openssl ts -verify -in doc2.tsr -queryfile doc2.tsq -CAfile {PUB}/root.pem "
        "-untrusted /root/t/tsa-chain.pem 2>&1"
    )
    assert "Verification: OK" in verified
    tsa = trust_host.ok("openssl x509 -in /etc/govcloud/tsa/tsa.crt -noout -text")
    assert re.search(r"Extended Key Usage: critical\s+Time Stamping\s*\n", tsa)
    # a token for other data does not verify (the check can fail)
    trust_host.ok("cd /root/t && head -c 10 /dev/urandom > other.dat")
    wrong = trust_host.run(f"cd /root/t && openssl ts -verify -in doc1.tsr -data other.dat {CHAIN}")
    assert wrong.returncode != 0


@pytest.mark.controls("L3-SMC-04")
def test_malformed_requests_get_an_error_response_and_the_service_stays_up(trust_host: TrustHost) -> None:
    pid = trust_host.ok("systemctl show -p MainPID --value govcloud-tsa").strip()
    trust_host.ok("printf 'this is not DER' > /root/t/garbage.tsq")
    assert post(trust_host, "http://127.0.0.1/tsa", "/root/t/garbage.tsq", "/root/t/garbage.tsr").startswith("200")
    reply = trust_host.ok("openssl ts -reply -in /root/t/garbage.tsr -text 2>&1")
    assert "Status: Rejected" in reply and "the data submitted has the wrong format" in reply
    trust_host.ok("cd /root/t && echo x > s.dat && openssl ts -query -data s.dat -sha1 -out sha1.tsq")
    post(trust_host, "http://127.0.0.1/tsa", "/root/t/sha1.tsq", "/root/t/sha1.tsr")
    reply = trust_host.ok("openssl ts -reply -in /root/t/sha1.tsr -text 2>&1")
    assert "Status: Rejected" in reply and "unrecognized or unsupported algorithm" in reply.lower()
    trust_host.ok("cd /root/t && openssl ts -query -data s.dat -sha256 -tspolicy 1.2.3.4 -out pol.tsq")
    post(trust_host, "http://127.0.0.1/tsa", "/root/t/pol.tsq", "/root/t/pol.tsr")
    assert "Status: Rejected" in trust_host.ok("openssl ts -reply -in /root/t/pol.tsr -text 2>&1")
    assert trust_host.ok("systemctl is-active govcloud-tsa").strip() == "active"
    assert trust_host.ok("systemctl show -p MainPID --value govcloud-tsa").strip() == pid
    assert time_stamp(trust_host, "after-bad") == "200 application/timestamp-reply"
    assert "Verification: OK" in trust_host.ok(
        f"cd /root/t && openssl ts -verify -in after-bad.tsr -queryfile after-bad.tsq {CHAIN} 2>&1"
    )


@pytest.mark.controls("L3-CEN-08", "L3-CNS-03")
def test_restarted_services_resume_and_nothing_is_reissued(trust_host: TrustHost) -> None:
    before = ca_state(trust_host)
    units = CA_UNITS
    pids = trust_host.ok(f"systemctl show -p MainPID --value {units}").split()
    trust_host.ok(f"systemctl restart {units}")
    trust_host.ok(f"for i in $(seq 50); do systemctl is-active -q {units} && break; sleep 0.2; done")
    assert trust_host.ok(f"systemctl show -p MainPID --value {units}").split() != pids
    trust_host.ok("sleep 1")
    assert "/root/t/server.crt: revoked" in ocsp_status(trust_host, "/root/t/server.crt")
    assert time_stamp(trust_host, "after-restart") == "200 application/timestamp-reply"
    assert "Verification: OK" in trust_host.ok(
        f"cd /root/t && openssl ts -verify -in after-restart.tsr -queryfile after-restart.tsq {CHAIN} 2>&1"
    )
    # whether site.yml reissues anything after a restart: test_rerun_after_a_restart_changes_nothing...
    assert ca_state(trust_host) == before


def ocsp_status_once_answering(host: TrustHost, cert: str, seconds: int = 30) -> str:
    """The OCSP answer for cert, asked until the responder answers (at most `seconds`): right after a
    burst of restarts, systemd shows the units active a moment before they listen."""
    query = (f"openssl ocsp -issuer {PUB}/issuing.pem -cert {cert} -url http://127.0.0.1/ocsp "
             f"-CAfile {PUB}/chain.pem 2>&1")  # fmt: skip
    done = host.run(f"for i in $(seq {seconds}); do {query} && exit 0; sleep 1; done; {query}", timeout=seconds * 4)
    assert done.returncode == 0, f"the OCSP responder did not answer within {seconds} s:\n{done.stdout[-2000:]}"
    return done.stdout


def settled(host: TrustHost, units: str, seconds: int = 30) -> None:
    """Every unit active, and still active 2 s later (a crash loop shows `activating` in between);
    on failure the message carries each unit's state and the responder's journal."""
    done = host.run(
        f"for i in $(seq {seconds * 2}); do systemctl is-active -q {units} && sleep 2 "
        f"&& systemctl is-active -q {units} && exit 0; sleep 0.5; done; exit 1",
        timeout=seconds * 6,
    )
    if done.returncode != 0:
        states = host.run(f"systemctl is-active {units}; journalctl -u govcloud-ocsp -n 30 --no-pager").stdout
        pytest.fail(f"not all of {units} stayed active within {seconds} s:\n{states}")


@pytest.mark.controls("L3-CNS-03", "L3-CEN-08")
def test_a_burst_of_restarts_leaves_the_services_up_and_the_tokens_untouched(trust_host: TrustHost) -> None:
    """The RA restarts the OCSP responder after every issue and revocation: a burst of them must not
    trip systemd's start limit (found by bench/ca_restart.py: the responder stayed down), nor reach
    the tokens. SoftHSM2 rewrites the token file at every login, and a restart landing in that write
    left the OCSP token empty for good (seen in 2 of 3 bursts before the services signed with a copy)."""
    units = CA_UNITS
    trust_host.ok("touch /root/t/before-burst && sleep 1")
    trust_host.ok(f"for i in $(seq 10); do systemctl restart {units}; done")
    settled(trust_host, units)
    assert "/root/t/server.crt: revoked" in ocsp_status_once_answering(trust_host, "/root/t/server.crt")
    assert time_stamp(trust_host, "after-burst") == "200 application/timestamp-reply"
    written = trust_host.ok(f"find {KMS}/ocsp {KMS}/tsa -newer /root/t/before-burst")
    assert not written.strip(), f"the services wrote their tokens:\n{written}"


@pytest.mark.controls("L3-CEN-08", "L3-CNS-03")
def test_host_restart_resumes_the_services(trust_host: TrustHost) -> None:
    before = ca_state(trust_host)
    restarted = subprocess.run(
        ["podman", "restart", "--time", "10", trust_host.name], capture_output=True, text=True, timeout=120, check=False
    )
    assert restarted.returncode == 0, restarted.stderr
    trust_host.run("systemctl is-system-running --wait", timeout=120)
    units = CA_UNITS
    settled(trust_host, units)
    assert "/root/t/server.crt: revoked" in ocsp_status_once_answering(trust_host, "/root/t/server.crt")
    assert time_stamp(trust_host, "after-boot") == "200 application/timestamp-reply"
    assert "Verification: OK" in trust_host.ok(
        f"cd /root/t && openssl ts -verify -in after-boot.tsr -queryfile after-boot.tsq {CHAIN} 2>&1"
    )
    assert ca_state(trust_host) == before


@pytest.mark.controls("L3-CEN-09", "L3-CEN-08")
def test_token_backup_and_restore(trust_host: TrustHost) -> None:
    archives = trust_host.ok("govcloud-kms backup tsa issuing-ca").split()
    assert len(archives) == 2 and all(a.startswith("/var/backups/govcloud/kms/") for a in archives)
    listing = trust_host.ok(f"tar tzf {archives[0]}")
    assert "PIN" not in listing and ".pin" not in listing
    keys = {t: trust_host.ok(f"govcloud-kms pubkey {t} {t}") for t in ("tsa", "issuing-ca")}
    # lose both tokens
    trust_host.ok(
        "rm -rf /var/lib/govcloud/kms/tsa/* /var/lib/govcloud/kms/issuing-ca/* && systemctl restart govcloud-tsa"
    )
    time_stamp(trust_host, "lost")
    assert "Status: Rejected" in trust_host.ok("openssl ts -reply -in /root/t/lost.tsr -text 2>&1")
    csr = make_csr(trust_host, "after-loss", "/CN=after.mgmt.example", "DNS:after.mgmt.example")
    rid = trust_host.ok(f"govcloud-ra submit --profile server --csr {csr} --submitter dept-ops").strip()
    trust_host.ok(f"govcloud-ra approve {rid} --officer ra-officer-li --reason 'ticket OPS-restore'")
    assert trust_host.run(f"govcloud-ra issue {rid}").returncode == 1  # no key: the CA cannot sign
    # restore
    for archive, token in zip(archives, ("tsa", "issuing-ca"), strict=True):
        assert f"keys: {token}" in trust_host.ok(f"govcloud-kms restore {archive} --token {token}")
        assert trust_host.ok(f"govcloud-kms pubkey {token} {token}") == keys[token]
    trust_host.ok("systemctl restart govcloud-tsa && sleep 1")
    assert time_stamp(trust_host, "restored") == "200 application/timestamp-reply"
    assert "Verification: OK" in trust_host.ok(
        f"cd /root/t && openssl ts -verify -in restored.tsr -queryfile restored.tsq {CHAIN} 2>&1"
    )
    trust_host.ok(f"govcloud-ra issue {rid} --out /root/t/after-loss.crt")
    assert trust_host.ok(f"openssl verify {CHAIN} /root/t/after-loss.crt").strip().endswith(": OK")
    # a damaged backup is refused
    trust_host.ok(f"cp {archives[0]} /root/t/bad.tar.gz && cp {archives[0]}.sha256 /root/t/bad.tar.gz.sha256 "
                  "&& printf x >> /root/t/bad.tar.gz")  # fmt: skip
    damaged = trust_host.run("govcloud-kms restore /root/t/bad.tar.gz --token tsa")
    assert damaged.returncode == 1 and "checksum mismatch" in damaged.stderr

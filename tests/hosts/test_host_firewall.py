"""Host checks for roles/host_firewall: nftables default-deny, SSH from admin sources only."""

from __future__ import annotations

import re

import pytest


def chain(host, name: str) -> str:
    text = host.check_output("nft list chain inet govcloud_filter %s", name)
    return text


def rules(host, name: str) -> list[str]:
    return [line.strip() for line in chain(host, name).splitlines() if line.strip()]


@pytest.mark.controls("L3-ABD-02")
def test_input_default_drop(host):
    """Inbound traffic is denied by default (input chain policy drop)."""
    assert re.search(r"hook input priority filter; policy drop;", chain(host, "input"))


@pytest.mark.controls("L3-ABD-02")
def test_forward_default_drop(host):
    """Forwarded traffic is denied by default (forward chain policy drop)."""
    assert re.search(r"hook forward priority filter; policy drop;", chain(host, "forward"))


@pytest.mark.controls("L3-ABD-02")
def test_openings_name_sources(host):
    """Every inbound opening to a port names its source addresses: nothing is open to all."""
    openings = [r for r in rules(host, "input") if "dport" in r and r.endswith(("accept", '"')) and "accept" in r]
    assert openings and all(re.search(r"\bip6? saddr ", r) for r in openings)


@pytest.mark.controls("L3-CEN-15")
def test_ssh_from_admin_sources_only(host):
    """SSH (22/tcp) is accepted only from listed admin sources (the bastion)."""
    ssh = [r for r in rules(host, "input") if re.search(r"tcp dport 22\b", r)]
    assert ssh and all(re.match(r"ip6? saddr ", r) and "accept" in r for r in ssh)


@pytest.mark.controls("L3-ABD-02")
def test_loopback_and_replies_allowed(host):
    """Loopback and replies to the host's own connections pass (the default deny stays usable)."""
    text = rules(host, "input")
    assert 'iif "lo" accept' in text and "ct state established,related accept" in text


@pytest.mark.controls("L3-ABD-02")
def test_ruleset_loaded_at_boot(host):
    """The nftables service loads /etc/nftables.conf at boot and the file is valid."""
    assert host.service("nftables").is_enabled
    assert host.run("nft -c -f /etc/nftables.conf").rc == 0
    assert "table inet govcloud_filter" in host.check_output("cat /etc/nftables.conf")

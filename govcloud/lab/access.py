"""How Ansible reaches the lab hosts: a control network and the automation account.

In the cloud, Ansible logs in over SSH as the image's default account (`debian` on Debian's
cloud images, set up by cloud-init with the stack's admin key and password-less sudo). The
lab does the same: `lab up` gives each container that account with a lab key, and one extra
interface `ctl0` on a control bridge in the machine's own namespace, the lab's stand-in for
the out-of-band management path. The bridge's ports are isolated and the machine drops
anything forwarded to or from it, so hosts cannot reach each other through it: the packets
between hosts travel only over the plan's networks.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from govcloud.lab.network.commands import container_pids, in_pid, nft_load, run
from govcloud.lab.podman import LabError, podman, require

STATE_ENV = "GOVCLOUD_LAB_STATE"
DEFAULT_STATE = Path("/var/lib/govcloud/lab")
BRIDGE = "gclctl0"
NETWORK = ipaddress.IPv4Network("198.18.0.0/15")  # RFC 2544 benchmarking range: never routed anywhere
GATEWAY = ipaddress.IPv4Address("198.18.0.1")  # the machine's side: where Ansible connects from
GUEST_IF = "ctl0"
NFT_TABLE = "govcloud_lab_ctl"
AUTOMATION_USER = "debian"  # Debian cloud images' default account
SUDOERS_FILE = "/etc/sudoers.d/90-cloud-init-users"  # where cloud-init puts the default account's rule


def state_dir() -> Path:
    return Path(os.environ.get(STATE_ENV) or DEFAULT_STATE)


@dataclass(frozen=True)
class Access:
    """What Ansible and the host checks need to log in to one lab host."""

    host: str
    address: str
    user: str
    key: Path

    def ansible_vars(self) -> dict[str, object]:
        return {
            "ansible_host": self.address,
            "ansible_user": self.user,
            "ansible_ssh_private_key_file": str(self.key),
            # Lab hosts are made and thrown away: their host keys change on every `lab up`.
            "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR",
            "ansible_ssh_pipelining": True,
            "govcloud_lab": True,
            "govcloud_lab_control_network": str(NETWORK),
            "govcloud_lab_controller": str(GATEWAY),
        }


def lab_key() -> Path:
    """The lab's SSH key (made once, kept outside the repository, mode 0600)."""
    key = state_dir() / "ssh" / "id_ed25519"
    if not key.exists():
        require("ssh-keygen")
        key.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "govcloud-lab", "-f", str(key)])
    return key


def interface_name(host: str) -> str:
    """The machine-side veth of a host's control interface (≤ 15 characters, stable)."""
    return "gclctl" + hashlib.sha256(host.encode()).hexdigest()[:8]


def _link_exists(name: str) -> bool:
    return run(["ip", "link", "show", "dev", name], check=False).returncode == 0


def ensure_bridge() -> None:
    """The control bridge with the machine's address, and the forward guard (idempotent)."""
    require("ip", "bridge", "nft", "nsenter")
    if not _link_exists(BRIDGE):
        run(["ip", "link", "add", BRIDGE, "type", "bridge"])
        run(["ip", "addr", "add", f"{GATEWAY}/{NETWORK.prefixlen}", "dev", BRIDGE])
    run(["ip", "link", "set", BRIDGE, "up"])
    # Never route between hosts (or anywhere) through the control bridge; hosts may answer
    # the machine's SSH, nothing else enters the machine from it.
    ruleset = f"""
table inet {NFT_TABLE} {{}}
delete table inet {NFT_TABLE}
table inet {NFT_TABLE} {{
  chain forward {{ type filter hook forward priority -10; policy accept;
    iifname "{BRIDGE}" drop
    oifname "{BRIDGE}" drop
  }}
  chain input {{ type filter hook input priority -10; policy accept;
    iifname "{BRIDGE}" ct state established,related accept
    iifname "{BRIDGE}" drop
  }}
}}
"""
    nft_load([], ruleset)


def _addresses_file() -> Path:
    return state_dir() / "control-addresses.json"


def assign_addresses(hosts: Sequence[str]) -> dict[str, str]:
    """A control address per host, kept across `lab up`s (new hosts take the next free ones)."""
    path = _addresses_file()
    known: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    taken = set(known.values())
    pool = (str(a) for a in NETWORK.hosts() if a != GATEWAY)
    for host in hosts:
        if host not in known:
            address = next(a for a in pool if a not in taken)
            known[host] = address
            taken.add(address)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(known, indent=1, sort_keys=True) + "\n")
    return {h: known[h] for h in hosts}


def attach(host: str, container: str, address: str) -> None:
    """Give the container its `ctl0` on the control bridge (nothing to do when it has it)."""
    pid = container_pids([container]).get(container)
    if pid is None:
        raise LabError(f"{container}: not running (no process to attach the control interface to)")
    inside = [*in_pid(pid), "ip"]
    has = run([*inside, "-o", "addr", "show", "dev", GUEST_IF], check=False)
    if f" {address}/" in has.stdout:
        return
    outside = interface_name(host)
    if _link_exists(outside):
        run(["ip", "link", "del", outside])  # a leftover of a container that restarted
    run(["ip", "link", "add", outside, "type", "veth", "peer", "name", GUEST_IF, "netns", str(pid)])
    run(["ip", "link", "set", outside, "master", BRIDGE, "up"])
    run(["bridge", "link", "set", "dev", outside, "isolated", "on"])
    run([*inside, "addr", "add", f"{address}/{NETWORK.prefixlen}", "dev", GUEST_IF])
    run([*inside, "link", "set", GUEST_IF, "up"])
    run([*inside, "link", "set", "lo", "up"])


def _account_script(public_key: str) -> str:
    # What cloud-init does for the default user of Debian's cloud images.
    return f"""set -e
id {AUTOMATION_USER} >/dev/null 2>&1 || useradd --create-home --shell /bin/bash --user-group {AUTOMATION_USER}
home=$(getent passwd {AUTOMATION_USER} | cut -d: -f6)
install -d -m 0700 -o {AUTOMATION_USER} -g {AUTOMATION_USER} "$home/.ssh"
printf '%s\\n' '{public_key}' > "$home/.ssh/authorized_keys"
chown {AUTOMATION_USER}:{AUTOMATION_USER} "$home/.ssh/authorized_keys"
chmod 0600 "$home/.ssh/authorized_keys"
printf '%s\\n' '{AUTOMATION_USER} ALL=(ALL) NOPASSWD:ALL' > {SUDOERS_FILE}
chmod 0440 {SUDOERS_FILE}
"""


def provide_account(container: str, key: Path) -> None:
    public = key.with_suffix(".pub").read_text().strip()
    done = podman(["exec", container, "sh", "-c", _account_script(public)], check=False)
    if done.returncode != 0:
        raise LabError(f"{container}: could not set up the {AUTOMATION_USER} account: {done.stderr.strip()}")


def connect(hosts: dict[str, str]) -> dict[str, Access]:
    """Control interface and automation account for each host (host name → container name)."""
    key = lab_key()
    ensure_bridge()
    addresses = assign_addresses(sorted(hosts))
    access = {}
    for host, container in sorted(hosts.items()):
        attach(host, container, addresses[host])
        provide_account(container, key)
        access[host] = Access(host=host, address=addresses[host], user=AUTOMATION_USER, key=key)
    return access


def disconnect() -> list[str]:
    """Remove the control bridge, every control veth left and the guard table; what was removed."""
    removed = []
    listed = run(["ip", "-o", "link", "show"], check=False).stdout
    for line in listed.splitlines():
        name = line.split(":", 2)[1].strip().split("@")[0] if ":" in line else ""
        if name.startswith("gclctl") and name != BRIDGE:
            run(["ip", "link", "del", name], check=False)
            removed.append(name)
    if _link_exists(BRIDGE):
        run(["ip", "link", "del", BRIDGE])
        removed.append(BRIDGE)
    if run(["nft", "list", "table", "inet", NFT_TABLE], check=False).returncode == 0:
        run(["nft", "delete", "table", "inet", NFT_TABLE])
        removed.append(f"nft table inet {NFT_TABLE}")
    _addresses_file().unlink(missing_ok=True)
    return removed

"""One qemu VM for what containers cannot show: kernel audit, `kernel.*` sysctls, a steerable clock.

`up()` boots the cached image (vm_image.py) from its own kernel and initrd on a fresh qcow2
overlay, with user-mode networking whose only door is SSH forwarded from 127.0.0.1, waits
until SSH answers with the per-run key, writes an Ansible inventory snippet and returns a
`VmConnection`. `down()` kills qemu and removes the overlay, the key and the snippet. All
run state lives in one directory outside the repo (docs/lab-vm.md), so a test fixture can
run its own VM beside the operator's by giving another `VmConfig`.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from govcloud.lab.podman import EXIT_USAGE, LabError, require
from govcloud.lab.vm_image import VmImage, ensure_vm_image

NAME = "govcloud-vm"
USER = "debian"
STATE_ENV = "GOVCLOUD_LAB_VM_STATE"
DEFAULT_STATE = Path("/var/lib/govcloud/lab/vm")
DEFAULT_INVENTORY = Path(__file__).resolve().parents[2] / "inventories" / "lab" / "vm.yml"
BOOT_TIMEOUT = 240.0  # a TCG boot takes ~25 s here; a busy machine can take several times that
MEMORY_MIB = 1024
CPUS = 1  # qemu TCG runs one vCPU on one host core; this machine has two
SSH_OPTIONS: tuple[str, ...] = (
    "-o", "BatchMode=yes",
    "-o", "IdentitiesOnly=yes",
    # A fresh VM makes fresh host keys every run: nothing to pin, and nothing to remember.
    "-o", "StrictHostKeyChecking=no",
    "-o", "UserKnownHostsFile=/dev/null",
    "-o", "LogLevel=ERROR",
    "-o", "ConnectTimeout=5",
)  # fmt: skip
# What the snippet says about the VM: a management-zone level-3 host, like mgmt-bastion.
HOST_VARS: dict[str, Any] = {
    "govcloud_mlps_level": 3,
    "govcloud_tenant": "mgmt",
    "govcloud_zones": ["management"],
    "govcloud_role": "vm",
    "govcloud_group": "vm",
    "govcloud_addresses": {},
    "govcloud_lab_vm": True,  # a real kernel: roles may load audit rules, write kernel.* sysctls, steer the clock
}
GROUPS = ("level_3", "zone_management", "tenant_mgmt")

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


@dataclass(frozen=True)
class VmConfig:
    """Where one VM keeps its state and writes its inventory snippet; its size."""

    state_dir: Path = field(default_factory=lambda: Path(os.environ.get(STATE_ENV) or DEFAULT_STATE))
    inventory: Path = DEFAULT_INVENTORY
    memory_mib: int = MEMORY_MIB
    cpus: int = CPUS

    @property
    def overlay(self) -> Path:
        return self.state_dir / "overlay.qcow2"

    @property
    def key(self) -> Path:
        return self.state_dir / "id_ed25519"

    @property
    def serial_log(self) -> Path:
        return self.state_dir / "serial.log"

    @property
    def qemu_log(self) -> Path:
        return self.state_dir / "qemu.log"

    @property
    def pidfile(self) -> Path:
        return self.state_dir / "qemu.pid"

    @property
    def state_file(self) -> Path:
        return self.state_dir / "state.json"


@dataclass(frozen=True)
class VmConnection:
    """How to reach a running VM: what a test fixture or an inventory needs."""

    host: str
    port: int
    user: str
    key: Path
    pid: int
    serial_log: Path
    inventory: Path
    image_key: str

    def ansible_vars(self) -> dict[str, Any]:
        """How Ansible reaches the VM (an inventory host's connection variables)."""
        return {
            "ansible_host": self.host,
            "ansible_port": self.port,
            "ansible_user": self.user,
            "ansible_ssh_private_key_file": str(self.key),
            "ansible_ssh_common_args": "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null",
            "ansible_ssh_pipelining": True,
            "ansible_python_interpreter": "/usr/bin/python3",
        }

    @property
    def control_path(self) -> Path:
        return self.key.parent / "ssh-control"

    def ssh_command(self, *remote: str) -> list[str]:
        # One shared connection: a key exchange costs seconds under software emulation.
        shared = ("-o", "ControlMaster=auto", "-o", f"ControlPath={self.control_path}", "-o", "ControlPersist=120")
        return ["ssh", *SSH_OPTIONS, *shared, "-i", str(self.key), "-p", str(self.port), f"{self.user}@{self.host}",
                *remote]  # fmt: skip

    def close(self) -> None:
        """End the shared SSH connection (its master process), if there is one."""
        command = self.ssh_command()
        subprocess.run([*command[:-1], "-O", "exit", command[-1]], capture_output=True, timeout=10, check=False)

    def run(self, command: str, timeout: float = 60.0, sudo: bool = False) -> subprocess.CompletedProcess[str]:
        """Run one shell command in the VM (as root with `sudo`), never raising on its exit code."""
        remote = f"sudo -n sh -c {_quote(command)}" if sudo else command
        return subprocess.run(self.ssh_command(remote), capture_output=True, text=True, timeout=timeout, check=False)


@dataclass(frozen=True)
class VmStatus:
    state: str  # "absent" (no VM), "running" (qemu up), "dead" (state left, qemu gone)
    connection: VmConnection | None = None
    ssh: bool = False


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (qemu binds it a moment later; `up` retries on a clash)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def kernel_command_line(public_key: str) -> str:
    # The key travels base64-encoded (no spaces) and the image installs it before sshd starts.
    encoded = base64.b64encode(public_key.strip().encode("ascii") + b"\n").decode("ascii")
    # fsck.mode=skip: every run boots a fresh overlay of a disk that was never mounted.
    return f"root=/dev/vda ro console=ttyS0 fsck.mode=skip govcloud.ssh_key={encoded}"


def qemu_command(image: VmImage, config: VmConfig, port: int, public_key: str) -> list[str]:
    """The qemu command line: software emulation, only the devices used, SSH on loopback only."""
    return [
        "qemu-system-x86_64",
        "-name", NAME,
        "-machine", "pc,accel=tcg",
        "-cpu", "max",
        "-smp", str(config.cpus),
        "-m", str(config.memory_mib),
        "-nodefaults",  # no VGA, floppy, CD-ROM or default NIC: less to emulate
        "-display", "none",
        "-kernel", str(image.kernel),
        "-initrd", str(image.initrd),
        "-append", kernel_command_line(public_key),
        "-drive", f"file={config.overlay},if=virtio,format=qcow2,discard=unmap",
        # restrict=on: the guest reaches nothing beyond qemu's own DHCP; hostfwd is the only way in.
        "-netdev", f"user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:{port}-:22",
        "-device", "virtio-net-pci,netdev=net0",
        "-device", "virtio-rng-pci",  # entropy for the first boot's SSH host keys
        "-serial", f"file:{config.serial_log}",
        "-monitor", "none",
        "-daemonize",
        "-pidfile", str(config.pidfile),
    ]  # fmt: skip


def inventory_document(connection: VmConnection) -> dict[str, Any]:
    """The Ansible snippet (yaml inventory plugin): host govcloud-vm in the management zone, level 3."""
    host = connection.ansible_vars()
    children: dict[str, Any] = {"lab_vm": {"hosts": {NAME: None}, "vars": dict(HOST_VARS)}}
    children.update({group: {"hosts": {NAME: None}} for group in GROUPS})
    return {"all": {"hosts": {NAME: host}, "children": children}}


def write_inventory(connection: VmConnection) -> None:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.width = 4096  # one line per value: the ssh args must not be folded
    path = connection.inventory
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        handle.write(
            "# Written by `govcloud lab vm up` (docs/lab-vm.md) for the running lab VM; "
            "`govcloud lab vm down` removes it.\n"
        )
        yaml.dump(inventory_document(connection), handle)


def serial_tail(config: VmConfig, lines: int = 25) -> str:
    try:
        raw = config.serial_log.read_bytes()
    except OSError:
        return "(no serial log)"
    text = raw.decode("utf-8", errors="replace").replace("\r", "")
    kept = [line for line in text.splitlines() if line.strip()][-lines:]
    return "\n".join(kept) or "(the serial log is empty)"


def _qemu_alive(pid: int, config: VmConfig) -> bool:
    """Is `pid` still our qemu? (A recycled pid belongs to something else: never signal it.)"""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return bool(argv) and b"qemu-system" in argv[0] and str(config.overlay).encode() in b" ".join(argv)


def _read_state(config: VmConfig) -> dict[str, Any] | None:
    try:
        state: dict[str, Any] = json.loads(config.state_file.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return None
    except (OSError, json.JSONDecodeError) as exc:
        raise LabError(f"{config.state_file}: unreadable VM state ({exc}); remove {config.state_dir}") from None
    return state


def _connection(state: dict[str, Any], config: VmConfig) -> VmConnection:
    return VmConnection(
        host="127.0.0.1",
        port=int(state["port"]),
        user=USER,
        key=config.key,
        pid=int(state["pid"]),
        serial_log=config.serial_log,
        inventory=Path(state["inventory"]),
        image_key=str(state["image_key"]),
    )


def ssh_answers(connection: VmConnection) -> bool:
    try:
        done = subprocess.run(connection.ssh_command("true"), capture_output=True, text=True, timeout=30, check=False)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def status(config: VmConfig | None = None) -> VmStatus:
    config = config or VmConfig()
    state = _read_state(config)
    if state is None:
        return VmStatus("absent")
    connection = _connection(state, config)
    if not _qemu_alive(connection.pid, config):
        return VmStatus("dead", connection)
    return VmStatus("running", connection, ssh_answers(connection))


def _prepare_state_dir(config: VmConfig) -> None:
    try:
        config.state_dir.mkdir(parents=True, exist_ok=True)
        config.state_dir.chmod(0o700)  # the private key lives here
    except OSError as exc:
        raise LabError(
            f"{config.state_dir}: cannot create the VM's state directory ({exc}); run as root or set {STATE_ENV}",
            EXIT_USAGE,
        ) from None


def _run(command: Sequence[str], what: str, timeout: float = 60.0) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise LabError(f"{what} failed: {done.stderr.strip() or done.stdout.strip() or f'exit {done.returncode}'}")


def _start_qemu(image: VmImage, config: VmConfig, public_key: str) -> tuple[int, int]:
    """Start qemu in the background; returns (port, pid). Retries when the port was taken meanwhile."""
    for _ in range(3):
        port = free_port()
        config.pidfile.unlink(missing_ok=True)
        with config.qemu_log.open("w", encoding="utf-8") as log:
            code = subprocess.run(
                qemu_command(image, config, port, public_key),
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, timeout=60, check=False,
            ).returncode  # fmt: skip
        message = config.qemu_log.read_text(encoding="utf-8", errors="replace").strip()
        if code == 0:
            return port, int(config.pidfile.read_text(encoding="utf-8").strip())
        if "hostfwd" not in message and "forwarding" not in message:
            break
    raise LabError(f"qemu did not start (exit {code}): {message or 'no message'}")


def _wait_for_ssh(connection: VmConnection, config: VmConfig, progress: Progress, timeout: float) -> None:
    started = time.monotonic()
    last_report = 0.0
    while True:
        elapsed = time.monotonic() - started
        if not _qemu_alive(connection.pid, config):
            raise LabError(
                f"qemu exited while the VM booted; serial console ({config.serial_log}):\n{serial_tail(config)}"
            )
        if ssh_answers(connection):
            progress(f"[{elapsed:5.0f} s] SSH answers on 127.0.0.1:{connection.port}")
            return
        if elapsed > timeout:
            raise LabError(
                f"the VM did not answer SSH within {timeout:.0f} s (still running: `govcloud lab vm down` "
                f"removes it); serial console ({config.serial_log}):\n{serial_tail(config)}"
            )
        if elapsed - last_report >= 5:
            progress(f"[{elapsed:5.0f} s] waiting for SSH on 127.0.0.1:{connection.port}")
            last_report = elapsed
        time.sleep(1)


def up(
    config: VmConfig | None = None,
    progress: Progress = _quiet,
    timeout: float = BOOT_TIMEOUT,
    rebuild: bool = False,
    cache: Path | None = None,
) -> VmConnection:
    """Boot the VM (or keep the one running) and wait until SSH answers; write the inventory snippet."""
    config = config or VmConfig()
    require("qemu-system-x86_64", "qemu-img", "ssh", "ssh-keygen", what="the lab VM")
    current = status(config)
    if current.state == "running" and current.connection is not None:
        progress(f"VM {NAME}: already running (qemu pid {current.connection.pid}), kept")
        connection = current.connection
        if connection.inventory != config.inventory:
            connection = _replace_inventory(connection, config)
        _wait_for_ssh(connection, config, progress, timeout)
        write_inventory(connection)
        return connection
    if current.state == "dead":
        progress(f"VM {NAME}: qemu is gone, clearing its old state")
        _clear(config)
    _prepare_state_dir(config)  # before the image: a bad state dir fails in a second, not after a build
    image = ensure_vm_image(progress, rebuild=rebuild, cache=cache)
    config.key.unlink(missing_ok=True)
    config.key.with_suffix(".pub").unlink(missing_ok=True)
    _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"govcloud-lab-{NAME}", "-f", str(config.key)],
         "ssh-keygen")  # fmt: skip
    config.key.chmod(0o600)
    _run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", str(image.disk), str(config.overlay)],
         "qemu-img create (the run's overlay)")  # fmt: skip
    public_key = config.key.with_suffix(".pub").read_text(encoding="ascii")
    port, pid = _start_qemu(image, config, public_key)
    state = {"port": port, "pid": pid, "image_key": image.key, "inventory": str(config.inventory)}
    config.state_file.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    connection = _connection(state, config)
    progress(f"VM {NAME}: qemu pid {pid} (TCG, {config.cpus} vCPU, {config.memory_mib} MiB), "
             f"serial console in {config.serial_log}")  # fmt: skip
    _wait_for_ssh(connection, config, progress, timeout)
    write_inventory(connection)
    return connection


def _replace_inventory(connection: VmConnection, config: VmConfig) -> VmConnection:
    state = {"port": connection.port, "pid": connection.pid, "image_key": connection.image_key,
             "inventory": str(config.inventory)}  # fmt: skip
    config.state_file.write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    connection.inventory.unlink(missing_ok=True)
    return _connection(state, config)


def _clear(config: VmConfig) -> None:
    state = _read_state(config)
    if state is not None:
        Path(state["inventory"]).unlink(missing_ok=True)
    for path in (config.overlay, config.key, config.key.with_suffix(".pub"), config.pidfile, config.state_file,
                 config.serial_log, config.qemu_log, config.state_dir / "ssh-control"):  # fmt: skip
        path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):  # not empty (someone else's files) or already gone: leave it
        config.state_dir.rmdir()


def _pid(config: VmConfig) -> int | None:
    """qemu's pid from the state, or from its pidfile when `up` stopped before writing the state."""
    state = _read_state(config)
    if state is not None:
        return int(state["pid"])
    try:
        return int(config.pidfile.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def down(config: VmConfig | None = None, progress: Progress = _quiet) -> bool:
    """Kill qemu and remove the overlay, the key, the logs and the snippet; True if there was a VM."""
    config = config or VmConfig()
    if not config.state_file.exists() and not config.overlay.exists():
        return False
    state = _read_state(config)
    if state is not None:  # the shared SSH connection's master process goes with the VM
        _connection(state, config).close()
    pid = _pid(config)
    if pid is not None and _qemu_alive(pid, config):
        progress(f"VM {NAME}: stopping qemu pid {pid}")
        os.kill(pid, signal.SIGTERM)  # the overlay is thrown away: no need for a clean shutdown
        deadline = time.monotonic() + 10
        while _qemu_alive(pid, config) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _qemu_alive(pid, config):
            os.kill(pid, signal.SIGKILL)
    _clear(config)
    return True


def describe(connection: VmConnection) -> dict[str, Any]:
    """The connection as plain data (paths as strings), e.g. for `--json` output or a test report."""
    data = asdict(connection)
    return {key: str(value) if isinstance(value, Path) else value for key, value in data.items()}

"""Converge hosts with `playbooks/site.yml` through ansible-runner, with progress per host and task.

The result keeps, for every host and role, how many tasks changed something: a second
converge must show none (idempotence), and the failures, named by host and task.
Artifacts (events, with `no_log` tasks censored by Ansible) stay in the lab's state folder,
outside the repository; only the last few runs are kept.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from govcloud.lab.access import state_dir
from govcloud.lab.podman import EXIT_USAGE, LabError

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOK = ROOT / "playbooks" / "site.yml"
ANSIBLE_CFG = ROOT / "ansible.cfg"
KEEP_RUNS = 5

Progress = Callable[[str], None]


@dataclass
class ConvergeResult:
    status: str  # ansible-runner's: successful, failed, timeout, canceled
    rc: int
    seconds: float
    changed: dict[tuple[str, str], int] = field(default_factory=dict)  # (host, role) → tasks that changed
    failures: list[str] = field(default_factory=list)  # "host: role : task: message"
    hosts: set[str] = field(default_factory=set)
    tasks: int = 0

    @property
    def ok(self) -> bool:
        return self.status == "successful" and self.rc == 0 and not self.failures

    def changed_total(self, host: str | None = None) -> int:
        return sum(n for (h, _), n in self.changed.items() if host is None or h == host)


def _task_label(data: dict[str, Any]) -> str:
    role = str(data.get("role") or "")
    task = str(data.get("task") or "")
    return f"{role} : {task}" if role and not task.startswith(f"{role} : ") else task


def _message(res: dict[str, Any]) -> str:
    for key in ("msg", "stderr", "reason"):
        value = res.get(key)
        if value:
            return str(value).strip().splitlines()[-1][:300]
    return "failed"


class _Watcher:
    """Turns ansible-runner events into progress lines and the result's counts."""

    def __init__(self, result: ConvergeResult, progress: Progress, started: float) -> None:
        self.result = result
        self.progress = progress
        self.started = started

    def say(self, line: str) -> None:
        self.progress(f"[{time.monotonic() - self.started:5.0f} s] {line}")

    def __call__(self, event: dict[str, Any]) -> bool:
        kind = str(event.get("event", ""))
        data: dict[str, Any] = event.get("event_data") or {}
        host = str(data.get("host") or "")
        raw = data.get("res")
        res: dict[str, Any] = raw if isinstance(raw, dict) else {}
        if kind == "playbook_on_play_start":
            self.say(f"play: {data.get('play', '')}")
        elif kind == "playbook_on_task_start":
            self.result.tasks += 1
        elif kind == "runner_on_ok":
            self.result.hosts.add(host)
            if res.get("changed"):
                key = (host, str(data.get("role") or "-"))
                self.result.changed[key] = self.result.changed.get(key, 0) + 1
                self.say(f"{host}: changed: {_task_label(data)}")
        elif kind in ("runner_on_failed", "runner_on_unreachable") and not data.get("ignore_errors"):
            self.result.hosts.add(host)
            what = "unreachable" if kind == "runner_on_unreachable" else "failed"
            line = f"{host}: {what}: {_task_label(data)}: {_message(res)}"
            self.result.failures.append(line)
            self.say(line)
        elif kind == "playbook_on_stats":
            self.say("recap")
        return True


def converge(
    inventory: Path,
    progress: Progress,
    limit: Sequence[str] = (),
    tags: Sequence[str] = (),
    forks: int = 8,
    playbook: Path = PLAYBOOK,
) -> ConvergeResult:
    """Run the playbook on the inventory's hosts (all, or `limit`) and report what changed."""
    try:
        import ansible_runner
    except ImportError:  # the venv from requirements.txt has it
        raise LabError("ansible-runner is not installed (make setup installs requirements.txt)", EXIT_USAGE) from None
    if not inventory.is_file():
        raise LabError(f"{inventory}: no such inventory (govcloud lab up writes it)", EXIT_USAGE)
    binary = Path(sys.executable).parent / "ansible-playbook"
    if not binary.exists():
        raise LabError(f"{binary}: not found (ansible is in requirements.txt: make setup)", EXIT_USAGE)
    artifacts = state_dir() / "runner" / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    result = ConvergeResult(status="", rc=-1, seconds=0.0)
    envvars = {
        "ANSIBLE_CONFIG": str(ANSIBLE_CFG),
        "PATH": f"{binary.parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    cmdline = f"--tags {','.join(tags)}" if tags else None
    # A private data dir of its own for every run: ansible-runner keeps the options it was given
    # there (env/cmdline, env/envvars) and would apply them to the next run, so one
    # `--tags ssh` would silently narrow every later converge. Only the artifacts are kept.
    with tempfile.TemporaryDirectory(prefix="govcloud-runner-") as private:
        runner = ansible_runner.run(
            private_data_dir=private,
            artifact_dir=str(artifacts),
            project_dir=str(playbook.parent),
            playbook=str(playbook),
            inventory=str(inventory.resolve()),
            envvars=envvars,
            limit=",".join(limit) or None,
            cmdline=cmdline,
            forks=forks,
            quiet=True,
            rotate_artifacts=KEEP_RUNS,
            event_handler=_Watcher(result, progress, started),
        )
    result.status = str(runner.status)
    result.rc = int(runner.rc if runner.rc is not None else -1)
    result.seconds = time.monotonic() - started
    if result.rc != 0 and not result.failures:
        tail = runner.stdout.read().strip().splitlines()[-5:] if runner.stdout else []
        result.failures.append("ansible-playbook: " + (" | ".join(tail) or f"exit {result.rc}"))
    return result

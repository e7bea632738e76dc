"""The state folder: generated configs, data, logs, pid files and the per-install secrets.

Everything the local cloud writes lives here, outside the repository, so `down` plus
removing the folder returns the machine to where it was (apart from the apt packages).
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

DEFAULT_STATE = Path("/var/lib/govcloud/cloud")
SECRET_NAMES = ("admin", "service", "database", "rabbit", "fixed_key")


def state_root() -> Path:
    """GOVCLOUD_CLOUD_STATE, else /var/lib/govcloud/cloud."""
    return Path(os.environ.get("GOVCLOUD_CLOUD_STATE") or DEFAULT_STATE)


@dataclass(frozen=True)
class CloudState:
    root: Path

    @classmethod
    def default(cls) -> CloudState:
        return cls(state_root())

    @property
    def etc(self) -> Path:
        return self.root / "etc"

    @property
    def log(self) -> Path:
        return self.root / "log"

    @property
    def run(self) -> Path:
        return self.root / "run"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def done(self) -> Path:
        """Markers of one-time steps (database schemas, keystone keys) already done."""
        return self.root / "done"

    @property
    def pylib(self) -> Path:
        """Extra Python path for the services: the ML2 bind-every-port driver."""
        return self.root / "pylib"

    @property
    def secrets_file(self) -> Path:
        return self.root / "secrets.json"

    @property
    def socket(self) -> Path:
        return self.run / "mysqld.sock"

    def make_dirs(self) -> None:
        for path in (self.etc, self.log, self.run, self.data, self.done, self.pylib):
            path.mkdir(parents=True, exist_ok=True)
        self.root.chmod(0o700)  # secrets and keys live below: no one else reads them

    def secrets(self) -> dict[str, str]:
        """The passwords of this install: made once, kept mode 0600, never printed."""
        if self.secrets_file.exists():
            stored: dict[str, str] = json.loads(self.secrets_file.read_text())
            if all(name in stored for name in SECRET_NAMES):
                return stored
        made = {name: secrets.token_hex(16) for name in SECRET_NAMES}
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.secrets_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(made, handle)
        return made

    def marker(self, step: str) -> Path:
        return self.done / step

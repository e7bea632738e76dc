"""The directory test people's credentials, made fresh for each test run and never written to the repo.

tests/trust/vars/directory.yml declares who the people are (login, uid, groups); this module gives
each an SSH key pair, a TOTP secret and a shared sudo password, once per Python process (the
converge and the tests read the same values). `extra_vars` is what the converge passes to
site.yml as a mode-0600 file in the run's temporary folder.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PEOPLE_FILE = Path(__file__).resolve().parent / "vars" / "directory.yml"


@dataclass(frozen=True)
class Credentials:
    password: str  # every test person's sudo password
    totp_secrets: dict[str, str]  # login -> hex secret
    private_keys: dict[str, str]  # login -> OpenSSH private key
    public_keys: dict[str, str]  # login -> authorized_keys line


def ssha(password: str) -> str:
    """An LDAP {SSHA} userPassword value: base64(SHA-1(password + salt) + salt)."""
    salt = secrets.token_bytes(8)
    digest = hashlib.sha1(password.encode() + salt).digest()  # the scheme slapd checks by default
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def key_pair(comment: str) -> tuple[str, str]:
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode()
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return private, f"{public.decode()} {comment}"


def people() -> list[dict[str, Any]]:
    declared: list[dict[str, Any]] = yaml.safe_load(PEOPLE_FILE.read_text(encoding="utf-8"))["test_directory_people"]
    return declared


@cache
def credentials() -> Credentials:
    logins = [person["name"] for person in people()]
    pairs = {login: key_pair(f"test-only {login}") for login in logins}
    return Credentials(
        # letters, digits and a sign: whatever the password policy asks of a new password
        password=f"T-{secrets.token_urlsafe(16)}-9a",
        totp_secrets={login: secrets.token_hex(20) for login in logins},
        private_keys={login: private for login, (private, _) in pairs.items()},
        public_keys={login: public for login, (_, public) in pairs.items()},
    )


def extra_vars() -> dict[str, Any]:
    """The role variables that carry the credentials: directory_people (keys, hash) and the TOTP secrets."""
    made = credentials()
    password_hash = ssha(made.password)
    directory_people = [
        {**person, "ssh_keys": [made.public_keys[person["name"]]], "password_hash": password_hash}
        for person in people()
    ]
    return {"directory_people": directory_people, "directory_totp_secrets": dict(made.totp_secrets)}


def write_extra_vars(path: Path) -> Path:
    """The extra-vars file (mode 0600) for ansible-playbook -e @path; written once per run."""
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(yaml.safe_dump(extra_vars(), sort_keys=False), encoding="utf-8")
    return path

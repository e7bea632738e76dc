"""The one exception the cloud commands raise, with the exit code it maps to."""

from __future__ import annotations


class CloudError(Exception):
    """A step failed; `exit_code` 1 for a service that failed, 2 for bad setup (not root, no apt)."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code

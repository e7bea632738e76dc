"""`govcloud cloud`: a small real OpenStack (Zed, Debian's packages) on 127.0.0.1 (docs/cloud.md)."""

from __future__ import annotations

from govcloud.cloud.errors import CloudError
from govcloud.cloud.state import CloudState

__all__ = ["CloudError", "CloudState"]

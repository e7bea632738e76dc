"""The local lab: the plan's hosts as podman containers running systemd (docs/lab.md).

image.py builds and caches the base image, hosts.py picks the plan's hosts, podman.py
talks to podman, lab.py brings the lab up and down.
"""

from __future__ import annotations

from govcloud.lab.hosts import select_hosts
from govcloud.lab.image import BaseImage, base_image, ensure_image
from govcloud.lab.lab import LabHost, down, status, up
from govcloud.lab.podman import LabError

__all__ = ["BaseImage", "LabError", "LabHost", "base_image", "down", "ensure_image", "select_hosts", "status", "up"]

"""Legacy hosts to approved flavors and images, each choice with the reason for it."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from govcloud.catalog.model import Flavor, Image, Platform
from govcloud.migrate.model import LegacyHost

HEADROOM = 1.25  # sized from observed peaks: 25 % above the peak
VOLUME_STEP_GB = 10
MAX_VOLUME_GB = 16384  # the catalog's largest volume

# (pattern over the legacy OS, preferred images in order, why)
OS_LINEAGE: tuple[tuple[str, tuple[str, ...], str, str], ...] = (
    (r"kylin|麒麟", ("kylin-server-v10",), "same distribution (Kylin)", "同一发行版（麒麟）"),
    (r"\buos\b|统信|deepin|深度", ("uos-server",), "same distribution (UOS)", "同一发行版（统信 UOS）"),
    (r"euler|欧拉", ("openeuler",), "same distribution (openEuler)", "同一发行版（openEuler）"),
    (
        r"centos|red ?hat|rhel|rocky|alma|oracle linux|suse|neokylin|中标",
        ("openeuler", "kylin-server-v10"),
        "RPM lineage: openEuler takes over from CentOS/RHEL-family systems (CentOS is end of life)",
        "RPM 系：以 openEuler 承接 CentOS/RHEL 系系统（CentOS 已停止维护）",
    ),
    (
        r"debian|ubuntu",
        ("uos-server", "debian-12"),
        "Debian lineage: UOS server is Debian-based and domestic",
        "Debian 系：统信 UOS 服务器版基于 Debian，且为国产操作系统",
    ),
)


class SizingError(Exception):
    """A legacy host no approved flavor can hold; `field` is the host field to point at."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Sizing:
    flavor: Flavor
    data_gb: int  # volume beside the flavor's root disk (0: none)
    why_en: str
    why_zh: str


@dataclass(frozen=True)
class ImageChoice:
    image: Image
    why_en: str
    why_zh: str
    replatform: bool  # no lineage match (e.g. Windows): the application must be re-platformed


def _need(total: int, peak: int | None) -> int:
    if peak is None:
        return total
    return max(1, min(total, math.ceil(total * peak / 100 * HEADROOM)))


def size_host(host: LegacyHost, platform: Platform) -> Sizing:
    """The smallest approved flavor covering the cores and memory the host needs.

    Needs come from the host's current size, or from its observed peak plus 25 % headroom
    when a peak is given (never more than it has today). Disk beyond the flavor's root disk
    becomes a data volume. Raises SizingError when nothing approved is large enough.
    """
    cores = _need(host.cpu, host.peak_cpu_percent)
    ram_mb = _need(host.memory_gb * 1024, host.peak_memory_percent)
    flavors = sorted(platform.flavors, key=lambda f: (f.vcpus, f.ram_mb, f.disk_gb, f.name))
    biggest_cpu = max(f.vcpus for f in flavors)
    biggest_ram = max(f.ram_mb for f in flavors)
    if cores > biggest_cpu:
        raise SizingError(
            "cpu" if host.peak_cpu_percent is None else "peak_cpu_percent",
            f"needs {cores} vCPU and the largest approved flavor has {biggest_cpu} "
            f"(allowed: at most {biggest_cpu} cores, or a peak_cpu_percent that brings the need within it)",
        )
    if ram_mb > biggest_ram:
        raise SizingError(
            "memory_gb" if host.peak_memory_percent is None else "peak_memory_percent",
            f"needs {math.ceil(ram_mb / 1024)} GiB of memory and the largest approved flavor has "
            f"{biggest_ram // 1024} GiB (allowed: at most {biggest_ram // 1024} GiB, or a peak_memory_percent "
            "that brings the need within it)",
        )
    flavor = next(f for f in flavors if f.vcpus >= cores and f.ram_mb >= ram_mb)
    extra = max(0, host.disk_gb - flavor.disk_gb)
    data_gb = math.ceil(extra / VOLUME_STEP_GB) * VOLUME_STEP_GB if extra else 0
    if data_gb > MAX_VOLUME_GB:
        raise SizingError(
            "disk_gb",
            f"needs a {data_gb} GiB data volume beside the {flavor.disk_gb} GiB root disk "
            f"(allowed: at most {flavor.disk_gb + MAX_VOLUME_GB} GiB in all; split the data first)",
        )
    basis_en = f"{host.cpu} cores / {host.memory_gb} GiB today"
    basis_zh = f"现有 {host.cpu} 核 / {host.memory_gb} GiB"
    peaks_en = [
        f"{what} peak {value}%"
        for what, value in (("CPU", host.peak_cpu_percent), ("memory", host.peak_memory_percent))
        if value
    ]
    peaks_zh = [
        f"{what}峰值 {value}%"
        for what, value in (("CPU ", host.peak_cpu_percent), ("内存", host.peak_memory_percent))
        if value
    ]
    if peaks_en:
        basis_en += f", {' and '.join(peaks_en)} + 25% headroom"
        basis_zh += f"，{'、'.join(peaks_zh)}，另留 25% 余量"
    disk_en = f"; {host.disk_gb} GiB disk: {flavor.disk_gb} GiB root" + (
        f" + {data_gb} GiB data volume" if data_gb else ""
    )
    disk_zh = f"；磁盘 {host.disk_gb} GiB：系统盘 {flavor.disk_gb} GiB" + (
        f" + 数据卷 {data_gb} GiB" if data_gb else ""
    )
    why_en = (
        f"{host.name}: {basis_en} -> needs {cores} vCPU / {ram_mb / 1024:g} GiB; {flavor.name} "
        f"({flavor.vcpus} vCPU, {flavor.ram_mb // 1024} GiB) is the smallest approved flavor that fits{disk_en}"
    )
    why_zh = (
        f"{host.name}：{basis_zh}，需 {cores} vCPU / {ram_mb / 1024:g} GiB；{flavor.name}"
        f"（{flavor.vcpus} vCPU，{flavor.ram_mb // 1024} GiB）是能容纳的最小批准规格{disk_zh}"
    )
    return Sizing(flavor, data_gb, why_en, why_zh)


def choose_image(host: LegacyHost, platform: Platform, mlps_level: int) -> ImageChoice:
    """The approved image closest to the host's OS; domestic ones preferred at level 3 and up."""
    images = {i.name: i for i in platform.images}
    if host.image is not None and host.image in images:
        return ImageChoice(images[host.image], "chosen in the legacy file", "由迁移描述文件指定", False)
    os_text = host.os.lower()
    for pattern, preferred, why_en, why_zh in OS_LINEAGE:
        if not re.search(pattern, os_text):
            continue
        candidates = [i for prefix in preferred for i in platform.images if i.name.startswith(prefix)]
        if mlps_level >= 3:
            candidates.sort(key=lambda i: not i.domestic)  # stable: keeps the preference order
        if candidates:
            return ImageChoice(candidates[0], f"{host.os}: {why_en}", f"{host.os}：{why_zh}", False)
    fallback = next((i for i in platform.images if i.domestic), platform.images[0])
    return ImageChoice(
        fallback,
        f"{host.os}: no approved image of its lineage; re-platform onto {fallback.name} and test",
        f"{host.os}：无同系批准镜像，需改造迁移到 {fallback.name} 并测试",
        True,
    )

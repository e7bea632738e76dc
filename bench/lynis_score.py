"""Lynis hardening index of lab hosts: a bare container of the lab image, hardened lab hosts, the VM.

    .venv/bin/python -m bench.lynis_score --bare                       # a throwaway container of the image
    .venv/bin/python -m bench.lynis_score --container govcloud-mgmt-ntp-1
    .venv/bin/python -m bench.lynis_score --vm                          # the running `govcloud lab vm`

Lynis comes from Debian (`apt-get download lynis` into a temporary folder, with the machine's
own apt sources) and is installed inside each host with dpkg, then
`lynis audit system --quick` runs there, as the issue's yardstick asks. Prints one line per
host: the index and Lynis' suggestions (ids), so what is left can be read at a glance.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench.lab_hosts import ContainerTarget, Target, apt_download, running_vm, throwaway_lab_host

REPORT = "/var/log/lynis-report.dat"
AUDIT = f"dpkg -i /tmp/lynis.deb >/dev/null && lynis audit system --quick --no-colors >/dev/null 2>&1; cat {REPORT}"


def download_lynis(folder: Path) -> Path:
    (deb,) = apt_download(["lynis"], folder)
    return deb


def summary(report: str) -> str:
    lines = report.splitlines()
    index = next((line.split("=", 1)[1] for line in lines if line.startswith("hardening_index=")), "?")
    hints = sorted({line.split("=", 1)[1].split("|", 1)[0] for line in lines if line.startswith("suggestion[]=")})
    return f"hardening index {index}; suggestions: {' '.join(hints)}"


def audit(host: Target, deb: Path) -> str:
    host.put(deb, "/tmp/lynis.deb")
    return summary(host.run(AUDIT, timeout=1800).stdout)


def bare(deb: Path) -> str:
    with throwaway_lab_host("govcloud-bench-lynis-bare") as host:
        return audit(host, deb)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bare", action="store_true", help="a throwaway container of the lab image")
    parser.add_argument("--container", action="append", default=[], metavar="NAME", help="a running lab container")
    parser.add_argument("--vm", action="store_true", help="the running lab VM")
    args = parser.parse_args(argv)
    if not (args.bare or args.container or args.vm):
        parser.error("name at least one host: --bare, --container NAME or --vm")
    with tempfile.TemporaryDirectory() as folder:
        deb = download_lynis(Path(folder))
        if args.bare:
            print(f"bare lab image: {bare(deb)}")
        for name in args.container:
            print(f"{name}: {audit(ContainerTarget(name), deb)}")
        if args.vm:
            print(f"lab VM: {audit(running_vm(), deb)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

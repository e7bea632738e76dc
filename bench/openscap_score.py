"""OpenSCAP ANSSI BP-028 intermediary score of lab hosts, with Debian 12's own datastream.

    .venv/bin/python -m bench.openscap_score --bare                       # a throwaway container of the image
    .venv/bin/python -m bench.openscap_score --container govcloud-mgmt-ntp-1 --keep out/bench/openscap
    .venv/bin/python -m bench.openscap_score --vm                         # after `govcloud lab vm converge`

The datastream is `ssg-debian12-ds.xml` from trixie's `ssg-debian` (bookworm's package predates
the Debian 12 product), fetched with the machine's own mirror into a temporary apt state. The
scanner (bookworm's openscap-scanner) and linux-base, which the kernel rules read, are installed
inside each host from .deb files, because lab hosts have no mirror; the scan runs there, not on an
exported copy (`oscap-chroot` fails every package check). Prints the score and the rule counts per
result; `--keep DIR` keeps each host's results XML, HTML report and the failing rule ids.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from bench.lab_hosts import (
    ContainerTarget,
    Target,
    apt_download,
    install_debs,
    missing_in,
    running_vm,
    suite_apt_options,
    throwaway_lab_host,
)

DATASTREAM = "ssg-debian12-ds.xml"
PROFILE = "xccdf_org.ssgproject.content_profile_anssi_bp28_intermediary"
RULE_PREFIX = "xccdf_org.ssgproject.content_rule_"
SCANNER_PACKAGES = ("openscap-scanner", "linux-base")
IN_HOST = "/tmp/govcloud-oscap"


@dataclass
class ScanResult:
    score: float
    counts: dict[str, int] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)

    def line(self) -> str:
        counts = ", ".join(f"{result} {n}" for result, n in sorted(self.counts.items()))
        return f"score {self.score:.2f}; {counts}"


def fetch_datastream(folder: Path) -> Path:
    with suite_apt_options("trixie") as options:
        (deb,) = apt_download(["ssg-debian"], folder, options)
    subprocess.run(["dpkg-deb", "-x", str(deb), str(folder / "ssg")], check=True)
    return next((folder / "ssg").rglob(DATASTREAM))


def parse_results(xml: bytes) -> ScanResult:
    root = ET.fromstring(xml)
    test = next(root.iter("{http://checklists.nist.gov/xccdf/1.2}TestResult"))
    score = next(e for e in test.iter("{http://checklists.nist.gov/xccdf/1.2}score"))
    result = ScanResult(score=float(score.text or "0"))
    for rule in test.iter("{http://checklists.nist.gov/xccdf/1.2}rule-result"):
        outcome = rule.findtext("{http://checklists.nist.gov/xccdf/1.2}result") or "unknown"
        result.counts[outcome] = result.counts.get(outcome, 0) + 1
        if outcome == "fail":
            result.failed.append(rule.get("idref", "").removeprefix(RULE_PREFIX))
    return result


def scan(host: Target, datastream: Path, debs: Path, keep: Path | None) -> ScanResult:
    with tempfile.TemporaryDirectory(dir=debs) as folder:
        missing = missing_in(host, SCANNER_PACKAGES, Path(folder))
        install_debs(host, apt_download(missing, Path(folder)))
    host.run(f"mkdir -p {IN_HOST}")
    host.put(datastream, f"{IN_HOST}/{DATASTREAM}")
    # oscap exits 2 when a rule fails, which is the point of the scan: only 1 is an error.
    done = host.run(f"oscap xccdf eval --profile {PROFILE} --results {IN_HOST}/results.xml "
                    f"--report {IN_HOST}/report.html {IN_HOST}/{DATASTREAM}", timeout=3600, check=False)  # fmt: skip
    if done.returncode not in (0, 2):
        raise SystemExit(f"{host.name}: oscap failed (exit {done.returncode}): {done.stderr.strip()[-2000:]}")
    results = host.run(f"cat {IN_HOST}/results.xml", timeout=300).stdout
    result = parse_results(results.encode())
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        stem = host.name.replace(" ", "-")
        (keep / f"{stem}-results.xml").write_text(results)
        (keep / f"{stem}-report.html").write_text(host.run(f"cat {IN_HOST}/report.html", timeout=300).stdout)
        (keep / f"{stem}-failed.json").write_text(json.dumps(result.failed, indent=1) + "\n")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bare", action="store_true", help="a throwaway container of the lab image")
    parser.add_argument("--container", action="append", default=[], metavar="NAME", help="a running lab container")
    parser.add_argument(
        "--vm", action="store_true", help="the running lab VM (harden it first: govcloud lab vm converge)"
    )
    parser.add_argument("--keep", type=Path, metavar="DIR", help="keep results, reports and failing rule ids here")
    args = parser.parse_args(argv)
    if not (args.bare or args.container or args.vm):
        parser.error("name at least one host: --bare, --container NAME or --vm")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        datastream = fetch_datastream(folder)
        if args.bare:
            with throwaway_lab_host("govcloud-bench-oscap-bare") as host:
                print(f"bare lab image: {scan(host, datastream, folder, args.keep).line()}", flush=True)
        for name in args.container:
            print(f"{name}: {scan(ContainerTarget(name), datastream, folder, args.keep).line()}", flush=True)
        if args.vm:
            print(f"lab VM: {scan(running_vm(), datastream, folder, args.keep).line()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The floor: Pulumi's mock engine registering N bare resources, nothing else.

Run in a fresh interpreter (`python -m bench.bare_engine N`) so the measurement includes
what `govcloud plan` also pays: interpreter start, importing pulumi_openstack, the mock
engine. The resources are a realistic mix with a few inputs: one security group per ten,
and nine rules referencing its id (so outputs resolve and dependencies are recorded).
Awaited the way @pulumi.runtime.test does it. Prints one JSON line of timings.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

T0 = time.perf_counter()

import pulumi  # noqa: E402
import pulumi_openstack as openstack  # noqa: E402
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs, Mocks, set_mocks  # noqa: E402
from pulumi.runtime.stack import run_pulumi_func  # noqa: E402
from pulumi.runtime.sync_await import _sync_await  # noqa: E402

GROUP_EVERY = 10


class BareMocks(Mocks):
    def __init__(self) -> None:
        self.registered = 0

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        self.registered += 1
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: MockCallArgs) -> dict[Any, Any]:  # type: ignore[override]
        return {}


def program(count: int) -> None:
    group: openstack.networking.SecGroup | None = None
    for i in range(count):
        if group is None or i % GROUP_EVERY == 0:
            group = openstack.networking.SecGroup(
                f"sg-{i}", name=f"sg-{i}", description="bench", delete_default_rules=True, tags=["bench"]
            )
            continue
        openstack.networking.SecGroupRule(
            f"rule-{i}",
            security_group_id=group.id,
            direction="ingress",
            ethertype="IPv4",
            protocol="tcp",
            port_range_min=1000 + i % 60000,
            port_range_max=1000 + i % 60000,
            remote_ip_prefix=f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}/32",
            description=f"rule {i}",
        )


def run(count: int) -> dict[str, float]:
    imported = time.perf_counter()
    mocks = BareMocks()
    set_mocks(mocks, project="bench", stack="bench", preview=False)
    settings = pulumi.runtime.settings.SETTINGS
    settings.rpc_manager.clear()
    settings.outputs.clear()
    _sync_await(run_pulumi_func(lambda: program(count)))
    done = time.perf_counter()
    if mocks.registered != count:
        raise SystemExit(f"registered {mocks.registered} resources, expected {count}")
    return {"resources": mocks.registered, "import_s": imported - T0, "engine_s": done - imported}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not argv[0].isdigit():
        print("usage: python -m bench.bare_engine N", file=sys.stderr)
        return 2
    print(json.dumps(run(int(argv[0]))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

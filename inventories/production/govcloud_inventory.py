#!/usr/bin/env python3
"""Ansible dynamic inventory of the real govcloud stack (docs/inventory.md).

    ansible-inventory -i inventories/production/govcloud_inventory.py --graph

Reads `pulumi stack output --json` (run in the Pulumi project, for $GOVCLOUD_STACK or the
current stack), or a saved copy from $GOVCLOUD_STACK_OUTPUT=<file> ('-': standard input), or
the cloud itself with $GOVCLOUD_INVENTORY_SOURCE=cloud (openstacksdk, $OS_CLOUD). Builds the
same hosts, variables and groups as `govcloud inventory` does for the lab, with the same
function (govcloud.inventory.build_inventory). Bad input: a message on stderr, exit 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the Pulumi project and the govcloud package
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from govcloud.inventory import (  # noqa: E402  (after the path is set)
    InventoryError,
    build_inventory,
    production_hosts,
    script_host,
    script_list,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--list", action="store_true", help="every group and host, with _meta.hostvars")
    mode.add_argument("--host", metavar="NAME", help="one host's variables ({} for an unknown host)")
    args = parser.parse_args(argv)
    try:
        hosts, services, _ = production_hosts(ROOT)
        inventory = build_inventory(hosts, services=services)
    except InventoryError as exc:
        print(f"govcloud_inventory: {exc}", file=sys.stderr)
        return 2
    doc = script_list(inventory) if args.list else script_host(inventory, args.host)
    json.dump(doc, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

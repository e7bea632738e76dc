#!/usr/bin/env bash
# Removes what an interrupted test run leaves running, so that the next run starts clean: the lab
# (containers labelled govcloud.lab=1 and its networks), the trust suite's zones
# (govcloud-trust-test-*) and the local cloud. The lab tests refuse to start over an existing lab
# rather than remove it; on a CI machine nothing else runs, so this removes it for them.
# Not for a workstation: it takes down a developer's own lab and cloud as well.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/govcloud lab down
zones=$(podman ps --all --format '{{.Names}}' | grep '^govcloud-trust-test-' || true)
# The hosts join their zone's -net container's namespace, so they go first.
for name in $(grep -v -- '-net$' <<<"$zones") $(grep -- '-net$' <<<"$zones"); do
    podman rm --force --time 0 "$name" >/dev/null
    echo "trust test zone: removed $name"
done
.venv/bin/govcloud cloud down

"""Entry point Pulumi runs for `--policy-pack policies`: only assembles the pack.

PolicyPack(...) starts a gRPC server and blocks, so the rules live in importable modules
(mlps/) and nothing else builds the pack.
"""

from mlps.pack import build_pack

build_pack()

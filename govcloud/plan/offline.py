"""The offline plan: the Pulumi program of stacks/ run under the mock engine."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from govcloud.catalog.loader import Catalog
from govcloud.plan.document import build_plan, duplicate_urns
from govcloud.plan.engine import run_offline
from govcloud.plan.stack_config import read_stack_config

PROJECT = "govcloud"


class DuplicateUrnsError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def plan_catalog(
    catalog: Catalog,
    *,
    stack: str = "lab",
    project_dir: Path = Path("."),
    on_register: Callable[[int], None] = lambda n: None,
) -> dict[str, Any]:
    """Plan `catalog` with stack `stack`'s settings; raise DuplicateUrnsError like the engine would."""
    # Only the offline plan imports the Pulumi program (dependencies point one way).
    from stacks.program import deploy
    from stacks.settings import read_settings

    config, secret_keys = read_stack_config(project_dir, stack)
    config["govcloud:catalog"] = str(catalog.root)

    def program() -> None:
        deploy(catalog, read_settings())

    recording = run_offline(program, PROJECT, stack, config, secret_keys, on_register)
    duplicates = duplicate_urns(recording.registrations)
    if duplicates:
        raise DuplicateUrnsError([str(d) for d in duplicates])
    return build_plan(
        recording,
        project=PROJECT,
        stack=stack,
        catalog_path=str(catalog.root),
        catalog_digest=catalog.digest,
    )

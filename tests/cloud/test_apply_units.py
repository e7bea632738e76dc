"""`cloud apply` without a cloud: the order servers are booted in."""

from __future__ import annotations

from govcloud.cloud.apply import boot_rounds
from govcloud.live.model import Record


def server(project: str, name: str, group: str | None) -> Record:
    return Record("server", (project, name), {"server_group": group})


def test_members_of_one_group_never_boot_in_the_same_round() -> None:
    servers = [
        server("agri", "app-1", "app-spread"),
        server("agri", "app-2", "app-spread"),
        server("agri", "db-1", None),
        server("finance", "app-1", "app-spread"),  # same group name, another project: its own group
        server("finance", "app-2", "app-spread"),
        server("agri", "app-3", "app-spread"),
    ]
    rounds = [[r.key for r in batch] for batch in boot_rounds(servers)]
    assert rounds == [
        [("agri", "app-1"), ("agri", "db-1"), ("finance", "app-1")],
        [("agri", "app-2"), ("finance", "app-2")],
        [("agri", "app-3")],
    ]


def test_no_servers_no_rounds() -> None:
    assert boot_rounds([]) == []

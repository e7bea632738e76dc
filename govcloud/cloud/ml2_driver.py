"""The ML2 mechanism driver that binds every port: neutron-server runs with no agents here.

Without an agent no driver would bind a port, and nova refuses to boot a server on a port
whose binding failed. The driver is written into the state folder with an entry point
(ML2 loads mechanism drivers by entry-point name only) and put on the services' PYTHONPATH.
"""

from __future__ import annotations

from pathlib import Path

NAME = "govcloud_bindall"
MODULE = "govcloud_bindall"

SOURCE = '''"""govcloud: an ML2 mechanism driver that binds every port to the first segment."""

from neutron_lib import constants
from neutron_lib.api.definitions import portbindings
from neutron_lib.plugins.ml2 import api


class BindAllDriver(api.MechanismDriver):
    def initialize(self):
        pass

    def bind_port(self, context):
        for segment in context.segments_to_bind:
            context.set_binding(
                segment[api.ID],
                portbindings.VIF_TYPE_OTHER,
                {portbindings.CAP_PORT_FILTER: False},
                status=constants.PORT_STATUS_ACTIVE,
            )
            return
'''

ENTRY_POINTS = f"[neutron.ml2.mechanism_drivers]\n{NAME} = {MODULE}:BindAllDriver\n"
METADATA = f"Metadata-Version: 2.1\nName: {MODULE}\nVersion: 1.0\n"


def write_driver(pylib: Path) -> None:
    """The module and a dist-info that stevedore's entry-point scan finds on sys.path."""
    (pylib / f"{MODULE}.py").write_text(SOURCE)
    info = pylib / f"{MODULE}-1.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(METADATA)
    (info / "entry_points.txt").write_text(ENTRY_POINTS)

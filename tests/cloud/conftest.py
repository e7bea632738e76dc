"""The cloud tests: unit tests need nothing; the live ones (marker `cloud`) use the real local cloud (root).

Each live module brings the cloud up when it is not (`up` is idempotent and takes seconds on a
running cloud); test_cloud_live.py also takes it down to prove nothing is left listening. At the
end of this package the cloud is taken down, pass or fail, so no test run leaves daemons behind
and the tests after it do not share the machine's two cores with OpenStack's idle daemons.
Nothing is skipped: without root, Debian's apt mirror or a free port the live tests fail, saying why.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from govcloud.cloud import CloudState
from govcloud.cloud import cloud as local_cloud


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "cloud: brings the local OpenStack up and down (~6 minutes bare, ~1 minute installed)"
    )


@pytest.fixture(scope="package", autouse=True)
def cloud_down_at_the_end() -> Iterator[None]:
    yield
    state = CloudState.default()
    if any(service.healthy or service.pid for service in local_cloud.status(state)):
        local_cloud.down(state, lambda line: None)

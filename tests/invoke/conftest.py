"""What the sam local tests share: the local AWS that sam local's containers reach, in us-east-1 as
`make backend` serves it (local/env.json names its tables there)."""

from collections.abc import Iterator

import pytest

from tools.local_api.container_backend import ContainerBackend


@pytest.fixture(scope="module")
def backend() -> Iterator[ContainerBackend]:
    served = ContainerBackend("127.0.0.1", 0, "us-east-1")
    try:
        yield served
    finally:
        served.stop()

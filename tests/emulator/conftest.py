"""The fixture app's local server, shared by the emulator tests that exercise it over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.emulator import FIXTURE_TEMPLATE
from tools.local_api.process import LocalServer, start_local_server


@pytest.fixture(scope="session")
def fixture_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    server = start_local_server(
        tmp_path_factory.mktemp("fixture") / "server.log", "--template", str(FIXTURE_TEMPLATE)
    )
    yield server
    server.stop()

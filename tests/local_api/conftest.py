"""The fixture app's local server, shared by the emulator tests that exercise it over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.local_api import FIXTURE_TEMPLATE
from tools.local_api.process import LocalServer, start_local_server


@pytest.fixture(scope="session")
def fixture_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    server = start_local_server(
        tmp_path_factory.mktemp("fixture") / "server.log", "--template", str(FIXTURE_TEMPLATE)
    )
    # The function's first call imports it (a cold start) within its 1 s Timeout, which a loaded machine can
    # overrun (504); the tests judge a warm function. The import ends even when this call gets the 504.
    requests.get(f"{server.url}/open", timeout=60)
    yield server
    server.stop()

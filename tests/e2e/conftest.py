"""Black-box HTTP fixtures: every request is signed with SigV4 and goes over the network to API_URL.

- API_URL unset: a local server (`python -m tools.local_api`) is started on a free port for the session.
- API_URL set (e.g. `make e2e API_URL=https://abc.execute-api.eu-west-1.amazonaws.com/dev`): the same tests
  run against a deployed stack with the region and credentials of the environment; everything the suite
  creates is deleted at the end.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.credentials import Credentials
from e2e_support import BODIES, STATS, Api
from sam_local_gaps import pytest_collection_modifyitems_sam_local  # noqa: F401 - a collection hook
from waf_differences import pytest_collection_modifyitems_waf  # noqa: F401 - marks what WAF answers

from tools.local_api.process import LOCAL_KEY, LOCAL_REGION, LOCAL_SECRET, start_local_server


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.e2e)
    # The status-coverage check judges what the rest of the suite did, so it runs last.
    last = [item for item in items if item.name == "test_every_documented_status_is_exercised"]
    for item in last:
        items.remove(item)
        items.append(item)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if STATS.requests or STATS.contract or STATS.framing:
        minutes = time.monotonic() - STATS.started
        terminalreporter.write_sep("-", "e2e figures")
        terminalreporter.write_line(
            f"e2e suite: {STATS.requests} signed HTTP requests ({minutes:.1f} s since start)"
        )
        if STATS.contract:
            terminalreporter.write_line(f"schemathesis contract: {STATS.contract}")
        if STATS.framing:
            terminalreporter.write_line(f"framing fuzz: {STATS.framing}")


@pytest.fixture(scope="session")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    api_url = os.environ.get("API_URL", "").rstrip("/")
    if api_url:
        session = boto3.session.Session()
        credentials = session.get_credentials()
        if credentials is None:
            pytest.exit("API_URL is set but no AWS credentials were found in the environment", returncode=2)
        # The signature must be scoped to the API's region: take it from the URL when it says.
        in_url = re.search(r"\.execute-api\.([a-z0-9-]+)\.amazonaws\.", api_url)
        region = in_url[1] if in_url else (session.region_name or "us-east-1")
        client = Api(api_url, credentials.get_frozen_credentials(), region, local=False)  # type: ignore[arg-type]
        yield client
        client.cleanup()
        return
    server = start_local_server(tmp_path_factory.mktemp("local-api") / "server.log")
    client = Api(server.url, Credentials(LOCAL_KEY, LOCAL_SECRET), LOCAL_REGION, local=True)
    try:
        yield client
    finally:
        client.cleanup()
        server.stop()


@pytest.fixture
def unique() -> str:
    """A short unique token, so runs against a shared deployed stack never collide."""
    return uuid.uuid4().hex[:12]


@pytest.fixture
def local_only(api: Api) -> None:
    if not api.local:
        pytest.skip("exercises the local server itself")


@pytest.fixture(params=["users", "products"])
def collection(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def new_body(collection: str, unique: str) -> dict[str, Any]:
    return BODIES[collection](unique)


@pytest.fixture
def created(api: Api, collection: str, new_body: dict[str, Any]) -> dict[str, Any]:
    """One freshly created item of the collection under test."""
    response = api.post(f"/{collection}", json=new_body)
    assert response.status_code == 201, response.text
    item: dict[str, Any] = response.json()
    return item

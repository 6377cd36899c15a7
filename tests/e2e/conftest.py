"""Black-box HTTP fixtures: every request is signed with SigV4 and goes over the network to API_URL.

- API_URL unset: a local server (`python -m tools.local_api`) is started on a free port for the session.
- API_URL set (e.g. `make e2e API_URL=https://abc.execute-api.eu-west-1.amazonaws.com/dev`): the same tests
  run against a deployed stack with the region and credentials of the environment; everything the suite
  creates is deleted at the end.

Targets, and the `needs` marker (tests/e2e/targets.py holds the vocabulary and what each target lacks)
------------------------------------------------------------------------------------------------------
  target      how                                               lacks
  local       API_URL unset                                     nothing
  sam-local   E2E_TARGET=sam-local API_URL=<sam local start-api>  every layer below
  deployed    API_URL=<a stack>                                 local-server (and AWS's managed WAF rules
                                                                answer some inputs first: waf_differences.py)

A test that relies on a layer some target lacks names it, and is skipped there with the reason:
    @pytest.mark.needs("iam", "gateway-responses")                       # the whole test
    pytest.param("x/y", marks=pytest.mark.needs("gateway-responses"))    # one parametrized case
    pytestmark = pytest.mark.needs("local-server")                       # a whole module
Name every layer the assertions depend on. The layers (a closed list; another name fails collection):
  iam                a SigV4 refusal (403), or the caller in requestContext.identity (createdBy)
  validators         the gateway's 400 before the function (body model, required parameters)
  gateway-responses  a body or header the gateway renders: the 403 for an unknown route or method, the
                     problem body of an auth or validator refusal, CORS headers on those
  waf                a rule of waf.yaml's WebACL (the body-size rule's 413, ahead of routing and auth)
  options-mocks      a CORS preflight (OPTIONS) answered by the mock integrations
  method-case        `get` is not `GET`: a lowercase method is an unknown method
  non-utf8-bodies    a body whose bytes are not UTF-8 reaches the function
  encoded-slash      a %2F in the path stays part of the path parameter
  multi-value-headers  a header field given twice reaches the function as two values (multiValueHeaders)
  local-server       the test talks to the local server itself (a server of its own, what only it does)
A test without the marker runs on every target. If it fails against sam local because it relies on one of
these layers, mark it; `make sam-local-check` (and the sam local CI job) fail until then.
The summary at the end counts the skipped tests by reason.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.credentials import Credentials
from e2e_support import BODIES, STATS, Api
from targets import current, skip_what_the_target_lacks
from waf_differences import pytest_collection_modifyitems_waf  # noqa: F401 - marks what WAF answers

from tools.local_api.process import LOCAL_KEY, LOCAL_REGION, LOCAL_SECRET, start_local_server

SUITE: set[str] = set()  # node ids of this directory's tests, for the summary


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    suite = [item for item in items if item.path.is_relative_to(Path(__file__).parent)]
    SUITE.update(item.nodeid for item in suite)
    for item in suite:
        item.add_marker(pytest.mark.e2e)
    skip_what_the_target_lacks(suite, current())  # an unknown target or layer: a usage error
    # The status-coverage check judges what the rest of the suite did, so it runs last.
    last = [item for item in items if item.name == "test_every_documented_status_is_exercised"]
    for item in last:
        items.remove(item)
        items.append(item)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = Counter(
        str(report.longrepr[2]).removeprefix("Skipped: ")
        for report in terminalreporter.stats.get("skipped", [])
        if report.nodeid in SUITE and isinstance(report.longrepr, tuple)
    )
    if skipped:
        terminalreporter.write_sep("-", f"e2e skips on target {current().name}, by reason")
        for reason, count in skipped.most_common():
            terminalreporter.write_line(f"{count:5}  {reason}")
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

"""Helpers of the HTTP end-to-end suite: a signed client, a local server process, problem-body checks."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from requests.structures import CaseInsensitiveDict

from tools.local_api.sigv4_signer import ExecuteApiAuth

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 30


@dataclass
class Stats:
    """Figures for the run's summary (pytest_terminal_summary in conftest.py)."""

    requests: int = 0
    contract: str = ""
    framing: str = ""
    started: float = field(default_factory=time.monotonic)
    observed: set[tuple[str, str, str]] = field(default_factory=set)  # (METHOD, OpenAPI path, status)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, method: str, path: str, status: int) -> None:
        segments = [part for part in urlsplit(path).path.split("/") if part]
        templates = {1: f"/{segments[0]}", 2: f"/{segments[0]}/{{id}}"} if segments else {}
        template = templates.get(len(segments), "")
        with self._lock:
            self.requests += 1
            self.observed.add((method.upper(), template, str(status)))


STATS = Stats()


@dataclass
class Api:
    """A signed HTTP client bound to one base URL, remembering what it created so it can clean up."""

    base_url: str
    credentials: Credentials
    region: str
    local: bool
    session: requests.Session = field(default_factory=requests.Session)
    created: list[str] = field(default_factory=list)

    @property
    def auth(self) -> ExecuteApiAuth:
        return ExecuteApiAuth(self.credentials, self.region)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def request(self, method: str, path: str, *, signed: bool = True, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", TIMEOUT)
        if signed:
            kwargs.setdefault("auth", self.auth)
        response = self.session.request(method, self.url(path), **kwargs)
        STATS.count(method, path, response.status_code)
        if method == "POST" and response.status_code == 201 and "Location" in response.headers:
            self.created.append(response.headers["Location"])
        return response

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def send_fields(
        self, method: str, path: str, fields: Sequence[tuple[str, str]], body: bytes = b""
    ) -> RawResponse:
        """A signed request whose header fields go on the wire as listed, a name given twice included (which
        `requests` cannot send). The signature covers the request without `fields`: SigV4 signs the headers
        it names in SignedHeaders, and the others travel unsigned."""
        url = urlsplit(self.url(path))
        signed = AWSRequest(method=method, url=self.url(path), data=body, headers={"Host": url.netloc})
        SigV4Auth(self.credentials, "execute-api", self.region).add_auth(signed)
        kind = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
        connection = kind(url.netloc, timeout=TIMEOUT)
        try:
            connection.putrequest(method, url.path + (f"?{url.query}" if url.query else ""), skip_host=True)
            for name, value in [*signed.headers.items(), ("Content-Length", str(len(body))), *fields]:
                connection.putheader(name, value)
            connection.endheaders(body)
            answer = connection.getresponse()
            response = RawResponse(answer.status, CaseInsensitiveDict(answer.getheaders()), answer.read())
        finally:
            connection.close()
        STATS.count(method, path, response.status_code)
        if method == "POST" and response.status_code == 201 and "Location" in response.headers:
            self.created.append(response.headers["Location"])
        return response

    def cleanup(self) -> None:
        for location in dict.fromkeys(reversed(self.created)):
            # Location is /{collection}/{id} (maybe absolute, maybe with a stage): keep the last two segments.
            collection, item_id = location.rstrip("/").split("/")[-2:]
            self.session.delete(self.url(f"/{collection}/{item_id}"), auth=self.auth, timeout=TIMEOUT)
        self.created.clear()


@dataclass
class RawResponse:
    """The parts of a response `assert_problem` and the tests read, as `requests` names them."""

    status_code: int
    headers: CaseInsensitiveDict[str]
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


PROBLEM_FIELDS = ("type", "title", "status", "detail")
DEFAULT_TITLES = frozenset({"Client Error", "Server Error"})  # DEFAULT_4XX and DEFAULT_5XX in openapi.yaml


def assert_problem(response: requests.Response | RawResponse, status: int | None = None) -> dict[str, Any]:
    """An RFC 9457 problem body (functions and gateway responses alike), never a 5xx."""
    assert response.status_code < 500, f"{response.status_code}: {response.text[:300]}"
    assert response.status_code >= 400, response.status_code
    if status is not None:
        assert response.status_code == status, f"{response.status_code}: {response.text[:300]}"
    # WAF's 413 for a body over the limit and its 429 past the per-IP rate are problems as application/json:
    # WAF custom response bodies can only be text/plain, text/html or application/json
    # (docs/local-internals.md).
    media = (
        ("application/problem+json", "application/json")
        if response.status_code in (413, 429)
        else ("application/problem+json",)
    )
    assert response.headers.get("Content-Type", "").startswith(media), response.headers
    body: dict[str, Any] = response.json()
    # The gateway's DEFAULT_4XX/DEFAULT_5XX responses cannot know the status they are sent with, so their
    # bodies carry none (openapi.yaml, Problem; RFC 9457 section 3.1.2 makes it advisory); every other does.
    default_response = body.get("title") in DEFAULT_TITLES and body.get("type") == "about:blank"
    for name in PROBLEM_FIELDS:
        assert name in body or (name == "status" and default_response), body
    assert body.get("status", response.status_code) == response.status_code, body
    assert "Traceback" not in response.text
    return body


def user_body(token: str, **changes: Any) -> dict[str, Any]:
    return {"name": f"E2E User {token}", "email": f"e2e-{token}@example.com", **changes}


def product_body(token: str, **changes: Any) -> dict[str, Any]:
    body = {
        "name": f"E2E Product {token}",
        "price": 19.99,
        "category": f"e2e-{token}",
        "description": "fixture",
    }
    return {**body, **changes}


BODIES = {"users": user_body, "products": product_body}

"""The request as the local gateway hands it on, over HTTP to the fixture app: headers and query in API
Gateway's proxy-event shape, and what the gateway refuses first (quotas, query strings API Gateway does not
document, repeated signature headers, credentials it never issued), each in the API's gateway response."""

from __future__ import annotations

import http.client
import json
import os
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.raw_http import exchange
from tools.local_api import proxy_event
from tools.local_api.http_framing import HEADER_QUOTA
from tools.local_api.process import LOCAL_KEY, LOCAL_REGION, LOCAL_SECRET, LocalServer
from tools.local_api.sigv4_signer import ExecuteApiAuth

pytestmark = pytest.mark.skipif(bool(os.environ.get("API_URL")), reason="exercises the local server itself")

ORIGIN = "https://app.example.com"  # the fixture template's AllowedOrigin
AUTH = ExecuteApiAuth(Credentials(LOCAL_KEY, LOCAL_SECRET), LOCAL_REGION)


def _address(server: LocalServer) -> tuple[str, int]:
    return "127.0.0.1", server.port


def _raw_get(server: LocalServer, target: str, *fields: tuple[str, str]) -> tuple[int, dict[str, Any]]:
    """GET with exactly these header fields, repeated names included (requests would merge them)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.putrequest("GET", target, skip_accept_encoding=True)
    for name, value in fields:
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    return response.status, {"body": body, "headers": dict(response.getheaders())}


def test_repeated_headers_and_parameters_are_shaped_as_api_gateway_shapes_them(
    fixture_server: LocalServer,
) -> None:
    status, answer = _raw_get(
        fixture_server,
        "/open?tag=a&tag=b%2Bc&x=%20&empty=&flag",
        ("If-Match", '"1"'),
        ("if-match", '"999"'),
        ("X-Forwarded-Proto", "gopher"),
        ("day", "Thursday"),
    )
    assert status == 200, answer
    echo = answer["body"]
    # headers: the last value per name; multiValueHeaders: all of them; names as the client spelled them.
    assert echo["headers"]["If-Match"] == '"999"'
    assert echo["multiValueHeaders"]["If-Match"] == ['"1"', '"999"']
    assert "if-match" not in echo["headers"]
    assert echo["headers"]["day"] == "Thursday"
    assert echo["multiValueHeaders"]["X-Forwarded-Proto"] == ["http"]  # set by the gateway, not the client
    assert echo["multiValueQuery"] == {"tag": ["a", "b+c"], "x": [" "], "empty": [""], "flag": [""]}
    assert echo["query"] == {"tag": "b+c", "x": " ", "empty": "", "flag": ""}


def test_a_raw_plus_is_a_space_and_an_encoded_one_a_plus() -> None:
    # A REST proxy event logged by a function: `?sort=-+createdAt` arrives as `- createdAt`
    # (https://github.com/aws/aws-cdk/issues/19827).
    assert proxy_event.parse_query("sort=-+createdAt&a+b=c%2Bd") == [("sort", "- createdAt"), ("a b", "c+d")]


@pytest.mark.parametrize("query", ["tag=a%zz", "tag=%", "tag=%FF", "tag=a&x=%E2%82"])
def test_a_query_api_gateway_does_not_document_is_400(fixture_server: LocalServer, query: str) -> None:
    status, answer = _raw_get(fixture_server, f"/open?{query}")  # requests would re-quote a stray %
    assert status == 400, answer
    assert answer["body"]["type"] == "BAD_REQUEST_PARAMETERS"  # DEFAULT_4XX's template, this type
    assert answer["headers"]["Access-Control-Allow-Origin"] == ORIGIN


def test_headers_over_the_quota_are_431_in_the_apis_shape_with_cors(fixture_server: LocalServer) -> None:
    answers, closed = exchange(
        _address(fixture_server),
        b"GET /open HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * HEADER_QUOTA + b"\r\n\r\n",
    )
    assert [a.status for a in answers] == [431]
    assert closed
    assert json.loads(answers[0].body)["type"] == "DEFAULT_4XX"
    assert answers[0].headers["access-control-allow-origin"] == ORIGIN


def test_a_request_that_cannot_be_framed_is_the_apis_400_with_cors(fixture_server: LocalServer) -> None:
    answers, closed = exchange(
        _address(fixture_server),
        b"GET /open HTTP/1.1\r\nHost: x\r\nX: a\rContent-Length: 0\r\n\r\n",
    )
    assert [a.status for a in answers] == [400]
    assert closed
    body = json.loads(answers[0].body)
    assert body["type"] == "DEFAULT_4XX"
    assert "bare CR" in body["title"]
    assert answers[0].headers["access-control-allow-origin"] == ORIGIN


def _signed(fields: dict[str, str], credentials: Credentials | None = None) -> dict[str, str]:
    request = AWSRequest(method="GET", url="http://127.0.0.1/items?tag=a", headers=fields)
    SigV4Auth(credentials or Credentials(LOCAL_KEY, LOCAL_SECRET), "execute-api", LOCAL_REGION).add_auth(
        request
    )
    return dict(request.headers.items())


def test_a_repeated_signature_header_is_400(fixture_server: LocalServer) -> None:
    signed = _signed({"Host": f"127.0.0.1:{fixture_server.port}"})
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    fields = [(n, v) for n, v in signed.items() if n != "Host"]
    status, answer = _raw_get(fixture_server, "/items?tag=a", *fields, ("X-Amz-Date", stamp))
    assert status == 400
    assert answer["body"] == {"title": "Header X-Amz-Date given more than once", "type": "DEFAULT_4XX"}
    assert _raw_get(fixture_server, "/items?tag=a", *fields)[0] == 200  # the same request, one X-Amz-Date


def test_a_session_token_the_server_never_issued_is_403_access_denied(fixture_server: LocalServer) -> None:
    made_up = ExecuteApiAuth(Credentials(LOCAL_KEY, LOCAL_SECRET, "made-up-token"), LOCAL_REGION)
    response = requests.get(f"{fixture_server.url}/items?tag=a", auth=made_up, timeout=30)
    assert response.status_code == 403
    assert response.json() == {
        "title": "The security token included in the request is invalid.",
        "type": "ACCESS_DENIED",
    }


def test_event_headers_keep_one_entry_per_name_under_the_first_spelling() -> None:
    single, multi = proxy_event.event_headers(
        [("Accept", "a"), ("ACCEPT", "b"), ("X-Forwarded-Port", "1")], {"X-Forwarded-Port": "3000"}
    )
    assert single == {"Accept": "b", "X-Forwarded-Port": "3000"}
    assert multi == {"Accept": ["a", "b"], "X-Forwarded-Port": ["3000"]}
    assert proxy_event.event_headers([], {}) == (None, None)
    assert proxy_event.event_query(proxy_event.parse_query("")) == (None, None)

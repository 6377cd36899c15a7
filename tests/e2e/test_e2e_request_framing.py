"""The request as API Gateway reads it, before any function: SigV4 over the body received, credentials the
API never issued, an encoded slash after an id, and, against the local server, its strict reading of what
AWS does not document (X-Amz-Date's letter case, the header quota's answer, `+` and broken escapes in the
query, repeated signature headers) and a framing fuzz over raw sockets (docs/local-internals.md)."""

from __future__ import annotations

import hashlib
import http.client
import os
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from e2e_support import STATS, Api, assert_problem

from tests.framing_fuzz import FAMILIES, cases
from tests.raw_http import exchange
from tools.local_api.http_framing import HEADER_QUOTA
from tools.local_api.sigv4_signer import ExecuteApiAuth

JSON = {"Content-Type": "application/json"}


def _signed_request(
    api: Api, method: str, path: str, body: bytes, headers: dict[str, str], *, timestamp: str | None = None
) -> dict[str, str]:
    """The headers botocore's signer gives `body`; with `timestamp`, signed at exactly that X-Amz-Date."""
    url = api.url(path)
    request = AWSRequest(method=method, url=url, data=body, headers={"Host": urlsplit(url).netloc, **headers})
    signer = SigV4Auth(api.credentials, "execute-api", api.region)
    if timestamp is None:
        signer.add_auth(request)
    else:  # what add_auth does, with a time stamp of the test's choosing
        request.headers["X-Amz-Date"] = timestamp
        request.context["timestamp"] = timestamp
        signature = signer.signature(
            signer.string_to_sign(request, signer.canonical_request(request)), request
        )
        scope = f"{api.credentials.access_key}/{signer.credential_scope(request)}"
        signed = signer.signed_headers(signer.headers_to_sign(request))
        request.headers["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential={scope}, SignedHeaders={signed}, Signature={signature}"
        )
    return {name: value for name, value in request.headers.items() if name != "Host"}


@pytest.mark.needs("iam")
@pytest.mark.parametrize("payload_header", ["UNSIGNED-PAYLOAD", "hash of the signed body"])
def test_a_body_swapped_after_signing_is_refused(api: Api, unique: str, payload_header: str) -> None:
    """403 whatever X-Amz-Content-Sha256 says: API Gateway hashes the body it received."""
    signed_body = f'{{"name": "x", "email": "signed-{unique}@example.com"}}'.encode()
    swapped = signed_body.replace(b"signed-", b"swapped-")
    claimed = payload_header if payload_header.isupper() else hashlib.sha256(signed_body).hexdigest()
    headers = _signed_request(api, "POST", "/users", signed_body, {**JSON, "X-Amz-Content-Sha256": claimed})

    for body in (swapped, signed_body) if payload_header.isupper() else (swapped,):
        assert_problem(api.post("/users", data=body, headers=headers, signed=False), 403)
    for email in (f"signed-{unique}@example.com", f"swapped-{unique}@example.com"):  # nothing was stored
        assert api.post("/users", json={"name": "x", "email": email}).status_code == 201


@pytest.mark.needs("iam", "gateway-responses")
def test_a_session_token_the_api_never_issued_is_403(
    api: Api, collection: str, created: dict[str, Any], new_body: dict[str, Any]
) -> None:
    made_up = Credentials(api.credentials.access_key, api.credentials.secret_key, "made-up-session-token")
    auth = ExecuteApiAuth(made_up, api.region)
    item = f"/{collection}/{created['id']}"
    headers = {"If-Match": f'"{created["version"]}"'}
    for response in (
        api.get(f"/{collection}", auth=auth),
        api.get(item, auth=auth),
        api.put(item, json=new_body, headers=headers, auth=auth),
        api.delete(item, headers=headers, auth=auth),
    ):
        body = assert_problem(response, 403)
        assert "security token included in the request is invalid" in body["detail"]
    assert api.get(item).json() == created


@pytest.mark.needs("encoded-slash")
def test_an_encoded_slash_after_an_id_reaches_no_item(
    api: Api, collection: str, created: dict[str, Any], new_body: dict[str, Any]
) -> None:
    path = f"/{collection}/{created['id']}%2F"
    headers = {"If-Match": f'"{created["version"]}"'}
    for response in (api.get(path), api.put(path, json=new_body, headers=headers), api.delete(path)):
        # API Gateway keeps %2F inside the path parameter (docs/local-internals.md): an id never issued.
        assert_problem(response, 404 if api.local else None)
    after = api.get(f"/{collection}/{created['id']}")
    assert after.status_code == 200
    assert after.json() == created


# ---- the local server's reading of what AWS does not document (docs/local-internals.md says so for each)
@pytest.mark.needs("local-server")
def test_x_amz_date_with_a_lowercase_t_is_403(api: Api) -> None:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for written, status in ((stamp, 200), (stamp.replace("T", "t"), 403)):
        headers = _signed_request(api, "GET", "/users", b"", {}, timestamp=written)
        response = api.get("/users", headers=headers, signed=False)
        assert response.status_code == status, response.text


def _raw(api: Api, method: str, target: str, fields: list[tuple[str, str]]) -> http.client.HTTPResponse:
    """A request with exactly these fields (repeated names too) and this target (no re-quoting)."""
    parts = urlsplit(api.base_url)
    connection = http.client.HTTPConnection(parts.hostname or "", parts.port or 80, timeout=30)
    connection.putrequest(method, target, skip_accept_encoding=True)
    for name, value in fields:
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.mark.needs("local-server")
def test_a_repeated_signature_header_is_400(api: Api) -> None:
    headers = _signed_request(api, "GET", "/users", b"", {})
    fields = list(headers.items())
    assert _raw(api, "GET", "/users", fields).status == 200
    refused = _raw(api, "GET", "/users", [*fields, ("X-Amz-Date", headers["X-Amz-Date"])])
    assert refused.status == 400
    assert refused.getheader("Access-Control-Allow-Origin")


@pytest.mark.needs("local-server")
@pytest.mark.parametrize("query", ["category=a%zz", "category=%", "category=%FF%FE"])
def test_a_query_whose_reading_aws_does_not_document_is_400(api: Api, query: str) -> None:
    headers = _signed_request(api, "GET", f"/products?{query}", b"", {})
    response = _raw(api, "GET", f"/products?{query}", list(headers.items()))
    assert response.status == 400
    assert response.getheader("Content-Type") == "application/problem+json"
    assert response.getheader("Access-Control-Allow-Origin")


def test_a_raw_plus_is_a_space_as_in_api_gateways_events(api: Api, unique: str) -> None:
    """A REST proxy event logged in https://github.com/aws/aws-cdk/issues/19827 reads `-+createdAt` as
    `- createdAt`; `requests` and HTML forms send a space as `+`."""
    category = f"plus space {unique}"
    created = api.post("/products", json={"name": "x", "price": 1, "category": category})
    assert created.status_code == 201, created.text
    listed = api.get(f"/products?category={category.replace(' ', '+')}")
    assert [item["id"] for item in listed.json()["items"]] == [created.json()["id"]]


def test_an_encoded_plus_and_space_reach_the_function(api: Api, unique: str) -> None:
    category = f"a+b c-{unique}"
    created = api.post("/products", json={"name": "x", "price": 1, "category": category})
    assert created.status_code == 201, created.text
    listed = api.get(f"/products?category={quote(category, safe='')}")
    assert [item["id"] for item in listed.json()["items"]] == [created.json()["id"]]


@pytest.mark.needs("local-server")
def test_header_values_over_the_quota_are_431_in_the_apis_shape(api: Api) -> None:
    fits = api.get("/users", headers={"X-Pad": "a" * 9000})
    assert fits.status_code == 200
    response = api.get("/users", headers={"X-Pad": "a" * HEADER_QUOTA})
    assert response.status_code == 431
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["Access-Control-Allow-Origin"]
    assert {"type", "title", "detail"} <= set(response.json())


@pytest.mark.needs("local-server")
def test_framing_fuzz_smuggles_no_request_and_answers_no_5xx(api: Api) -> None:
    count = int(os.environ.get("FRAMING_FUZZ_REQUESTS", "1100"))
    seed = int(os.environ.get("FRAMING_FUZZ_SEED", "1809"))
    parts = urlsplit(api.base_url)
    address = (parts.hostname or "", parts.port or 80)
    # The hidden request is a CORS preflight: the only request here that the API answers with a 2xx.
    hidden = b"OPTIONS /users HTTP/1.1\r\nHost: x\r\nOrigin: https://x\r\n\r\n"
    smuggled = server_errors = refused = 0
    for case in cases(seed, count, start=b"POST /users HTTP/1.1\r\n", hidden=hidden):
        answers, closed = exchange(address, case.raw)
        smuggled += len(answers) > 1 or any(a.status < 400 for a in answers)
        server_errors += any(a.status >= 500 for a in answers)
        refused += answers[0].status != 403  # unsigned, well framed: MISSING_AUTHENTICATION_TOKEN
        assert len(answers) == 1, (case, answers)
        assert closed, case
        assert (answers[0].status != 403) == case.refused, (case, answers[0])
    STATS.framing = (
        f"{count} raw-socket requests (seed {seed}, {len(FAMILIES)} families): {refused} refused, "
        f"{count - refused} answered, {smuggled} smuggled, {server_errors} answers >= 500"
    )
    assert (smuggled, server_errors) == (0, 0)
    assert 0 < refused < count

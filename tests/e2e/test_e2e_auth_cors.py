"""IAM (SigV4) refusals and CORS headers on success, function errors and gateway responses."""

from __future__ import annotations

import uuid
from typing import Any, cast

import pytest
from botocore.credentials import Credentials
from e2e_support import Api, assert_problem

from tools.local_api.sigv4_signer import ExecuteApiAuth

EXPOSED = {"etag", "location", "retry-after"}


def _allow_origin(response: Any) -> str:
    value = response.headers.get("Access-Control-Allow-Origin")
    assert value, f"no Access-Control-Allow-Origin on {response.status_code}"
    return str(value)


# A refusal's problem body and CORS headers are the gateway response's (openapi.yaml), hence both layers.
@pytest.mark.needs("iam", "gateway-responses")
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_unsigned_request_is_403_missing_token(api: Api, collection: str, method: str) -> None:
    body = {"name": "x", "email": "x@example.com", "price": 1}
    response = api.request(method, f"/{collection}", signed=False, json=body)

    body = assert_problem(response, 403)
    assert "Missing Authentication Token" in f"{body['title']} {body['detail']}"
    _allow_origin(response)


@pytest.mark.needs("iam", "gateway-responses")
def test_wrong_secret_is_403_invalid_signature(api: Api) -> None:
    forged = ExecuteApiAuth(Credentials(api.credentials.access_key, "not-the-secret"), api.region)

    response = api.get("/users", auth=forged)

    assert_problem(response, 403)
    _allow_origin(response)


@pytest.mark.needs("iam", "gateway-responses")
def test_unknown_access_key_is_403(api: Api) -> None:
    stranger = ExecuteApiAuth(Credentials("AKIAUNKNOWNKEY000000", "whatever"), api.region)
    assert_problem(api.get("/users", auth=stranger), 403)


@pytest.mark.needs("iam", "gateway-responses")
def test_signature_for_another_region_or_service_is_403(api: Api) -> None:
    other_region = "eu-central-1" if api.region != "eu-central-1" else "us-west-2"
    assert_problem(api.get("/users", auth=ExecuteApiAuth(api.credentials, other_region)), 403)


@pytest.mark.needs("iam", "gateway-responses")
def test_body_changed_after_signing_is_403(api: Api, unique: str) -> None:
    request = api.session.prepare_request(
        __import__("requests").Request(
            "POST",
            api.url("/users"),
            json={"name": "x", "email": f"signed-{unique}@example.com"},
            auth=api.auth,
        )
    )
    request.body = cast(bytes, request.body).replace(b"signed-", b"forged-")

    response = api.session.send(request, timeout=30)

    assert_problem(response, 403)
    assert api.post("/users", json={"name": "x", "email": f"forged-{unique}@example.com"}).status_code == 201


def test_cors_headers_on_success_and_function_errors(
    api: Api, collection: str, created: dict[str, Any]
) -> None:
    ok = api.get(f"/{collection}/{created['id']}")
    missing = api.get(f"/{collection}/{uuid.uuid4()}")
    invalid = api.post(f"/{collection}", data=b"{}", headers={"Content-Type": "text/plain"})

    for response in (ok, missing, invalid):
        _allow_origin(response)
        exposed = {
            h.strip().lower() for h in response.headers.get("Access-Control-Expose-Headers", "").split(",")
        }
        assert exposed >= EXPOSED, response.headers
    assert (ok.status_code, missing.status_code, invalid.status_code) == (200, 404, 415)


@pytest.mark.needs("validators", "gateway-responses")
def test_cors_headers_on_gateway_validation_errors(api: Api) -> None:
    response = api.post("/users", json={"name": 5, "email": "x@example.com"})

    assert_problem(response, 400)
    _allow_origin(response)


@pytest.mark.needs("options-mocks")
@pytest.mark.parametrize(
    "path", ["/users", "/users/00000000-0000-4000-8000-000000000000", "/products", "/products/x"]
)
def test_preflight_is_answered_without_signature(api: Api, path: str) -> None:
    response = api.request(
        "OPTIONS",
        path,
        signed=False,
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "authorization,content-type,if-match,x-amz-date",
        },
    )

    assert response.status_code in (200, 204), response.text
    _allow_origin(response)
    methods = response.headers.get("Access-Control-Allow-Methods", "")
    headers = response.headers.get("Access-Control-Allow-Headers", "").lower()
    assert "GET" in methods
    for name in (
        "authorization",
        "content-type",
        "x-amz-date",
        "if-match",
        "if-none-match",
        "if-unmodified-since",
        "idempotency-key",
    ):
        assert name in headers, headers

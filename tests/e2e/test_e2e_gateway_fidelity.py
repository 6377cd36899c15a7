"""What a deployed stack's WAF and API Gateway do before the functions, over HTTP: WAF's 413 for a body over
the limit whatever else is wrong with the request, every valid body accepted, JSON of any depth a 4xx
problem, method names case-sensitive. Expected values come from waf.yaml and openapi.yaml themselves."""

from __future__ import annotations

import http.client
import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from e2e_support import Api, assert_problem

from tools.local_api.stack import load_stack

ROOT = Path(__file__).resolve().parents[2]
JSON = {"Content-Type": "application/json"}


@cache
def body_limit_rule() -> tuple[int, int, str]:
    """(size, status, body) of waf.yaml's body size rule, as the template resolves them."""
    acl = load_stack(ROOT / "template.yaml", "us-east-1").web_acl
    assert acl is not None, "template.yaml associates no WebACL"
    rule = next(
        r
        for r in acl["Rules"]
        if "Body" in r.get("Statement", {}).get("SizeConstraintStatement", {}).get("FieldToMatch", {})
    )
    custom = rule["Action"]["Block"]["CustomResponse"]
    body = acl["CustomResponseBodies"][custom["CustomResponseBodyKey"]]["Content"]
    return int(rule["Statement"]["SizeConstraintStatement"]["Size"]), int(custom["ResponseCode"]), str(body)


def _padded(document: str, size: int) -> bytes:
    raw = document.encode()
    return raw + b" " * (size - len(raw))


# ---- WAF: a body over the limit
def _oversize_requests(collection: str, token: str) -> list[tuple[str, str, dict[str, Any]]]:
    size, _, _ = body_limit_rule()
    valid = {"name": "x", "email": f"waf-{token}@example.com", "price": 1, "category": f"waf-{token}"}
    return [
        ("POST", f"/{collection}", {"data": _padded(json.dumps(valid), size + 1), "headers": JSON}),
        ("POST", f"/{collection}", {"data": b"{" * (size + 1), "headers": JSON}),  # invalid JSON
        ("POST", f"/{collection}", {"data": _padded('{"price": "x", "bad": 1}', size + 1), "headers": JSON}),
        ("POST", f"/{collection}", {"data": b"x" * (size + 1), "headers": {"Content-Type": "text/plain"}}),
        ("POST", f"/{collection}", {"data": _padded(json.dumps(valid), size + 1), "signed": False}),
        ("POST", "/nowhere", {"data": b"x" * (size + 1)}),
        ("GET", f"/{collection}", {"data": b"x" * (size + 1)}),
    ]


@pytest.mark.needs("waf")
def test_a_body_over_the_limit_is_wafs_413_whatever_else_is_wrong(
    api: Api, collection: str, created: dict[str, Any], unique: str
) -> None:
    size, status, body = body_limit_rule()
    requests_ = _oversize_requests(collection, unique)
    requests_.append(
        (
            "PUT",
            f"/{collection}/{created['id']}",
            {"data": _padded(json.dumps(created), size + 1), "headers": JSON},
        )
    )
    for method, path, kwargs in requests_:
        response = api.request(method, path, **kwargs)
        assert response.status_code == status, (method, path, response.status_code, response.text[:200])
        assert response.text == body
        assert response.headers["Content-Type"].startswith("application/json")
        assert_problem(response, status)
    assert api.get(f"/{collection}/{created['id']}").json() == created
    assert api.get("/products", params={"category": f"waf-{unique}"}).json()["items"] == []


def test_a_body_of_exactly_the_limit_passes_waf(api: Api, unique: str) -> None:
    size, _, _ = body_limit_rule()
    product = {"name": "At the limit", "price": 1, "category": f"limit-{unique}"}
    response = api.post("/products", data=_padded(json.dumps(product), size), headers=JSON)
    assert response.status_code == 201, response.text[:300]


@pytest.mark.parametrize("char", ["é", "€", "😀"])
def test_the_largest_valid_bodies_are_accepted(api: Api, unique: str, char: str) -> None:
    """Every field at its longest, in 2-, 3- and 4-byte characters, ASCII-escaped as json.dumps writes them
    (12 bytes per emoji): valid, so accepted, and far under the body limit."""
    category = (unique + char * 50)[:50]
    product = {"name": char * 200, "price": 999999999.99, "description": char * 2000, "category": category}
    data = json.dumps(product).encode()  # ensure_ascii: \\ud83d\\ude00
    assert len(data) < body_limit_rule()[0]
    response = api.post("/products", data=data, headers=JSON)
    assert response.status_code == 201, response.text[:300]
    stored = api.get(f"/products/{response.json()['id']}").json()
    assert {key: stored[key] for key in ("name", "description", "category")} == {
        key: product[key] for key in ("name", "description", "category")
    }


# ---- JSON of any depth
DEPTHS = [100, 1_000, 5_000, 9_999, 20_000, 32_000]


def _nested(shape: str, depth: int, valid: dict[str, Any]) -> bytes:
    inner = "[" * depth + "]" * depth
    if shape == "top":
        return inner.encode()
    if shape == "declared":
        return json.dumps({**valid, "name": "__X__"}).replace('"__X__"', inner).encode()
    return json.dumps({**valid, "extra": "__X__"}).replace('"__X__"', inner).encode()


# The function parses what the gateway lets through (an unknown field is not the gateway's business);
# api_common.jsonio refuses more than 32 levels. From ~10,000 levels the local gateway's own parser gives up
# first (400 BAD_REQUEST_BODY, docs/local-internals.md).


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            (shape, depth),
            id=f"{shape}-{depth}",
        )
        for shape in ("top", "declared", "unknown")
        for depth in DEPTHS
    ],
)
def test_json_of_any_depth_is_a_4xx_problem_and_writes_nothing(
    api: Api, collection: str, new_body: dict[str, Any], created: dict[str, Any], case: tuple[str, int]
) -> None:
    shape, depth = case
    data = _nested(shape, depth, new_body)
    assert len(data) <= body_limit_rule()[0]  # under WAF's limit: this is about the parsers
    for method, path in (("POST", f"/{collection}"), ("PUT", f"/{collection}/{created['id']}")):
        assert_problem(api.request(method, path, data=data, headers=JSON), 400)
    assert api.get(f"/{collection}/{created['id']}").json() == created
    if collection == "products":
        assert api.get("/products", params={"category": new_body["category"]}).json()["items"] == [created]


# ---- method names are case-sensitive (RFC 9110, section 9.1)
def _raw_request(api: Api, method: str, path: str) -> tuple[int, str]:
    """http.client sends the method as written (requests upper-cases it); signed as if it were GET."""
    url = urlsplit(api.url(path))
    signed = AWSRequest(method="GET", url=api.url(path), headers={"Host": url.netloc})
    SigV4Auth(api.credentials, "execute-api", api.region).add_auth(signed)
    connection_type = http.client.HTTPSConnection if url.scheme == "https" else http.client.HTTPConnection
    connection = connection_type(url.netloc, timeout=30)
    try:
        connection.request(method, url.path, headers=dict(signed.headers.items()))
        response = connection.getresponse()
        return response.status, response.read().decode()
    finally:
        connection.close()


@pytest.mark.needs("method-case", "gateway-responses")
@pytest.mark.parametrize("method", ["get", "Get", "post", "options"])
def test_lower_case_method_names_are_not_served(api: Api, collection: str, method: str) -> None:
    assert _raw_request(api, "GET", f"/{collection}")[0] == 200
    status, body = _raw_request(api, method, f"/{collection}")
    assert status == 403, body
    assert json.loads(body)["detail"] == "Missing Authentication Token"


# ---- API Gateway's own payload limit
@pytest.mark.needs("local-server")
def test_payload_over_10_mb_is_api_gateways_own_413(api: Api) -> None:
    """REQUEST_TOO_LARGE cannot be customized: openapi.yaml's definition of it does not apply. (Deployed, WAF
    may answer such a body first; both are 413. So only the local server, which checks the limit first, is
    asked.)"""
    response = api.post("/users", data=b"x" * (10 * 1024 * 1024 + 1), headers=JSON)
    assert response.status_code == 413
    assert response.json() == {"message": "Request Too Long"}
    assert response.headers["Content-Type"] == "application/json"

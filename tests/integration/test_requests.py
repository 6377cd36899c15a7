"""Bad requests get a clear 4xx in the problem+json shape and change nothing."""

import json
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestUnsupportedContentType

from api_common.resolver import fixed_problem
from tests.integration.conftest import TABLES, Call, FakeLambdaContext
from tests.integration.support import api_event, reply
from users import handler as users_handler

VALIDATION = "urn:users-products-api:problem:validation-error"


def nothing_stored() -> bool:
    client = boto3.client("dynamodb")
    return all(not client.scan(TableName=name)["Items"] for name in TABLES.values())


def assert_validation_error(reply: Any, field: str) -> None:
    assert reply.status == 400, reply.raw_body
    assert reply.content_type == "application/problem+json"
    body = reply.body
    assert body["type"] == VALIDATION
    assert body["title"] == "Request validation failed"
    assert body["status"] == 400
    assert isinstance(body["detail"], str)
    assert field in [error["field"] for error in body["errors"]], body["errors"]
    assert all(set(error) == {"field", "message"} for error in body["errors"])
    # Nothing about the implementation leaks into messages.
    assert "pydantic" not in reply.raw_body.lower()
    assert "Decimal" not in reply.raw_body
    assert "UserIn" not in reply.raw_body
    assert "ProductIn" not in reply.raw_body


USER_CASES = [
    ({"name": "A", "email": "a@example.com", "role": "admin"}, "role"),
    ({"name": "A"}, "email"),
    ({"email": "a@example.com"}, "name"),
    ({"name": "", "email": "a@example.com"}, "name"),
    ({"name": "   ", "email": "a@example.com"}, "name"),
    ({"name": "x" * 101, "email": "a@example.com"}, "name"),
    ({"name": 5, "email": "a@example.com"}, "name"),
    ({"name": True, "email": "a@example.com"}, "name"),
    ({"name": None, "email": "a@example.com"}, "name"),
    ({"name": "A", "email": "not-an-email"}, "email"),
    ({"name": "A", "email": "a@example"}, "email"),
    ({"name": "A", "email": "a b@example.com"}, "email"),
    ({"name": "A", "email": "a@" + "x" * 250 + ".com"}, "email"),
    ({"name": "A", "email": ["a@example.com"]}, "email"),
    ([{"name": "A", "email": "a@example.com"}], "body"),
    ("a string", "body"),
    (None, "body"),
]

PRODUCT_CASES = [
    ({"name": "P", "price": 1.999}, "price"),
    ({"name": "P", "price": -0.01}, "price"),
    ({"name": "P", "price": 1000000000.01}, "price"),
    ({"name": "P", "price": 1e30}, "price"),
    ({"name": "P", "price": 1e400}, "price"),
    ({"name": "P", "price": "19.99"}, "price"),
    ({"name": "P", "price": True}, "price"),
    ({"name": "P", "price": None}, "price"),
    ({"name": "P"}, "price"),
    ({"name": "P", "price": 1, "description": None}, "description"),
    ({"name": "P", "price": 1, "description": ""}, "description"),
    ({"name": "P", "price": 1, "description": "d" * 2001}, "description"),
    ({"name": "P", "price": 1, "category": "c" * 51}, "category"),
    ({"name": "P", "price": 1, "category": "\t\n"}, "category"),
    ({"name": "P", "price": 1, "category": 7}, "category"),
    ({"name": "x" * 201, "price": 1}, "name"),
    ({"name": "P", "price": 1, "id": "mine"}, "id"),
    ({"name": "P", "price": 1, "version": 3}, "version"),
]


@pytest.mark.parametrize(("body", "field"), USER_CASES)
def test_invalid_user_bodies(users_api: Call, body: Any, field: str) -> None:
    raw = json.dumps(body)
    assert_validation_error(users_api("POST", "/users", raw_body=raw), field)
    assert nothing_stored()


@pytest.mark.parametrize(("body", "field"), PRODUCT_CASES)
def test_invalid_product_bodies(products_api: Call, body: Any, field: str) -> None:
    raw = json.dumps(body).replace("Infinity", "1e400")
    assert_validation_error(products_api("POST", "/products", raw_body=raw), field)
    assert nothing_stored()


def test_put_validates_like_post(api: Call) -> None:
    user = api("POST", "/users", body={"name": "A", "email": "a@example.com"}).body
    assert_validation_error(api("PUT", f"/users/{user['id']}", body={"name": "A"}), "email")
    assert api("GET", f"/users/{user['id']}").body == user


@pytest.mark.parametrize(
    "raw",
    [
        "{",
        '{"name": "A", "email": "a@example.com"',
        "",
        "   ",
        '{"name": "A", "price": NaN}',
        '{"name": "A", "price": Infinity}',
        '{"name": "\\ud800", "price": 1}',
        "{'name': 'A'}",
    ],
)
def test_malformed_json_is_400(products_api: Call, raw: str) -> None:
    reply = products_api("POST", "/products", raw_body=raw)
    assert_validation_error(reply, "body")
    assert nothing_stored()


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/json; charset=latin-1",
        "application/merge-patch+json",
        "application/jsonp",
    ],
)
def test_non_json_content_type_is_415(api: Call, content_type: str) -> None:
    body = "name=A&email=a%40example.com"
    for method, path in (("POST", "/users"), ("POST", "/products")):
        reply = api(method, path, raw_body=body, headers={"Content-Type": content_type})
        assert reply.status == 415, (path, content_type)
        assert reply.content_type == "application/problem+json"
        assert reply.body["title"] == "Unsupported Media Type"
    assert nothing_stored()


def test_powertools_own_unsupported_content_type_is_a_415_problem() -> None:
    response = fixed_problem(RequestUnsupportedContentType("Unsupported content type", errors=[]))
    assert response.status_code == 415
    assert json.loads(str(response.body))["title"] == "Unsupported Media Type"


def test_a_post_without_content_type_is_415(aws: None) -> None:
    event = api_event("POST", "/users", raw_body='{"name": "A", "email": "a@example.com"}')
    del event["headers"]["Content-Type"], event["multiValueHeaders"]["Content-Type"]
    assert reply(users_handler.lambda_handler(event, FakeLambdaContext())).status == 415


def test_missing_content_type_on_put_is_415(api: Call) -> None:
    event_headers = {"Content-Type": ""}
    reply = api("PUT", "/users/6f1c1d0e-0000-4000-8000-000000000000", raw_body="{}", headers=event_headers)
    assert reply.status == 415


@pytest.mark.parametrize("charset", ["utf-16", "UTF-16LE", "utf-32", "iso-8859-1", "us-ascii", "utf-7", "x"])
@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("path", ["/users", "/products"])
def test_json_in_any_charset_but_utf_8_is_415(api: Call, path: str, method: str, charset: str) -> None:
    """JSON text exchanged between systems is UTF-8 (RFC 8259 section 8.1): any other charset is an
    unsupported media type, even when the body happens to be readable (ASCII is UTF-8 too)."""
    body = {"/users": {"name": "A", "email": "a@example.com"}, "/products": {"name": "P", "price": 1}}[path]
    target = path
    if method == "PUT":
        target = f"{path}/{api('POST', path, body=body).body['id']}"
    before = api("GET", path).body
    text = json.dumps(body)
    # API Gateway hands a non-binary body to the function as a string; a UTF-16 body arrives re-read as text.
    readable = text.encode("utf-16").decode("utf-8", "replace") if "16" in charset else text
    for raw in (text, readable):
        reply = api(
            method, target, raw_body=raw, headers={"Content-Type": f"application/json; charset={charset}"}
        )
        assert reply.status == 415, reply.raw_body
        assert reply.content_type == "application/problem+json"
        assert "UTF-8" in reply.body["detail"]
    assert api("GET", path).body == before


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "Application/JSON; charset=UTF-8", 'application/json;charset="utf-8"'],
)
def test_json_content_types_are_accepted(users_api: Call, content_type: str) -> None:
    reply = users_api(
        "POST",
        "/users",
        raw_body='{"name": "A", "email": "a@example.com"}',
        headers={"Content-Type": content_type},
    )
    assert reply.status == 201


@pytest.mark.parametrize("header", ["content-type", "CONTENT-TYPE"])
def test_the_content_type_header_name_is_case_insensitive(users_api: Call, header: str) -> None:
    body = '{"name": "A", "email": "a@example.com"}'
    assert users_api("POST", "/users", raw_body=body, headers={header: "application/json"}).status == 201
    assert users_api("POST", "/users", raw_body=body, headers={header: "text/plain"}).status == 415


def test_a_body_over_64_kib_is_413(api: Call) -> None:
    padding = "x" * (64 * 1024)
    reply = api("POST", "/products", raw_body=json.dumps({"name": "P", "price": 1, "description": padding}))
    assert reply.status == 413
    assert reply.content_type == "application/problem+json"
    assert reply.body["status"] == 413
    # A megabyte is refused just the same (before any parsing), also as multi-byte text.
    assert api("POST", "/users", raw_body="é" * (40 * 1024)).status == 413
    assert api("POST", "/users", raw_body="[" * (1024 * 1024)).status == 413
    assert nothing_stored()


def test_a_body_of_exactly_64_kib_is_not_refused_for_size(products_api: Call) -> None:
    template = '{"name": "P", "price": 1, "description": "%s"}'
    raw = template % ("d" * (64 * 1024 - len(template) + 2))
    assert len(raw.encode()) == 64 * 1024
    reply = products_api("POST", "/products", raw_body=raw)
    assert reply.status == 400  # too long a description: validated, not refused for size
    assert reply.body["errors"][0]["field"] == "description"


def test_base64_bodies_are_decoded(users_api: Call) -> None:
    reply = users_api("POST", "/users", body={"name": "B64", "email": "b64@example.com"}, base64_body=True)
    assert reply.status == 201
    assert reply.body["name"] == "B64"


@pytest.mark.parametrize("body", ["!!!not base64!!!", "//79/A=="])  # not base64; base64 of non-UTF-8 bytes
def test_undecodable_base64_bodies_are_400(aws: None, body: str) -> None:
    event = api_event("POST", "/users", raw_body="{}")
    event["body"], event["isBase64Encoded"] = body, True
    assert_validation_error(reply(users_handler.lambda_handler(event, FakeLambdaContext())), "body")


def test_unknown_routes_and_methods_are_404_problems(api: Call) -> None:
    for method, path in (("GET", "/orders"), ("PATCH", "/users/x"), ("POST", "/users/x")):
        reply = api(method, path, body={} if method != "GET" else None)
        assert reply.status == 404
        assert reply.content_type == "application/problem+json"
        assert reply.body["type"] == "about:blank"


def test_invalid_idempotency_keys_are_400(users_api: Call) -> None:
    for key in ("", "x" * 256, "with space", "tab\there", "ключ"):
        reply = users_api(
            "POST", "/users", body={"name": "A", "email": "a@example.com"}, headers={"Idempotency-Key": key}
        )
        assert_validation_error(reply, "Idempotency-Key")
    assert nothing_stored()

"""Every constraint openapi.yaml declares on a parameter or header is enforced by the functions alone.

API Gateway uses only name, in, required and type of a parameter (and ignores `additionalProperties` in
models): https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html
(#api-gateway-known-issues-rest-apis); its request validator only checks that a required parameter is present
and not blank, "and doesn't check the type or format":
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-request-validation.html
So each keyword has a handler-level test here, read from openapi.yaml itself: a value that breaks one
keyword is 400 with the parameter named, and values the schema allows are never 400.
"""

import uuid
from collections.abc import Iterator
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, cast

import boto3
import pytest
import regress
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from tests.integration.conftest import TABLES, Call
from tests.integration.test_requests import assert_validation_error

OPENAPI = Path(__file__).resolve().parents[2] / "openapi.yaml"
BODIES: dict[str, dict[str, Any]] = {
    "users": {"name": "A", "email": "a@example.com"},
    "products": {"name": "P", "price": 1},
}
# The keywords this suite knows how to break; a parameter keyword outside this set fails the suite.
CONSTRAINTS = frozenset({"minLength", "maxLength", "pattern", "minimum", "maximum", "type"})
ANNOTATIONS = frozenset({"default", "format"})  # not checks: `format: uuid` on ids is "404 otherwise"
# Values tried against each pattern: those it refuses (in ECMA-262, JSON Schema's dialect) must be 400.
PATTERN_PROBES = [
    " ",
    "\t",
    "\ufeff",
    "\u3000",
    "\u00a0",
    "\u2028",
    "a\n",
    "\n",
    '"K',
    'K"',
    '""',
    "a b",
    "é",
]
# What a query value that must be an integer can look like without being one (Python's int() takes most).
NOT_INTEGERS = ["abc", "5.0", "+5", "-5", "05", "5_0", " 5", "5 ", "0x5", "\u0665", "1e1", ""]


@cache
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
    return loaded


def parameters() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, parameter) for every parameter of every operation the functions serve."""
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            if method in ("get", "put", "post", "delete"):
                for parameter in item.get("parameters", []) + operation.get("parameters", []):
                    yield method.upper(), path, parameter


def violations() -> Iterator[tuple[str, str, dict[str, Any], str, str]]:
    """(method, path, parameter, keyword, value) for each value that breaks exactly that keyword."""
    for method, path, parameter in parameters():
        schema = parameter["schema"]
        if schema.get("type") == "integer":
            for value in NOT_INTEGERS:
                yield method, path, parameter, "type", value
        if "minimum" in schema:
            yield method, path, parameter, "minimum", str(schema["minimum"] - 1)
        if "maximum" in schema:
            yield method, path, parameter, "maximum", str(schema["maximum"] + 1)
        if schema.get("minLength", 0) >= 1:
            yield method, path, parameter, "minLength", "a" * (schema["minLength"] - 1)
        if "maxLength" in schema:
            yield method, path, parameter, "maxLength", "a" * (schema["maxLength"] + 1)
        if "pattern" in schema:
            refused = [p for p in PATTERN_PROBES if regress.Regex(schema["pattern"]).find(p) is None]
            assert refused, f"no probe breaks {parameter['name']}'s pattern"
            for value in refused:
                yield method, path, parameter, "pattern", value


def send(api: Call, method: str, path: str, parameter: dict[str, Any], value: str) -> Any:
    kind = path.split("/")[1]
    target = path.replace("{id}", str(uuid.uuid4()))
    body = BODIES[kind] if method in ("POST", "PUT") else None
    if body and kind == "users":  # a fresh email each time: a taken one would be 409
        body = {**body, "email": f"{uuid.uuid4()}@example.com"}
    where = parameter["in"]
    if where == "path":
        target = path.replace("{id}", value)
    query = {parameter["name"]: value} if where == "query" else None
    headers = {parameter["name"]: value} if where == "header" else None
    return api(method, target, body=body, query=query, headers=headers)


def test_every_parameter_keyword_is_known_here() -> None:
    keywords = {keyword for _, _, parameter in parameters() for keyword in parameter["schema"]}
    assert keywords <= CONSTRAINTS | ANNOTATIONS, keywords - CONSTRAINTS - ANNOTATIONS
    # Every constraint keyword the spec uses is exercised below.
    assert {case[3] for case in violations()} == keywords & CONSTRAINTS


def stored_items() -> int:
    client = boto3.client("dynamodb")
    return sum(len(client.scan(TableName=name)["Items"]) for name in TABLES.values())


VIOLATIONS = list(violations())


@pytest.mark.parametrize(
    "case",
    VIOLATIONS,
    ids=[f"{m} {p} {q['name']} {k} {v[:12]!r}" for m, p, q, k, v in VIOLATIONS],
)
def test_a_value_breaking_a_declared_keyword_is_400(
    api: Call, case: tuple[str, str, dict[str, Any], str, str]
) -> None:
    method, path, parameter, _, value = case
    reply = send(api, method, path, parameter, value)
    assert_validation_error(reply, parameter["name"])
    assert stored_items() == 0


def allowed_values(parameter: dict[str, Any]) -> st.SearchStrategy[str]:
    """Values the parameter's schema allows, as they travel in a URL or header (text)."""
    schema = parameter["schema"]
    if schema["type"] == "integer":
        return from_schema(schema).map(str)
    values = cast(st.SearchStrategy[str], from_schema({**schema, "type": "string"}))
    if parameter["in"] == "header":  # a header value is visible ASCII and inner spaces
        values = values.filter(lambda v: v.isascii() and v.isprintable() and v == v.strip(" "))
    if parameter["name"] == "If-Unmodified-Since":  # a pattern cannot tell 31 Feb from 31 Jan
        values = values.filter(is_a_real_day)
    return values


def is_a_real_day(http_date: str) -> bool:
    """The date names a day of the calendar (the pattern has checked the rest of its syntax)."""
    for layout in ("%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %d %H:%M:%S %Y"):
        try:
            datetime.strptime(http_date.strip(" \t").replace(":60", ":59"), layout)
        except ValueError:
            continue
        return True
    return False


# The cursor is opaque: only a nextCursor the API issued is valid (documented 400 otherwise).
OPEN_PARAMETERS = [
    (method, path, parameter)
    for method, path, parameter in parameters()
    if parameter["name"] != "cursor" and parameter["in"] != "path"
]


@pytest.mark.parametrize(
    ("method", "path", "parameter"),
    OPEN_PARAMETERS,
    ids=[f"{m} {p} {q['name']}" for m, p, q in OPEN_PARAMETERS],
)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_values_the_schema_allows_are_not_400(
    api: Call, method: str, path: str, parameter: dict[str, Any], data: st.DataObject
) -> None:
    value = data.draw(allowed_values(parameter))
    reply = send(api, method, path, parameter, value)
    # The parameter passes: 200/201, or 404 for the random id of PUT/DELETE, or the outcome of a key drawn
    # twice (replay, or 422 when the fresh email made the body differ); never 400, never 5xx.
    assert reply.status in (200, 201, 404, 422), (parameter["name"], value, reply.raw_body)
    if reply.status == 422:
        assert reply.body["type"] == "urn:users-products-api:problem:idempotency-key-reused"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/users", {**BODIES["users"], "role": "admin"}),
        ("/products", {**BODIES["products"], "colour": "red"}),
    ],
)
def test_additional_properties_false_is_enforced_by_the_function(api: Call, path: str, body: Any) -> None:
    schema_name = "UserIn" if path == "/users" else "ProductIn"
    assert document()["components"]["schemas"][schema_name]["additionalProperties"] is False
    extra = next(iter(set(body) - set(BODIES[path.strip("/")])))
    for method, target in (("POST", path), ("PUT", f"{path}/{uuid.uuid4()}")):
        assert_validation_error(api(method, target, body=body), extra)
    assert stored_items() == 0


def test_the_models_use_no_any_of() -> None:
    # `anyOf` is the other model keyword API Gateway ignores; none is declared, so nothing to enforce.
    assert "anyOf" not in OPENAPI.read_text(encoding="utf-8")

"""Any body, of any depth or shape, gets a 4xx problem+json from the functions (or 201 when valid), never
a 5xx, and a refused request writes nothing (issue 8, point 8)."""

import json
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api_common import jsonio
from api_common.limits import MAX_BODY_BYTES
from tests.integration.conftest import TABLES, Call
from tests.integration.test_requests import assert_validation_error

VALID: dict[str, dict[str, Any]] = {
    "/users": {"name": "A", "email": "a@example.com"},
    "/products": {"name": "P", "price": 1},
}


def stored_items() -> int:
    client = boto3.client("dynamodb")
    return sum(len(client.scan(TableName=name)["Items"]) for name in TABLES.values())


BRACKETS = {"array": ("[", "]"), "object": ('{"a":', "}")}


def nested(depth: int, kind: str) -> str:
    opening, closing = BRACKETS[kind]
    return opening * depth + "1" + closing * depth


def with_field(path: str, field: str, raw_value: str) -> str:
    """A valid body of `path` with `field` set to the raw JSON text `raw_value`."""
    others = "".join(f",{json.dumps(k)}:{json.dumps(v)}" for k, v in VALID[path].items() if k != field)
    return f"{{{json.dumps(field)}:{raw_value}{others}}}"


def deepest(kind: str) -> int:
    """The deepest nesting of `kind` that still fits, inside a body, under the 64 KiB limit."""
    opening, closing = BRACKETS[kind]
    return (MAX_BODY_BYTES - 200) // len(opening + closing)


# Depths just over the limit, around Python's recursion limit, and as deep as a body under 64 KiB can be.
DEPTHS = [jsonio.MAX_DEPTH + 1, 999, 1000, 5000, "deepest"]


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("kind", list(BRACKETS))
@pytest.mark.parametrize("path", list(VALID))
@pytest.mark.parametrize("where", ["whole body", "in a field", "unknown field"])
def test_deeply_nested_bodies_are_400_and_store_nothing(
    api: Call, depth: int | str, kind: str, path: str, where: str
) -> None:
    levels = deepest(kind) if depth == "deepest" else int(depth)
    if where == "whole body":
        raw = nested(levels, kind)
    else:  # the body object is the first level
        field = next(iter(VALID[path])) if where == "in a field" else "extra"
        raw = with_field(path, field, nested(levels - 1, kind))
    assert len(raw.encode()) <= MAX_BODY_BYTES

    for method, target in (("POST", path), ("PUT", f"{path}/6f1c2e3d-4b5a-4c6d-8e7f-901a2b3c4d5e")):
        reply = api(method, target, raw_body=raw)
        assert_validation_error(reply, "body")
        assert "nested more than 32 levels" in reply.body["errors"][0]["message"]
    assert stored_items() == 0


def test_nesting_up_to_the_limit_is_parsed() -> None:
    assert jsonio.loads(nested(jsonio.MAX_DEPTH, "array")) is not None
    assert jsonio.loads(nested(jsonio.MAX_DEPTH, "object")) is not None
    with pytest.raises(json.JSONDecodeError, match="nested more than"):
        jsonio.loads(nested(jsonio.MAX_DEPTH + 1, "object"))


def test_a_parser_recursion_error_is_malformed_json(monkeypatch: pytest.MonkeyPatch) -> None:
    # Whatever the C parser's own limit is on the platform, its RecursionError is a 400, not a 500.
    def overflow(*_: Any, **__: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded while decoding a JSON array")

    monkeypatch.setattr(json, "loads", overflow)  # the module jsonio decodes with
    with pytest.raises(json.JSONDecodeError, match="nested more than"):
        jsonio.loads("[[]]")


JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
JSON_DOCUMENTS = st.recursive(
    JSON_LEAVES,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=60,
)


def _bodies() -> st.SearchStrategy[str]:
    """Raw request bodies: arbitrary JSON, valid bodies with one field replaced, deep nesting, text."""
    documents = JSON_DOCUMENTS.map(lambda value: json.dumps(value, default=str))
    mutated = st.builds(
        lambda body, key, value: json.dumps({**body, key: value}, default=str),
        st.sampled_from(list(VALID.values())),
        st.sampled_from(["name", "email", "price", "description", "category", "id"]),
        JSON_DOCUMENTS,
    )
    deep = st.builds(nested, st.integers(0, 3000), st.sampled_from(list(BRACKETS)))
    return documents | mutated | deep | st.text(max_size=200)


# The fixture's tables live across examples: each example compares the store with its own "before".
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(raw=_bodies(), path=st.sampled_from(list(VALID)))
def test_any_body_gets_a_4xx_or_a_201_never_a_5xx(api: Call, raw: str, path: str) -> None:
    before = stored_items()
    reply = api("POST", path, raw_body=raw)
    assert reply.status in (201, 400, 409), reply.raw_body
    if reply.status == 201:
        assert stored_items() > before
        return
    assert reply.content_type == "application/problem+json"
    assert stored_items() == before
    if reply.status == 409:  # a valid user again: its email is taken by an earlier example
        assert reply.body["type"] == "urn:users-products-api:problem:email-taken"

"""Header fields and query parameters given more than once, in events shaped as API Gateway shapes them: the
last value in `headers`/`queryStringParameters`, all of them in the multi-value maps
(https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html).

If-Match is a list (RFC 9110 section 13.1.1) that may span several fields (section 5.3), so the functions read
every field; a header that takes one value, or any query parameter, given twice is a 400, never silently
keyed on one of the values."""

from typing import Any

import pytest

from api_common.fields import SINGLE_VALUED_HEADERS
from tests.integration.conftest import Call, FakeLambdaContext
from tests.integration.support import api_event, reply
from tests.integration.test_hostile_bodies import stored_items
from tests.integration.test_requests import assert_validation_error

BODIES = {"/users": {"name": "A", "email": "a@example.com"}, "/products": {"name": "P", "price": 1}}
CHANGED = {"/users": {"name": "B", "email": "a@example.com"}, "/products": {"name": "Q", "price": 2}}


@pytest.fixture(params=["/users", "/products"])
def collection(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def item(api: Call, collection: str) -> dict[str, Any]:
    return dict(api("POST", collection, body=BODIES[collection]).body)


def test_the_event_builder_shapes_repeated_fields_as_api_gateway() -> None:
    event = api_event("GET", "/users", headers={"If-Match": ['"1"', '"2"']}, query={"limit": ["1", "2"]})
    assert event["headers"]["If-Match"] == '"2"'
    assert event["multiValueHeaders"]["If-Match"] == ['"1"', '"2"']
    assert event["queryStringParameters"] == {"limit": "2"}
    assert event["multiValueQueryStringParameters"] == {"limit": ["1", "2"]}


# ---- If-Match: a list, whole whatever the fields it comes in
@pytest.mark.parametrize("method", ["PUT", "DELETE"])
@pytest.mark.parametrize(
    "if_match", [['"1"', '"999"'], ['"999"', '"1"'], ['"999", "1"'], ['"7"', '"8", "1"', '"9"'], ['"1"', "*"]]
)
def test_if_match_over_several_fields_matches_any_member(
    api: Call, collection: str, item: dict[str, Any], method: str, if_match: list[str]
) -> None:
    """`headers` holds only the last field ("999" on the first case): reading it alone would be a 412."""
    path = f"{collection}/{item['id']}"
    body = CHANGED[collection] if method == "PUT" else None
    answered = api(method, path, body=body, headers={"If-Match": if_match})
    assert answered.status == (200 if method == "PUT" else 204), answered.raw_body


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_if_match_over_several_fields_none_matching_is_412(
    api: Call, collection: str, item: dict[str, Any], method: str
) -> None:
    path = f"{collection}/{item['id']}"
    body = CHANGED[collection] if method == "PUT" else None
    answered = api(method, path, body=body, headers={"If-Match": ['"2"', '"3"', 'W/"1"']})
    assert answered.status == 412
    assert api("GET", path).body == item


def test_each_if_match_field_keeps_its_length_limit(api: Call, collection: str, item: dict[str, Any]) -> None:
    path = f"{collection}/{item['id']}"
    answered = api("DELETE", path, headers={"If-Match": ['"1"', '"' + "1" * 70 + '"']})
    assert_validation_error(answered, "If-Match")
    assert api("GET", path).status == 200


def test_more_if_match_tags_than_one_condition_holds_are_settled_by_a_read(
    api: Call, collection: str, item: dict[str, Any]
) -> None:
    """DynamoDB's IN takes 100 values; 150 fields of tags are checked against the record read instead."""
    path = f"{collection}/{item['id']}"
    many = [f'"{n}"' for n in range(2, 152)]
    assert api("PUT", path, body=CHANGED[collection], headers={"If-Match": many}).status == 412
    answered = api("PUT", path, body=CHANGED[collection], headers={"If-Match": [*many, '"1"']})
    assert answered.status == 200, answered.raw_body


# ---- single-valued headers: two of them is a 400
@pytest.mark.parametrize("header", SINGLE_VALUED_HEADERS)
@pytest.mark.parametrize("same", [False, True])
def test_a_single_valued_header_given_twice_is_400_and_stores_nothing(
    api: Call, collection: str, header: str, same: bool
) -> None:
    values = {
        "Authorization": "AWS4-HMAC-SHA256 Credential=X",
        "Content-Length": "40",
        "Content-Type": "application/json",
        "Host": "abcdef1234.execute-api.us-east-1.amazonaws.com",
        "Idempotency-Key": "key-1",
        "If-Unmodified-Since": "Fri, 31 Dec 9998 23:59:59 GMT",
        "X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD",
        "X-Amz-Date": "20261125T170000Z",
        "X-Amz-Security-Token": "token",
    }
    first = values[header]
    second = first if same else f"{first}0"
    answered = api("POST", collection, body=BODIES[collection], headers={header: [first, second]})
    assert_validation_error(answered, header)
    assert "Given more than once" in answered.raw_body
    assert stored_items() == 0


def test_one_header_in_two_spellings_is_given_twice(api: Call, collection: str) -> None:
    """Field names are case-insensitive: `Idempotency-Key` and `idempotency-key` are two fields, one name."""
    answered = api(
        "POST", collection, body=BODIES[collection], headers={"Idempotency-Key": "a", "idempotency-key": "b"}
    )
    assert_validation_error(answered, "Idempotency-Key")
    assert stored_items() == 0


def test_two_content_types_are_400_not_415(api: Call, collection: str) -> None:
    answered = api(
        "POST",
        collection,
        body=BODIES[collection],
        headers={"Content-Type": ["application/json", "text/plain"]},
    )
    assert_validation_error(answered, "Content-Type")


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_two_if_unmodified_since_fields_are_400(
    api: Call, collection: str, item: dict[str, Any], method: str
) -> None:
    dates = ["Fri, 31 Dec 9998 23:59:59 GMT", "Sun, 06 Nov 1994 08:49:37 GMT"]
    path = f"{collection}/{item['id']}"
    answered = api(
        method,
        path,
        body=CHANGED[collection] if method == "PUT" else None,
        headers={"If-Unmodified-Since": dates},
    )
    assert_validation_error(answered, "If-Unmodified-Since")
    assert api("GET", path).body == item


@pytest.mark.parametrize(
    "header", [{"Accept": ["application/json", "*/*"]}, {"X-Forwarded-For": ["203.0.113.1", "203.0.113.2"]}]
)
def test_list_headers_may_repeat(api: Call, collection: str, header: dict[str, list[str]]) -> None:
    assert api("POST", collection, body=BODIES[collection], headers=header).status == 201


def test_an_event_without_multi_value_maps_is_read_from_the_single_value_ones(
    aws: None, collection: str
) -> None:
    """A hand-written or direct invocation event may carry `headers` alone."""
    from products import handler as products_handler
    from users import handler as users_handler

    handler = users_handler if collection == "/users" else products_handler
    event = api_event("POST", collection, body=BODIES[collection], headers={"Idempotency-Key": "k"})
    event["multiValueHeaders"] = event["multiValueQueryStringParameters"] = None
    assert reply(handler.lambda_handler(event, FakeLambdaContext())).status == 201
    event["headers"].pop("Content-Type")
    assert reply(handler.lambda_handler(event, FakeLambdaContext())).status == 415


# ---- query parameters: none takes a list
@pytest.mark.parametrize(
    "query",
    [
        {"limit": ["1", "2"]},
        {"limit": ["5", "5"]},
        {"cursor": ["abc", "def"]},
        {"limit": "5", "cursor": ["abc", "abc"]},
        {"other": ["1", "2"]},
    ],
)
def test_a_query_parameter_given_twice_is_400_given_more_than_once(
    api: Call, collection: str, query: dict[str, Any]
) -> None:
    answered = api("GET", collection, query=query)
    (name,) = [name for name, values in query.items() if isinstance(values, list)]
    assert_validation_error(answered, name)
    errors = {error["field"]: error["message"] for error in answered.body["errors"]}
    assert errors[name].startswith("Given more than once")
    assert "integer" not in answered.raw_body


def test_two_categories_are_400(api: Call) -> None:
    answered = api("GET", "/products", query={"category": ["books", "games"]})
    assert_validation_error(answered, "category")

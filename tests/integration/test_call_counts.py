"""Each route makes no more DynamoDB requests than it physically must (issue 10's table).

Counted on the functions' own client through botocore's `before-call.dynamodb.*` event, which fires once per
API call (retries are not separate calls), whatever moto then does with it.
"""

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from api_common.dynamo import container_client
from tests.integration.conftest import TABLES, Call

dynamodb = container_client()  # the handlers' client (one per process)

ALICE = {"name": "Alice", "email": "alice@example.com"}
PEN = {"name": "Pen", "price": 19.99, "category": "office"}
MISSING = "6f1c2e3d-4b5a-4c6d-8e7f-901a2b3c4d5e"


class Calls:
    def __init__(self) -> None:
        self.operations: list[str] = []

    def __call__(self, model: Any, **_: Any) -> None:
        self.operations.append(model.name)

    def during(self, call: Call, *args: Any, **kwargs: Any) -> tuple[Any, list[str]]:
        self.operations.clear()
        reply = call(*args, **kwargs)
        return reply, list(self.operations)


@pytest.fixture
def calls(aws: None) -> Iterator[Calls]:
    counter = Calls()
    dynamodb.meta.events.register("before-call.dynamodb.*", counter)
    yield counter
    dynamodb.meta.events.unregister("before-call.dynamodb.*", counter)


def test_reads_are_one_request(api: Call, calls: Calls) -> None:
    user = api("POST", "/users", body=ALICE).body
    product = api("POST", "/products", body=PEN).body
    for path in (f"/users/{user['id']}", "/users", f"/products/{product['id']}", "/products"):
        reply, made = calls.during(api, "GET", path)
        assert reply.status == 200
        assert len(made) == 1, (path, made)
    reply, made = calls.during(api, "GET", "/products", query={"category": "office"})
    assert (reply.status, made) == (200, ["Query"])


@pytest.mark.parametrize(("path", "body"), [("/users", ALICE), ("/products", PEN)])
def test_a_post_is_one_request_with_or_without_a_key(api: Call, calls: Calls, path: str, body: Any) -> None:
    reply, made = calls.during(api, "POST", path, body=body)
    assert reply.status == 201
    assert len(made) == 1, made

    other = {**body, "name": "Keyed", **({"email": "keyed@example.com"} if "email" in body else {})}
    keyed = {"Idempotency-Key": f"calls-{path}"}
    first, made = calls.during(api, "POST", path, body=other, headers=keyed)
    assert (first.status, made) == (201, ["TransactWriteItems"])
    # The replay and the mismatch are told apart by the refused transaction itself (ALL_OLD on the record).
    replay, made = calls.during(api, "POST", path, body=other, headers=keyed)
    assert (replay.status, replay.raw_body, made) == (201, first.raw_body, ["TransactWriteItems"])
    reused, made = calls.during(api, "POST", path, body={**other, "name": "Else"}, headers=keyed)
    assert (reused.status, made) == (422, ["TransactWriteItems"])


def test_product_changes_are_one_request(products_api: Call, calls: Calls) -> None:
    product = products_api("POST", "/products", body=PEN).body
    path = f"/products/{product['id']}"
    for headers in ({}, {"If-Match": '"2"'}):
        reply, made = calls.during(
            products_api, "PUT", path, body={"name": "Pen", "price": 2}, headers=headers
        )
        assert (reply.status, made) == (200, ["UpdateItem"])
    reply, made = calls.during(products_api, "DELETE", path, headers={"If-Match": '"3"'})
    assert (reply.status, made) == (204, ["DeleteItem"])


def test_a_user_change_keeping_the_email_is_one_request(users_api: Call, calls: Calls) -> None:
    user = users_api("POST", "/users", body=ALICE).body
    reply, made = calls.during(
        users_api, "PUT", f"/users/{user['id']}", body={**ALICE, "name": "Al"}, headers={"If-Match": '"1"'}
    )
    assert (reply.status, made) == (200, ["UpdateItem"])


def test_moving_or_freeing_an_email_is_two_requests(users_api: Call, calls: Calls) -> None:
    user = users_api("POST", "/users", body=ALICE).body
    path = f"/users/{user['id']}"
    # The refused update returns the stored user: no separate read is needed to move the marker.
    reply, made = calls.during(users_api, "PUT", path, body={**ALICE, "email": "al@example.com"})
    assert (reply.status, made) == (200, ["UpdateItem", "TransactWriteItems"])
    reply, made = calls.during(users_api, "DELETE", path)
    assert (reply.status, made) == (204, ["GetItem", "TransactWriteItems"])


@pytest.mark.parametrize(("path", "body"), [("/users", ALICE), ("/products", PEN)])
def test_missing_or_stale_items_are_refused_after_one_request(
    api: Call, calls: Calls, path: str, body: Any
) -> None:
    item = api("POST", path, body=body).body
    cases = [
        ("PUT", f"{path}/{MISSING}", {}, 404),
        ("DELETE", f"{path}/{MISSING}", {}, 404),
        ("PUT", f"{path}/{item['id']}", {"If-Match": '"7"'}, 412),
        ("DELETE", f"{path}/{item['id']}", {"If-Match": '"7"'}, 412),
        ("PUT", f"{path}/{item['id']}", {"If-Match": 'W/"1"'}, 412),  # no strong tag: nothing can match
    ]
    for method, target, headers, status in cases:
        reply, made = calls.during(
            api, method, target, body=body if method == "PUT" else None, headers=headers
        )
        assert reply.status == status, (method, target, headers)
        assert len(made) == 1, (method, target, headers, made)
    assert api("GET", f"{path}/{item['id']}").body == item  # nothing changed


def test_an_expired_record_counts_as_absent(products_api: Call) -> None:
    """DynamoDB deletes expired items only eventually; an expired record must not replay (or refuse)."""
    headers = {"Idempotency-Key": "expiring"}
    first = products_api("POST", "/products", body=PEN, headers=headers).body
    table = boto3.client("dynamodb")
    (record,) = table.scan(TableName=TABLES["IdempotencyTable"])["Items"]
    record["expiration"] = {"N": str(int(time.time()) - 1)}
    table.put_item(TableName=TABLES["IdempotencyTable"], Item=record)

    again = products_api("POST", "/products", body={**PEN, "price": 5}, headers=headers)

    assert again.status == 201
    assert again.body["id"] != first["id"]
    (renewed,) = table.scan(TableName=TABLES["IdempotencyTable"])["Items"]
    assert int(renewed["expiration"]["N"]) > time.time()


def test_a_refusal_without_the_record_reads_it_once(
    products_api: Call, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should a cancellation ever come without the record (ALL_OLD), one consistent read settles it."""
    headers = {"Idempotency-Key": "no-item"}
    first = products_api("POST", "/products", body=PEN, headers=headers)
    real = dynamodb.transact_write_items

    def without_items(**request: Any) -> Any:
        try:
            return real(**request)
        except ClientError as error:
            for reason in error.response.get("CancellationReasons", []):
                reason.pop("Item", None)
            raise

    monkeypatch.setattr(dynamodb, "transact_write_items", without_items)
    replay, made = calls.during(products_api, "POST", "/products", body=PEN, headers=headers)

    assert (replay.status, replay.raw_body) == (201, first.raw_body)
    assert made == ["TransactWriteItems", "GetItem"]


def test_an_if_match_over_its_declared_length_costs_no_call(products_api: Call, calls: Calls) -> None:
    """64 characters hold at most 16 tags, far below the 100 values DynamoDB's IN takes; longer is 400."""
    product = products_api("POST", "/products", body=PEN).body
    tags = ", ".join(f'"{n}"' for n in range(1, 102))
    for method, body in (("PUT", PEN), ("DELETE", None)):
        reply, made = calls.during(
            products_api, method, f"/products/{product['id']}", body=body, headers={"If-Match": tags}
        )
        assert (reply.status, made) == (400, [])


@pytest.mark.parametrize("tag", ['"01"', '"' + "9" * 19 + '"', '"1.0"'])
def test_tags_that_cannot_be_a_version_never_match(products_api: Call, calls: Calls, tag: str) -> None:
    product = products_api("POST", "/products", body=PEN).body
    reply, made = calls.during(
        products_api, "PUT", f"/products/{product['id']}", body=PEN, headers={"If-Match": tag}
    )
    assert (reply.status, made) == (412, ["GetItem"])

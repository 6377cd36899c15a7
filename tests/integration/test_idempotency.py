"""Idempotency-Key on POST: replay, reuse with another body, in flight, scoping, expiry."""

import re
import time
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from api_common.dynamo import container_client
from tests.integration.conftest import TABLES, Call
from tests.integration.support import CALLER_ARN, OTHER_CALLER_ARN

dynamodb = container_client()  # the handlers' client (one per process)

ALICE = {"name": "Alice", "email": "alice@example.com"}
PEN = {"name": "Pen", "price": 19.99}


def ids_in(table: str) -> list[str]:
    return [item["id"]["S"] for item in boto3.client("dynamodb").scan(TableName=TABLES[table])["Items"]]


def test_same_key_same_body_replays_the_first_response(users_api: Call) -> None:
    first = users_api("POST", "/users", body=ALICE, headers={"Idempotency-Key": "k-1"})
    again = users_api("POST", "/users", body=ALICE, headers={"Idempotency-Key": "k-1"})

    assert first.status == again.status == 201
    assert again.raw_body == first.raw_body
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["ETag"] == first.headers["ETag"]
    assert len(ids_in("UsersTable")) == 2  # one user, one email marker: nothing new was created


def test_replay_keeps_exact_prices(products_api: Call) -> None:
    raw = '{"name": "Pen", "price": 19.99}'
    first = products_api("POST", "/products", raw_body=raw, headers={"Idempotency-Key": "p-1"})
    # The same JSON value written differently is the same body.
    again = products_api(
        "POST", "/products", raw_body='{"price": 19.990, "name": "Pen"}', headers={"Idempotency-Key": "p-1"}
    )

    assert first.status == again.status == 201
    assert again.raw_body == first.raw_body
    assert '"price":19.99' in again.raw_body
    assert again.body["price"] == Decimal("19.99")
    assert len(ids_in("ProductsTable")) == 1


def test_same_key_with_another_body_is_422(products_api: Call) -> None:
    products_api("POST", "/products", body=PEN, headers={"Idempotency-Key": "p-2"})

    reply = products_api("POST", "/products", body={**PEN, "price": 5}, headers={"Idempotency-Key": "p-2"})

    assert reply.status == 422
    assert reply.content_type == "application/problem+json"
    assert reply.body["type"] == "urn:users-products-api:problem:idempotency-key-reused"
    assert len(ids_in("ProductsTable")) == 1


def test_a_key_still_in_flight_is_409(users_api: Call, monkeypatch: pytest.MonkeyPatch) -> None:
    # A duplicate whose transaction meets the first one's still committing: DynamoDB cancels it with a
    # TransactionConflict on the record (the last action), which is the only "in flight" state left.
    sent: list[list[dict[str, Any]]] = []

    def conflicting(**request: Any) -> Any:
        sent.append(request["TransactItems"])
        reasons: list[Any] = [{"Code": "None"}] * (len(request["TransactItems"]) - 1) + [
            {"Code": "TransactionConflict"}
        ]
        raise ClientError(
            {
                "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                "CancellationReasons": reasons,
            },
            "TransactWriteItems",
        )

    monkeypatch.setattr(dynamodb, "transact_write_items", conflicting)
    reply = users_api("POST", "/users", body=ALICE, headers={"Idempotency-Key": "k-busy"})

    assert [action["Put"]["TableName"] for action in sent[0]][-1] == TABLES["IdempotencyTable"]
    assert reply.status == 409
    assert reply.body["type"] == "urn:users-products-api:problem:idempotency-key-in-flight"
    assert reply.headers["Retry-After"] == "1"
    assert ids_in("UsersTable") == []


def test_keys_are_scoped_to_the_caller_and_the_route(api: Call) -> None:
    headers = {"Idempotency-Key": "shared"}
    mine = api("POST", "/products", body=PEN, headers=headers, user_arn=CALLER_ARN)
    theirs = api("POST", "/products", body=PEN, headers=headers, user_arn=OTHER_CALLER_ARN)
    user = api("POST", "/users", body=ALICE, headers=headers, user_arn=CALLER_ARN)

    assert mine.status == theirs.status == user.status == 201
    assert mine.body["id"] != theirs.body["id"]
    assert len(ids_in("ProductsTable")) == 2


def test_without_a_key_every_post_creates(products_api: Call) -> None:
    assert products_api("POST", "/products", body=PEN).status == 201
    assert products_api("POST", "/products", body=PEN).status == 201
    assert len(ids_in("ProductsTable")) == 2
    assert ids_in("IdempotencyTable") == []  # the idempotency table is not touched at all


def test_a_failed_request_does_not_burn_its_key(users_api: Call) -> None:
    taken = users_api("POST", "/users", body=ALICE).body
    headers = {"Idempotency-Key": "retry-me"}
    body = {"name": "Late", "email": "alice@example.com"}
    assert users_api("POST", "/users", body=body, headers=headers).status == 409

    assert users_api("DELETE", f"/users/{taken['id']}").status == 204
    assert users_api("POST", "/users", body=body, headers=headers).status == 201


def test_records_expire_after_an_hour(products_api: Call) -> None:
    before = int(time.time())
    products_api("POST", "/products", body=PEN, headers={"Idempotency-Key": "ttl-key-123"})
    (record,) = boto3.client("dynamodb").scan(TableName=TABLES["IdempotencyTable"])["Items"]
    assert record["status"]["S"] == "COMPLETED"
    assert before + 3600 <= int(record["expiration"]["N"]) <= int(time.time()) + 3600
    # Keyed by a hash of caller, route and key: none of them appears in the record's id.
    assert re.search(r"#[0-9a-f]{32}$", record["id"]["S"])
    assert "ttl-key-123" not in record["id"]["S"]
    assert CALLER_ARN not in record["id"]["S"]


@pytest.mark.parametrize("key", ['"quoted-key"', "a" * 255, "!#$%&'*+-.^_`|~"])
def test_accepted_key_forms(products_api: Call, key: str) -> None:
    assert products_api("POST", "/products", body=PEN, headers={"Idempotency-Key": key}).status == 201

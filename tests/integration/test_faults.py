"""DynamoDB throttled, down or unreachable: 503 + Retry-After + problem body, nothing half-written."""

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError, ReadTimeoutError
from botocore.stub import Stubber

from api_common.dynamo import container_client
from tests.integration.conftest import TABLES, Call

dynamodb = container_client()  # the handlers' client (one per process)

ALICE = {"name": "Alice", "email": "alice@example.com"}
UNAVAILABLE = "urn:users-products-api:problem:service-unavailable"


def client_error(code: str, operation: str, **extra: Any) -> ClientError:
    response: Any = {"Error": {"Code": code, "Message": "injected"}, **extra}
    return ClientError(response, operation)


def failing(error: Exception) -> Any:
    def call(**_: Any) -> Any:
        raise error

    return call


def assert_unavailable(reply: Any, retry_after: str) -> None:
    assert reply.status == 503, reply.raw_body
    assert reply.headers["Retry-After"] == retry_after
    assert reply.content_type == "application/problem+json"
    assert reply.body["type"] == UNAVAILABLE
    assert reply.body["status"] == 503
    assert "Traceback" not in reply.raw_body
    assert "injected" not in reply.raw_body


def table_items(table: str) -> list[dict[str, Any]]:
    return boto3.client("dynamodb").scan(TableName=TABLES[table])["Items"]


def test_throttled_reads_are_503_via_stubber(users_api: Call) -> None:
    with Stubber(dynamodb) as stub:
        stub.add_client_error("get_item", "ProvisionedThroughputExceededException", http_status_code=400)
        reply = users_api("GET", "/users/6f1c2e3d-4b5a-4c6d-8e7f-901a2b3c4d5e")
        stub.assert_no_pending_responses()
    assert_unavailable(reply, "1")


@pytest.mark.parametrize(
    ("error", "retry_after"),
    [
        (client_error("ThrottlingException", "TransactWriteItems"), "1"),
        (client_error("InternalServerError", "TransactWriteItems"), "5"),
        (
            client_error(
                "TransactionCanceledException",
                "TransactWriteItems",
                CancellationReasons=[{"Code": "ThrottlingError"}, {"Code": "None"}],
            ),
            "1",
        ),
        (EndpointConnectionError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com"), "5"),
        (ReadTimeoutError(endpoint_url="https://dynamodb.us-east-1.amazonaws.com"), "5"),
    ],
)
def test_failed_user_writes_are_503_and_write_nothing(
    users_api: Call, monkeypatch: pytest.MonkeyPatch, error: Exception, retry_after: str
) -> None:
    monkeypatch.setattr(dynamodb, "transact_write_items", failing(error))
    assert_unavailable(users_api("POST", "/users", body=ALICE), retry_after)
    assert table_items("UsersTable") == []


def test_a_failed_replace_leaves_the_user_and_markers_as_they_were(
    users_api: Call, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = users_api("POST", "/users", body=ALICE).body
    before = table_items("UsersTable")
    monkeypatch.setattr(dynamodb, "transact_write_items", failing(client_error("ThrottlingException", "Tx")))

    reply = users_api("PUT", f"/users/{user['id']}", body={"name": "New", "email": "new@example.com"})

    assert_unavailable(reply, "1")
    monkeypatch.undo()
    assert sorted(map(str, table_items("UsersTable"))) == sorted(map(str, before))
    assert users_api("GET", f"/users/{user['id']}").body == user


def test_failed_product_writes_are_503(products_api: Call, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dynamodb, "put_item", failing(client_error("RequestLimitExceeded", "PutItem")))
    assert_unavailable(products_api("POST", "/products", body={"name": "P", "price": 1}), "1")
    monkeypatch.undo()
    assert table_items("ProductsTable") == []


def test_listing_during_an_outage_is_503(products_api: Call, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dynamodb, "scan", failing(client_error("ServiceUnavailable", "Scan")))
    assert_unavailable(products_api("GET", "/products"), "5")


def test_an_idempotency_store_outage_is_503_and_creates_nothing(
    products_api: Call, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The record is written in the product's own transaction: throttled, neither lands.
    cancelled = client_error(
        "TransactionCanceledException",
        "TransactWriteItems",
        CancellationReasons=[{"Code": "None"}, {"Code": "ThrottlingError"}],
    )
    monkeypatch.setattr(dynamodb, "transact_write_items", failing(cancelled))
    reply = products_api(
        "POST", "/products", body={"name": "P", "price": 1}, headers={"Idempotency-Key": "k"}
    )
    assert_unavailable(reply, "1")
    assert table_items("ProductsTable") == []
    assert table_items("IdempotencyTable") == []


@pytest.mark.parametrize(
    "error",
    [
        client_error("AccessDeniedException", "GetItem"),
        client_error("ResourceNotFoundException", "GetItem"),
        NoCredentialsError(),
        RuntimeError("a bug"),
    ],
)
def test_other_failures_are_a_bare_500_problem(
    users_api: Call, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    monkeypatch.setattr(dynamodb, "get_item", failing(error))
    reply = users_api("GET", "/users/6f1c2e3d-4b5a-4c6d-8e7f-901a2b3c4d5e")
    assert reply.status == 500
    assert reply.body == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "The request could not be completed.",
    }


@pytest.mark.parametrize(
    ("sdk_error", "status"),
    [
        (client_error("ThrottlingException", "GetSecretValue"), 503),
        (client_error("AccessDeniedException", "Get"), 500),
    ],
)
def test_the_cursor_key_unavailable_is_503_and_a_misconfiguration_500(
    products_api: Call, monkeypatch: pytest.MonkeyPatch, sdk_error: ClientError, status: int
) -> None:
    from aws_lambda_powertools.utilities import parameters

    from api_common.cursors import CursorCodec
    from products import handler as products_handler

    products_api("POST", "/products", body={"name": "A", "price": 1})
    products_api("POST", "/products", body={"name": "B", "price": 2})

    def get_secret(*_: Any, **__: Any) -> str:
        try:
            raise sdk_error
        except ClientError as error:
            raise parameters.GetParameterError(str(error))  # noqa: B904 - as Powertools wraps it

    monkeypatch.setattr(parameters, "get_secret", get_secret)
    monkeypatch.setattr(
        products_handler, "cursors", CursorCodec()
    )  # a cold container: the key is not cached yet

    reply = products_api("GET", "/products", query={"limit": "1"})

    assert reply.status == status
    if status == 503:
        assert_unavailable(reply, "1")

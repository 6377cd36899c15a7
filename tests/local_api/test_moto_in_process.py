"""The local API's in-process moto: same answers as moto's own code, atomic transactions, no HTTP hop."""

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, EndpointConnectionError
from moto import mock_aws

from tests.integration.conftest import TABLES
from tools.local_api import moto_in_process
from tools.local_api.moto_in_process import InProcessDispatch
from tools.local_api.process import free_port
from tools.local_api.tables_from_template import create_tables

USERS = TABLES["UsersTable"]
PRODUCTS = TABLES["ProductsTable"]
# One attempt, short timeouts: a connection refused is the expected answer, not something to retry.
NO_RETRY = Config(retries={"total_max_attempts": 1}, connect_timeout=2, read_timeout=5)
VOLATILE = {"ResponseMetadata", "CreatedDate", "VersionId", "ARN"}  # differ between any two moto runs


@pytest.fixture
def fast_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    for owner, attribute, replacement in moto_in_process.PATCHES:
        monkeypatch.setattr(owner, attribute, replacement)


def _stable(response: Any) -> Any:
    if isinstance(response, dict):
        return {key: _stable(value) for key, value in response.items() if key not in VOLATILE}
    if isinstance(response, list):
        return [_stable(value) for value in response]
    return response


def _product(n: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": {"S": f"p{n:03}"},
        "name": {"S": f"Product {n}"},
        "price": {"N": f"{n}.50"},
        "category": {"S": "cat-a" if n % 2 else "cat-b"},
        **extra,
    }


def _scenario() -> list[Any]:
    """Reads and writes of every attribute type, pages, a GSI query, a cancelled transaction, a secret."""
    dynamodb = boto3.client("dynamodb")
    create_tables(dynamodb, TABLES)
    secrets = boto3.client("secretsmanager")
    secrets.create_secret(Name="s", SecretString="value")
    rich = {
        "tags": {"SS": ["a", "b"]},
        "sizes": {"NS": ["1", "2.5"]},
        "blob": {"B": b"\x00\x01"},
        "nested": {"M": {"list": {"L": [{"S": "x"}, {"N": "1"}, {"BOOL": True}, {"NULL": True}]}}},
    }
    for n in range(30):
        dynamodb.put_item(TableName=PRODUCTS, Item=_product(n, **(rich if n % 3 == 0 else {})))
    answers: list[Any] = [dynamodb.get_item(TableName=PRODUCTS, Key={"id": {"S": "p003"}})]
    page = dynamodb.scan(TableName=PRODUCTS, Limit=7)
    answers += [page, dynamodb.scan(TableName=PRODUCTS, Limit=7, ExclusiveStartKey=page["LastEvaluatedKey"])]
    gsi = dynamodb.describe_table(TableName=PRODUCTS)["Table"]["GlobalSecondaryIndexes"][0]
    index, key_name = gsi["IndexName"], gsi["KeySchema"][0]["AttributeName"]
    answers.append(
        dynamodb.query(
            TableName=PRODUCTS,
            IndexName=index,
            KeyConditionExpression="#k = :v",
            ExpressionAttributeNames={"#k": key_name},
            ExpressionAttributeValues={":v": {"S": "cat-a"}},
            Limit=5,
        )
    )
    with pytest.raises(ClientError) as cancelled:
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": PRODUCTS, "Item": _product(99)}},
                {
                    "ConditionCheck": {
                        "TableName": PRODUCTS,
                        "Key": {"id": {"S": "p003"}},
                        "ConditionExpression": "attribute_not_exists(id)",
                        "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                    }
                },
            ]
        )
    answers.append(cancelled.value.response)
    answers.append(secrets.get_secret_value(SecretId="s"))
    return [_stable(answer) for answer in answers]


def test_patched_moto_answers_as_moto_does(monkeypatch: pytest.MonkeyPatch) -> None:
    with mock_aws():
        original = _scenario()
    for owner, attribute, replacement in moto_in_process.PATCHES:
        monkeypatch.setattr(owner, attribute, replacement)
    with mock_aws():
        patched = _scenario()
    assert patched == original
    assert any("Items" in answer and answer["Items"] for answer in patched)  # the scenario read something


def _write_then_fail(dynamodb: Any) -> None:
    """Three writes that would each change the table, and a failing check that cancels them all."""
    dynamodb.transact_write_items(
        TransactItems=[
            {
                "Update": {
                    "TableName": PRODUCTS,
                    "Key": {"id": {"S": "p001"}},
                    "UpdateExpression": "SET #n = :n",
                    "ExpressionAttributeNames": {"#n": "name"},
                    "ExpressionAttributeValues": {":n": {"S": "changed"}},
                }
            },
            {"Delete": {"TableName": PRODUCTS, "Key": {"id": {"S": "p002"}}}},
            {"Put": {"TableName": PRODUCTS, "Item": _product(50)}},
            {
                "ConditionCheck": {
                    "TableName": PRODUCTS,
                    "Key": {"id": {"S": "p003"}},
                    "ConditionExpression": "attribute_not_exists(id)",
                }
            },
        ]
    )


@pytest.mark.usefixtures("fast_moto")
def test_a_cancelled_transaction_leaves_every_item_as_it_was() -> None:
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        create_tables(dynamodb, TABLES)
        for n in range(1, 6):
            dynamodb.put_item(TableName=PRODUCTS, Item=_product(n))
        before = dynamodb.scan(TableName=PRODUCTS)["Items"]
        with pytest.raises(ClientError) as cancelled:
            _write_then_fail(dynamodb)
        assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
        assert dynamodb.scan(TableName=PRODUCTS)["Items"] == before  # same items, same order


@pytest.mark.usefixtures("fast_moto")
def test_a_transaction_that_holds_is_applied_whole() -> None:
    with mock_aws():
        dynamodb = boto3.client("dynamodb")
        create_tables(dynamodb, TABLES)
        for n in range(1, 3):
            dynamodb.put_item(TableName=PRODUCTS, Item=_product(n))
        dynamodb.transact_write_items(
            TransactItems=[
                {"Delete": {"TableName": PRODUCTS, "Key": {"id": {"S": "p001"}}}},
                {"Put": {"TableName": PRODUCTS, "Item": _product(7)}},
                {
                    "Put": {
                        "TableName": USERS,
                        "Item": {"id": {"S": "u1"}, "email": {"S": "a@example.com"}},
                        "ConditionExpression": "attribute_not_exists(id)",
                    }
                },
            ]
        )
        ids = sorted(item["id"]["S"] for item in dynamodb.scan(TableName=PRODUCTS)["Items"])
        assert ids == ["p002", "p007"]
        assert (
            dynamodb.get_item(TableName=USERS, Key={"id": {"S": "u1"}})["Item"]["email"]["S"]
            == "a@example.com"
        )


@pytest.fixture
def dispatch() -> Iterator[Callable[[], InProcessDispatch]]:
    installed: list[InProcessDispatch] = []

    def install() -> InProcessDispatch:
        installed.append(InProcessDispatch(f"http://127.0.0.1:{free_port()}").install())
        return installed[-1]

    with mock_aws():
        yield install
    for handler in installed:
        handler.uninstall()


def test_calls_to_the_embedded_endpoint_are_answered_in_process(
    dispatch: Callable[[], InProcessDispatch],
) -> None:
    handler = dispatch()
    base_url = handler._base_url
    session = boto3.session.Session()  # created after install, as the functions' sessions are
    dynamodb = session.client("dynamodb", endpoint_url=base_url)
    create_tables(dynamodb, TABLES)  # nothing listens on base_url: only the in-process path can answer
    dynamodb.put_item(TableName=USERS, Item={"id": {"S": "u1"}, "email": {"S": "a@example.com"}})
    assert dynamodb.get_item(TableName=USERS, Key={"id": {"S": "u1"}})["Item"]["id"]["S"] == "u1"
    secrets = session.client("secretsmanager", endpoint_url=base_url)
    secrets.create_secret(Name="s", SecretString="value")
    assert secrets.get_secret_value(SecretId="s")["SecretString"] == "value"

    elsewhere = session.client("dynamodb", endpoint_url=f"http://127.0.0.1:{free_port()}", config=NO_RETRY)
    with pytest.raises(EndpointConnectionError):  # another endpoint (e.g. DynamoDB Local) goes over HTTP
        elsewhere.list_tables()

    handler.uninstall()
    after = boto3.session.Session().client("dynamodb", endpoint_url=base_url, config=NO_RETRY)
    with pytest.raises(EndpointConnectionError):
        after.list_tables()

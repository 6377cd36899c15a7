"""Units of api_common and tools.local_api.template_tables that the HTTP-level tests cannot reach."""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestUnsupportedContentType
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from api_common import jsonio
from api_common.config import common_config, require
from api_common.cursors import CursorCodec
from api_common.dynamo import VersionConflictError
from api_common.problems import Problem
from api_common.records import WRITE_ATTEMPTS, Collection, change
from api_common.resolver import _field, fixed_problem
from api_common.tables import VersionedTable
from tests.integration.conftest import TABLES, FakeLambdaContext
from tests.integration.support import api_event, reply
from tools.local_api.template_tables import (
    create_tables,
    load_template,
    table_definition,
    time_to_live_attribute,
)
from users import handler as users_handler
from users.repository import UsersRepository


def test_required_settings_fail_the_cold_start_loudly() -> None:
    with pytest.raises(RuntimeError, match="USERS_TABLE_NAME"):
        require({"USERS_TABLE_NAME": "  "}, "USERS_TABLE_NAME")
    with pytest.raises(RuntimeError, match="ALLOWED_ORIGIN"):
        common_config({})


@given(cents=st.integers(min_value=0, max_value=100_000_000_000))
def test_every_price_in_range_is_written_exactly(cents: int) -> None:
    price = Decimal(cents) / 100
    assert Decimal(jsonio.dumps({"price": price})[9:-1]) == price


def test_numbers_that_would_not_survive_are_refused_not_rounded() -> None:
    with pytest.raises(ValueError, match="exact JSON number"):
        jsonio.dumps(Decimal("0.1234567890123456789"))
    with pytest.raises(TypeError, match="set"):
        jsonio.dumps({1, 2})
    assert jsonio.dumps({"a": Decimal("1E+2"), "b": "é"}) == '{"a":100,"b":"é"}'


def test_a_cursor_longer_than_any_issued_is_refused_unread() -> None:
    codec = CursorCodec(lambda: pytest.fail("the key is not needed to refuse this"))
    with pytest.raises(Problem):
        codec.decode("users", "a" * 3000, frozenset({"id"}))


def test_validation_error_field_names() -> None:
    assert _field(("body", "name")) == "name"
    assert _field(("body",)) == "body"
    assert _field(("body", 17)) == "body"
    assert _field(("query", "limit")) == "limit"
    assert _field(("header", "If-Match")) == "If-Match"
    assert _field(("name",)) == "name"
    assert _field(()) == "body"


def test_powertools_own_unsupported_content_type_is_a_415_problem() -> None:
    response = fixed_problem(RequestUnsupportedContentType("Unsupported content type", errors=[]))
    assert response.status_code == 415
    assert json.loads(str(response.body))["title"] == "Unsupported Media Type"


def test_a_post_without_content_type_is_415(aws: None) -> None:
    event = api_event("POST", "/users", raw_body='{"name": "A", "email": "a@example.com"}')
    del event["headers"]["Content-Type"]
    assert reply(users_handler.lambda_handler(event, FakeLambdaContext())).status == 415


def test_a_change_that_keeps_losing_the_race_ends_in_409() -> None:
    current = {"id": "x", "version": 1}

    class Repository:
        def get(self, item_id: str) -> dict[str, Any]:
            return current

    writes: list[int] = []

    def write(item: dict[str, Any]) -> None:
        writes.append(item["version"])
        raise VersionConflictError

    with pytest.raises(Problem) as refused:
        change(Collection("Thing", Repository()), "6f1c2e3d-4b5a-4c6d-8e7f-901a2b3c4d5e", None, write)
    assert refused.value.status == 409
    assert len(writes) == WRITE_ATTEMPTS


def test_a_transaction_cancelled_for_another_reason_is_not_mistaken_for_a_conflict() -> None:
    cancelled = ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
            "CancellationReasons": [{"Code": "None"}, {"Code": "ValidationError"}],
        },  # type: ignore[typeddict-unknown-key]
        "TransactWriteItems",
    )

    class Client:
        def transact_write_items(self, **_: Any) -> None:
            raise cancelled

    repository = UsersRepository(VersionedTable("users", Client()))  # type: ignore[arg-type]
    with pytest.raises(ClientError) as raised:
        repository.create({"id": "x", "email": "a@example.com"})
    assert raised.value is cancelled


TEMPLATE = """
Resources:
  Key: {Type: "AWS::KMS::Key"}
  Things:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "${AWS::StackName}-things"
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}, {AttributeName: kind, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      GlobalSecondaryIndexes:
        - IndexName: kind-index
          KeySchema: [{AttributeName: kind, KeyType: HASH}]
          Projection: {ProjectionType: KEYS_ONLY}
          ContributorInsightsSpecification: {Enabled: true}
      SSESpecification: {SSEEnabled: true, KMSMasterKeyId: !GetAtt Key.Arn}
      DeletionProtectionEnabled: !If [IsProd, true, false]
      Tags: [{Key: stack, Value: !Ref AWS::StackName}]
  Computed:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: !Ref KeyName, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
"""


def test_template_tables_keep_the_data_model_and_drop_deployment_details(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    document = load_template(path)

    definition = table_definition(document, "Things", "local-things")

    assert definition == {
        "AttributeDefinitions": [
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "kind", "AttributeType": "S"},
        ],
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "BillingMode": "PAY_PER_REQUEST",
        "GlobalSecondaryIndexes": [
            {
                "IndexName": "kind-index",
                "KeySchema": [{"AttributeName": "kind", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        "TableName": "local-things",
    }
    assert document["Resources"]["Things"]["Properties"]["SSESpecification"]["KMSMasterKeyId"] == {
        "Fn::GetAtt": ["Key", "Arn"]
    }
    assert time_to_live_attribute(document, "Things") is None
    with pytest.raises(ValueError, match="not AWS::DynamoDB::Table"):
        table_definition(document, "Key", "x")
    with pytest.raises(ValueError, match="intrinsic function"):
        table_definition(document, "Computed", "x")


def test_template_tables_from_the_real_template(aws: None) -> None:
    client = boto3.client("dynamodb")
    products = client.describe_table(TableName=TABLES["ProductsTable"])["Table"]
    assert products["GlobalSecondaryIndexes"][0]["IndexName"] == "category-index"
    ttl = client.describe_time_to_live(TableName=TABLES["IdempotencyTable"])["TimeToLiveDescription"]
    assert ttl["AttributeName"] == "expiration"
    create_tables(client, TABLES)  # existing tables are left alone
    assert client.describe_table(TableName=TABLES["UsersTable"])["Table"]["KeySchema"] == [
        {"AttributeName": "id", "KeyType": "HASH"}
    ]

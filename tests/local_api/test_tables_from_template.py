"""tools/local_api/tables_from_template.py: the local tables are the template's own, less AWS-only parts."""

from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from tools.local_api.tables_from_template import (
    create_tables,
    load_template,
    table_definition,
    time_to_live_attribute,
)

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


def test_tables_from_template_keep_the_data_model_and_drop_deployment_details(tmp_path: Path) -> None:
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


def test_tables_from_template_from_the_real_template(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(variable, value)
    tables = {"UsersTable": "t-users", "ProductsTable": "t-products", "IdempotencyTable": "t-idempotency"}
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        create_tables(client, tables)
        products = client.describe_table(TableName=tables["ProductsTable"])["Table"]
        assert products["GlobalSecondaryIndexes"][0]["IndexName"] == "category-index"
        ttl = client.describe_time_to_live(TableName=tables["IdempotencyTable"])["TimeToLiveDescription"]
        assert ttl["AttributeName"] == "expiration"
        client.put_item(TableName=tables["UsersTable"], Item={"id": {"S": "kept"}})
        create_tables(client, tables)  # existing tables are left alone, data included
        assert client.get_item(TableName=tables["UsersTable"], Key={"id": {"S": "kept"}})["Item"]
        assert client.describe_table(TableName=tables["UsersTable"])["Table"]["KeySchema"] == [
            {"AttributeName": "id", "KeyType": "HASH"}
        ]

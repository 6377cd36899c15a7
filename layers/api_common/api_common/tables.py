"""Versioned items in a DynamoDB table: consistent reads and writes conditional on the version read.

Single-item writes are used as is (products); the `*_action` builders let a repository put several writes
in one transaction (users and their email markers).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from api_common.cursors import Key
from api_common.dynamo import Item, VersionConflictError, dynamodb, error_code, from_attributes, to_attributes
from api_common.paging import resume_key, start_after

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

_IS_NEW = "attribute_not_exists(#id)"
_AT_VERSION = "#version = :version"
_NAMES = {"#id": "id"}
_VERSION_NAMES = {"#version": "version"}


def _version_values(version: int) -> dict[str, Any]:
    return {":version": {"N": str(version)}}


@contextmanager
def _conflicts_as_version_errors() -> Iterator[None]:
    """A single write whose condition failed: someone else wrote (or deleted) first."""
    try:
        yield
    except ClientError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            raise VersionConflictError from error
        raise


class VersionedTable:
    def __init__(self, name: str, client: "DynamoDBClient" = dynamodb) -> None:
        self.name = name
        self.client = client

    def get(self, item_id: str) -> Item | None:
        # Strongly consistent: a GET right after a write sees it, and versions read here are current.
        response = self.client.get_item(TableName=self.name, Key=self.key(item_id), ConsistentRead=True)
        return from_attributes(response["Item"]) if "Item" in response else None

    def key(self, item_id: str) -> dict[str, Any]:
        return {"id": {"S": item_id}}

    def put_new_action(self, item: Item) -> "TransactWriteItemTypeDef":
        return {
            "Put": {
                "TableName": self.name,
                "Item": to_attributes(item),
                "ConditionExpression": _IS_NEW,
                "ExpressionAttributeNames": _NAMES,
            }
        }

    def put_replacing_action(self, item: Item, version: int) -> "TransactWriteItemTypeDef":
        return {
            "Put": {
                "TableName": self.name,
                "Item": to_attributes(item),
                "ConditionExpression": _AT_VERSION,
                "ExpressionAttributeNames": _VERSION_NAMES,
                "ExpressionAttributeValues": _version_values(version),
            }
        }

    def delete_action(self, item_id: str, version: int) -> "TransactWriteItemTypeDef":
        return {
            "Delete": {
                "TableName": self.name,
                "Key": self.key(item_id),
                "ConditionExpression": _AT_VERSION,
                "ExpressionAttributeNames": _VERSION_NAMES,
                "ExpressionAttributeValues": _version_values(version),
            }
        }

    def put_new(self, item: Item) -> None:
        with _conflicts_as_version_errors():
            self.client.put_item(**self.put_new_action(item)["Put"])

    def put_replacing(self, item: Item, version: int) -> None:
        with _conflicts_as_version_errors():
            self.client.put_item(**self.put_replacing_action(item, version)["Put"])

    def delete(self, item_id: str, version: int) -> None:
        with _conflicts_as_version_errors():
            self.client.delete_item(**self.delete_action(item_id, version)["Delete"])

    def scan(self, limit: int, start: Key | None, **filters: Any) -> tuple[list[Item], Key | None]:
        response = self.client.scan(TableName=self.name, Limit=limit, **start_after(start), **filters)
        return [from_attributes(item) for item in response["Items"]], resume_key(response)

    def query(self, limit: int, start: Key | None, **query: Any) -> tuple[list[Item], Key | None]:
        response = self.client.query(TableName=self.name, Limit=limit, **start_after(start), **query)
        return [from_attributes(item) for item in response["Items"]], resume_key(response)

"""Versioned items in a DynamoDB table: consistent reads and writes conditional on the version read.

Single-item writes are used as is (products); the `*_action` builders let a repository put several writes
in one transaction (users and their email markers). `update` and `delete_if` change an item in one request
without reading it first: the condition names the versions the client accepts, and a failed condition
returns the item as found, which tells 404 from 412.
"""

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from api_common.dynamo import (
    ConditionFailedError,
    Item,
    VersionConflictError,
    error_code,
    failed_item,
    from_attributes,
    to_attributes,
)
from api_common.keys import Key, resume_key, start_after

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

_IS_NEW = "attribute_not_exists(#id)"
_AT_VERSION = "#version = :version"
_NAMES = {"#id": "id"}
_VERSION_NAMES = {"#version": "version"}


def _version_values(version: int) -> dict[str, Any]:
    return {":version": {"N": str(version)}}


_EXISTS = "attribute_exists(#id)"
# DynamoDB's IN takes at most 100 values:
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html
MAX_VERSIONS = 100


def _condition(
    versions: frozenset[int] | None, equal: Mapping[str, Any]
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """`the item exists`, at one of `versions` (None: any), with the `equal` attributes as given."""
    clauses, names, values = [_EXISTS], {"#id": "id"}, dict[str, Any]()
    if versions is not None:
        placeholders = [f":v{n}" for n in range(len(versions))]
        clauses.append(f"#version IN ({', '.join(placeholders)})")
        names["#version"] = "version"
        values |= {p: {"N": str(v)} for p, v in zip(placeholders, sorted(versions), strict=True)}
    for n, (name, value) in enumerate(equal.items()):
        clauses.append(f"#eq{n} = :eq{n}")
        names[f"#eq{n}"] = name
        values[f":eq{n}"] = to_attributes({"v": value})["v"]
    return " AND ".join(clauses), names, values


@contextmanager
def _condition_failures() -> Iterator[None]:
    """A single write whose condition failed, with the item it found (ReturnValuesOnConditionCheckFailure)."""
    try:
        yield
    except ClientError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            raise ConditionFailedError(failed_item(error)) from error
        raise


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
    def __init__(self, name: str, client: "DynamoDBClient") -> None:
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

    def update(
        self,
        item_id: str,
        attributes: Mapping[str, Any],
        removed: Iterable[str],
        *,
        updated_at: str,
        principal: str | None,
        versions: frozenset[int] | None,
        equal: Mapping[str, Any] | None = None,
    ) -> Item:
        """Replace an existing item's attributes in place and bump its version, in one request.

        createdAt/createdBy are left as stored; `removed` attributes go (a full replacement drops the optional
        fields it does not carry). Raises ConditionFailedError with the item found when the item is missing,
        at another version, or differs in an `equal` attribute.
        """
        condition, names, values = _condition(versions, equal or {})
        sets = ["#version = #version + :one", "#updatedAt = :updatedAt"]
        names |= {"#version": "version", "#updatedAt": "updatedAt", "#updatedBy": "updatedBy"}
        values |= {":one": {"N": "1"}, ":updatedAt": {"S": updated_at}}
        for n, (name, value) in enumerate(attributes.items()):
            sets.append(f"#a{n} = :a{n}")
            names[f"#a{n}"] = name
            values[f":a{n}"] = to_attributes({"v": value})["v"]
        removes = [f"#r{n}" for n, _ in enumerate(removed)]
        names |= {f"#r{n}": name for n, name in enumerate(removed)}
        if principal:
            sets.append("#updatedBy = :updatedBy")
            values[":updatedBy"] = {"S": principal}
        else:
            removes.append("#updatedBy")
        expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        with _condition_failures():
            response = self.client.update_item(
                TableName=self.name,
                Key=self.key(item_id),
                UpdateExpression=expression,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        return from_attributes(response["Attributes"])

    def delete_if(self, item_id: str, versions: frozenset[int] | None) -> None:
        """Delete an existing item at one of `versions` (None: any); else ConditionFailedError."""
        condition, names, values = _condition(versions, {})
        request: dict[str, Any] = {
            "TableName": self.name,
            "Key": self.key(item_id),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if values:  # DynamoDB refuses an empty map
            request["ExpressionAttributeValues"] = values
        with _condition_failures():
            self.client.delete_item(**request)

    def scan(self, limit: int, start: Key | None, **filters: Any) -> tuple[list[Item], Key | None]:
        response = self.client.scan(TableName=self.name, Limit=limit, **start_after(start), **filters)
        return [from_attributes(item) for item in response["Items"]], resume_key(response)

    def query(self, limit: int, start: Key | None, **query: Any) -> tuple[list[Item], Key | None]:
        response = self.client.query(TableName=self.name, Limit=limit, **start_after(start), **query)
        return [from_attributes(item) for item in response["Items"]], resume_key(response)

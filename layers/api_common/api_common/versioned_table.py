"""Versioned items in a DynamoDB table: consistent reads and writes conditional on the version read.

Single-item writes are used as is (products); the `*_action` builders let a repository put several writes
in one transaction (users and their email markers). `update` and `delete_if` change an item in one request
without reading it first: the condition names the versions the client accepts, and a failed condition
returns the item as found, which tells 404 from 412. Every item read comes back as the table's record type
(`api_common.record`), deserialized once, here.
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from botocore.exceptions import ClientError

from api_common.dynamo import error_code, from_attributes, to_attributes
from api_common.errors import ConditionFailedError
from api_common.keys import Key, resume_key, start_after
from api_common.record import Change, Record, as_record

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


@dataclass(frozen=True, slots=True)
class Replay:
    """A joined write's answer to a cancelled create: this request was made before, and `record` is what it
    created. The create returns that record and writes nothing."""

    record: Record


class JoinedWrite(Protocol):
    """A write to another table that lands with a new record or not at all (the idempotency record).

    Storage knows nothing of what it means: its action goes last in the transaction, and a cancelled
    transaction is shown to it before anything else. It answers with a Replay, an error to raise (what its
    own refusal means), or None when the cancellation is not its doing.
    """

    def put_action(self, record: Record) -> "TransactWriteItemTypeDef": ...
    def settle(self, error: ClientError, client: "DynamoDBClient") -> Replay | Exception | None: ...


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


@dataclass(frozen=True, slots=True)
class WriteCondition:
    """What a single write asks of the stored record besides existing (the client's preconditions)."""

    versions: frozenset[int] | None = None  # at one of these versions (None: any)
    not_versions: frozenset[int] = frozenset()  # at none of these
    # updatedAt below this timestamp (same format, so string order is time order); None: any
    updated_before: str | None = None


ANY_VERSION = WriteCondition()


def _condition(
    condition: WriteCondition, equal: Mapping[str, Any]
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """`the item exists`, meets `condition`, with the `equal` attributes as given."""
    clauses, names, values = [_EXISTS], {"#id": "id"}, dict[str, Any]()
    for negated, versions in ((False, condition.versions), (True, condition.not_versions or None)):
        if versions is None:
            continue
        prefix = ":nv" if negated else ":v"
        placeholders = [f"{prefix}{n}" for n in range(len(versions))]
        test = f"#version IN ({', '.join(placeholders)})"
        clauses.append(f"NOT ({test})" if negated else test)
        names["#version"] = "version"
        values |= {p: {"N": str(v)} for p, v in zip(placeholders, sorted(versions), strict=True)}
    if condition.updated_before is not None:
        clauses.append("#updatedAt < :updatedBefore")
        names["#updatedAt"] = "updatedAt"
        values[":updatedBefore"] = {"S": condition.updated_before}
    for n, (name, value) in enumerate(equal.items()):
        clauses.append(f"#eq{n} = :eq{n}")
        names[f"#eq{n}"] = name
        values[f":eq{n}"] = to_attributes({"v": value})["v"]
    return " AND ".join(clauses), names, values


@contextmanager
def _condition_failures(record: Callable[[Mapping[str, Any]], Record]) -> Iterator[None]:
    """A single write whose condition failed, as ConditionFailedError with the record it found: DynamoDB
    returns the item with the failure when the write asks for ReturnValuesOnConditionCheckFailure=ALL_OLD
    (a write that does not ask finds None)."""
    try:
        yield
    except ClientError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            found = cast(Mapping[str, Any] | None, error.response.get("Item"))
            raise ConditionFailedError(record(found) if found else None) from error
        raise


class VersionedTable[R: Record]:
    """A table of records of type R, read consistently and written conditionally on their version."""

    def __init__(self, name: str, client: "DynamoDBClient") -> None:
        self.name = name
        self.client = client

    def get(self, item_id: str) -> R | None:
        # Strongly consistent: a GET right after a write sees it, and versions read here are current.
        response = self.client.get_item(TableName=self.name, Key=self.key(item_id), ConsistentRead=True)
        return self._record(response["Item"]) if "Item" in response else None

    def key(self, item_id: str) -> dict[str, Any]:
        return {"id": {"S": item_id}}

    def put_new_action(self, item: Mapping[str, Any]) -> "TransactWriteItemTypeDef":
        """Any new item of the table: a record, or an item that serves one (a user's email marker)."""
        return {
            "Put": {
                "TableName": self.name,
                "Item": to_attributes(item),
                "ConditionExpression": _IS_NEW,
                "ExpressionAttributeNames": _NAMES,
            }
        }

    def put_replacing_action(self, current: R, record: R) -> "TransactWriteItemTypeDef":
        return {
            "Put": {
                "TableName": self.name,
                "Item": to_attributes(record),
                "ConditionExpression": _AT_VERSION,
                "ExpressionAttributeNames": _VERSION_NAMES,
                "ExpressionAttributeValues": _version_values(current["version"]),
            }
        }

    def delete_action(self, current: R) -> "TransactWriteItemTypeDef":
        return {
            "Delete": {
                "TableName": self.name,
                "Key": self.key(current["id"]),
                "ConditionExpression": _AT_VERSION,
                "ExpressionAttributeNames": _VERSION_NAMES,
                "ExpressionAttributeValues": _version_values(current["version"]),
            }
        }

    def create(self, record: R, *also: "TransactWriteItemTypeDef", joined: JoinedWrite | None = None) -> R:
        """Put a new record; with `also` (more writes to this table) or `joined`, in one transaction.

        Returns the record stored: `record`, or the one a Replay of `joined` names (nothing is written then).
        A record whose id is taken raises ConditionFailedError (alone) or a cancellation whose first reason
        is ConditionalCheckFailed (in a transaction).
        """
        if not also and joined is None:
            with _condition_failures(self._record):
                self.client.put_item(**self.put_new_action(record)["Put"])
            return record
        actions = [self.put_new_action(record), *also]
        replay = self.transact([*actions, joined.put_action(record)] if joined else actions, joined)
        return cast(R, replay.record) if replay else record

    def transact(
        self, actions: "list[TransactWriteItemTypeDef]", joined: JoinedWrite | None = None
    ) -> Replay | None:
        """Write all or nothing. A cancellation is `joined`'s to settle first: its Replay is returned, its
        error raised; anything else is raised as it came."""
        try:
            self.client.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if joined is None or error_code(error) != "TransactionCanceledException":
                raise
            answer = joined.settle(error, self.client)
            if isinstance(answer, Exception):
                raise answer from error
            if answer is None:
                raise
            return answer
        return None

    def update(
        self,
        item_id: str,
        change: Change,
        condition: WriteCondition = ANY_VERSION,
        equal: Mapping[str, Any] | None = None,
    ) -> R:
        """Replace an existing record's attributes in place and bump its version, in one request.

        createdAt/createdBy are left as stored; `removed` attributes go (a full replacement drops the optional
        fields it does not carry). Raises ConditionFailedError with the record found when it is missing, fails
        `condition`, or differs in an `equal` attribute.
        """
        expression, names, values = _condition(condition, equal or {})
        sets = ["#version = #version + :one", "#updatedAt = :updatedAt"]
        names |= {"#version": "version", "#updatedAt": "updatedAt", "#updatedBy": "updatedBy"}
        values |= {":one": {"N": "1"}, ":updatedAt": {"S": change.updated_at}}
        for n, (name, value) in enumerate(change.attributes.items()):
            sets.append(f"#a{n} = :a{n}")
            names[f"#a{n}"] = name
            values[f":a{n}"] = to_attributes({"v": value})["v"]
        removes = [f"#r{n}" for n, _ in enumerate(change.removed)]
        names |= {f"#r{n}": name for n, name in enumerate(change.removed)}
        if change.principal:
            sets.append("#updatedBy = :updatedBy")
            values[":updatedBy"] = {"S": change.principal}
        else:
            removes.append("#updatedBy")
        update = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
        with _condition_failures(self._record):
            response = self.client.update_item(
                TableName=self.name,
                Key=self.key(item_id),
                UpdateExpression=update,
                ConditionExpression=expression,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        return self._record(response["Attributes"])

    def delete_if(self, item_id: str, condition: WriteCondition = ANY_VERSION) -> None:
        """Delete an existing record that meets `condition`; else ConditionFailedError."""
        expression, names, values = _condition(condition, {})
        request: dict[str, Any] = {
            "TableName": self.name,
            "Key": self.key(item_id),
            "ConditionExpression": expression,
            "ExpressionAttributeNames": names,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if values:  # DynamoDB refuses an empty map
            request["ExpressionAttributeValues"] = values
        with _condition_failures(self._record):
            self.client.delete_item(**request)

    def scan(self, limit: int, start: Key | None, **filters: Any) -> tuple[list[R], Key | None]:
        response = self.client.scan(TableName=self.name, Limit=limit, **start_after(start), **filters)
        return [self._record(item) for item in response["Items"]], resume_key(response)

    def query(self, limit: int, start: Key | None, **query: Any) -> tuple[list[R], Key | None]:
        response = self.client.query(TableName=self.name, Limit=limit, **start_after(start), **query)
        return [self._record(item) for item in response["Items"]], resume_key(response)

    def _record(self, attributes: Mapping[str, Any]) -> R:
        # This table holds R's (and items that serve them, which its reads never return).
        return cast(R, as_record(from_attributes(attributes)))

"""The idempotency record of a keyed POST (IETF httpapi idempotency-key draft), in the item's own transaction.

Storage only: the header is read in `api_common.request`, and what a refusal means for the client (replay,
409, 422) is a domain answer (`api_common.errors`) that the resolver renders. The record is keyed by caller,
route and key, so two callers (or two routes) never share a key space. The same key with the same body
within an hour replays the first result; with another body it is refused; while a request with the key is
committing (DynamoDB reports a transaction conflict) it is "in flight". Requests without the header skip the
idempotency table altogether.

Not Powertools' Idempotency utility: it writes its record in requests of its own (in progress, then
completed), which cannot share the item's transaction; here the record and the item are one atomic write.
"""

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypedDict, cast

from botocore.exceptions import ClientError

from api_common.dynamo import from_attributes, to_attributes
from api_common.errors import IdempotencyKeyInFlightError, IdempotencyKeyReusedError
from api_common.record import Record, as_record
from api_common.versioned_table import Replay

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

WINDOW_SECONDS = 3600


class KeyRecord(TypedDict):
    """The idempotency table's item, by its attribute names."""

    id: str  # idempotency#<hash of caller, route and key>
    status: Literal["COMPLETED"]
    validation: str  # SHA-256 of the request body
    expiration: int  # epoch seconds: the table's TTL attribute
    item: Record  # what the first request created


def _key_record(attributes: Mapping[str, Any]) -> KeyRecord:
    """The stored attributes as a KeyRecord: numbers deserialize as Decimal, so they are converted here."""
    stored = from_attributes(attributes)
    return {
        "id": stored["id"],
        "status": stored["status"],
        "validation": stored["validation"],
        "expiration": int(stored["expiration"]),
        "item": as_record(stored["item"]),
    }


@dataclass(frozen=True, slots=True)
class Claim:
    """An Idempotency-Key claimed in the transaction that creates the item, so both land or neither does.

    The record holds a hash of the request and the item the request created (the response is rendered from
    it, so a replay has the first response's status, body, Location and ETag). It is refused while a
    current record holds the key; an expired one counts as absent and is overwritten, since DynamoDB's TTL
    deletes expired items only eventually:
    https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html
    """

    record_id: str
    request_hash: str
    table: str

    def put_action(self, item: Record) -> "TransactWriteItemTypeDef":
        """The record's Put; it must be the LAST action of the transaction (see `settle`)."""
        now = int(time.time())
        record: KeyRecord = {
            "id": self.record_id,
            "status": "COMPLETED",
            "validation": self.request_hash,
            "expiration": now + WINDOW_SECONDS,
            "item": item,
        }
        return {
            "Put": {
                "TableName": self.table,
                "Item": to_attributes(record),
                "ConditionExpression": "attribute_not_exists(#id) OR #expiration <= :now",
                "ExpressionAttributeNames": {"#id": "id", "#expiration": "expiration"},
                "ExpressionAttributeValues": {":now": {"N": str(now)}},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }

    def settle(self, error: ClientError, client: "DynamoDBClient") -> Replay | Exception | None:
        """What a cancelled transaction means for the key: a Replay, the refusal to raise, or None when the
        key did not cause it.

        CancellationReasons follow the order of the actions, so the record's reason is the last one:
        https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CancellationReason.html
        """
        reasons = error.response.get("CancellationReasons") or [{}]
        reason = cast(dict[str, Any], reasons[-1])
        if reason.get("Code") == "TransactionConflict":
            return IdempotencyKeyInFlightError()  # a request with this key is committing right now
        if reason.get("Code") != "ConditionalCheckFailed":
            return None
        record = _key_record(reason["Item"]) if reason.get("Item") else self._read(client)
        if record is None or record["expiration"] <= int(time.time()):
            return IdempotencyKeyInFlightError()  # the record changed since the refusal: a retry settles it
        if record["validation"] != self.request_hash:
            return IdempotencyKeyReusedError()
        return Replay(record["item"])

    def _read(self, client: "DynamoDBClient") -> KeyRecord | None:
        got = client.get_item(TableName=self.table, Key={"id": {"S": self.record_id}}, ConsistentRead=True)
        return _key_record(got["Item"]) if "Item" in got else None


def claim(key: str | None, *, scope: str, payload: str, table: str) -> Claim | None:
    """The claim of a keyed request (None without a key). `payload` is the canonical request body.

    Keyed by a hash of scope and key, so neither the caller's ARN nor the key is stored in clear.
    """
    if key is None:
        return None
    scoped = hashlib.blake2b(json.dumps([scope, key]).encode(), digest_size=16).hexdigest()
    request_hash = hashlib.sha256(payload.encode()).hexdigest()
    return Claim(record_id=f"idempotency#{scoped}", request_hash=request_hash, table=table)

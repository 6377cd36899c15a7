"""The DynamoDB client (one per container), item (de)serialisation and the translation of store failures.

A throttled or unreachable table is the client's cue to retry later (503 + Retry-After), never a 500: every
write the services make is a single conditional request or one transaction, so a failure leaves nothing
half-written.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from api_common.problems import Problem, service_unavailable
from api_common.snapstart import after_restore

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import AttributeValueTypeDef

Item = dict[str, Any]

# Standard retry mode already backs off on throttling; stay well inside the 29 s API Gateway limit.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 3},
    connect_timeout=2,
    read_timeout=5,
    tcp_keepalive=True,
)

_THROTTLED = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionConflictException",
        "TransactionInProgressException",
    }
)
_DOWN = frozenset({"InternalServerError", "ServiceUnavailable", "ServiceUnavailableException"})
# Cancellation reason codes of a transaction that a retry can clear.
_TRANSIENT_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict"})
THROTTLED_RETRY_AFTER = 1
DOWN_RETRY_AFTER = 5

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


class VersionConflictError(Exception):
    """A conditional write found the item changed (or gone) since it was read."""


class ConditionFailedError(Exception):
    """A single write's condition failed; `current` is the item the write found (None: there was none).

    DynamoDB returns that item with the failure when the write asks for ReturnValuesOnConditionCheckFailure
    ALL_OLD, so telling "missing" (404) from "changed" (412) costs no extra read:
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
    """

    def __init__(self, current: Item | None) -> None:
        super().__init__("condition failed")
        self.current = current


def create_client() -> "DynamoDBClient":
    """A client for the region and endpoint of the environment (AWS_ENDPOINT_URL_DYNAMODB for local runs)."""
    return boto3.client("dynamodb", config=CLIENT_CONFIG)


# The one client of the container, created at init (connection reuse across invocations).
dynamodb = create_client()


@after_restore
def drop_pooled_connections() -> None:
    """Connections opened before a SnapStart snapshot would be stale in every restored environment.

    close() empties the client's connection pool; the client stays usable and reconnects on its next call.
    """
    dynamodb.close()


def to_attributes(item: Mapping[str, Any]) -> dict[str, "AttributeValueTypeDef"]:
    return {name: _serializer.serialize(value) for name, value in item.items()}


def from_attributes(attributes: Mapping[str, Any]) -> Item:
    return {name: _deserializer.deserialize(value) for name, value in attributes.items()}


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def failed_item(error: ClientError) -> Item | None:
    """The item a ConditionalCheckFailedException carries (ReturnValuesOnConditionCheckFailure=ALL_OLD)."""
    attributes = cast(Mapping[str, Any] | None, error.response.get("Item"))
    return from_attributes(attributes) if attributes else None


def cancellation_codes(error: ClientError) -> list[str]:
    """The per-action reason codes of a cancelled transaction ("None" for an action that was fine)."""
    reasons = error.response.get("CancellationReasons", [])
    return [str(reason.get("Code", "None")) for reason in reasons]


def unavailable(error: Exception) -> Problem | None:
    """The 503 for a store failure that a later retry can clear, or None when it is not one."""
    if isinstance(error, BotocoreConnectionError | HTTPClientError):
        return service_unavailable(DOWN_RETRY_AFTER)
    if not isinstance(error, ClientError):
        return None
    code = error_code(error)
    if code in _THROTTLED:
        return service_unavailable(THROTTLED_RETRY_AFTER)
    if code in _DOWN:
        return service_unavailable(DOWN_RETRY_AFTER)
    if code == "TransactionCanceledException" and _TRANSIENT_REASONS.intersection(cancellation_codes(error)):
        return service_unavailable(THROTTLED_RETRY_AFTER)
    return None

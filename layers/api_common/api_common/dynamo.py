"""The DynamoDB client (one per container, created by the handler), item (de)serialisation, error codes.

Storage only: what a store failure means to an HTTP client is decided above, in `api_common.store_failures`.
"""

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config
from botocore.exceptions import ClientError

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

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def create_client() -> "DynamoDBClient":
    """A client for the region and endpoint of the environment (AWS_ENDPOINT_URL_DYNAMODB for local runs)."""
    return boto3.client("dynamodb", config=CLIENT_CONFIG)


@functools.cache
def container_client() -> "DynamoDBClient":
    """The one client of the container (connection reuse across invocations); the handlers create it at init.

    Both services' handlers share it when one process imports both (tests, the local emulator).
    """
    client = create_client()

    @after_restore
    def drop_pooled_connections() -> None:
        """Connections opened before a SnapStart snapshot would be stale in every restored environment.

        close() empties the client's connection pool; the client stays usable and reconnects on its next call.
        """
        client.close()

    return client


def to_attributes(item: Mapping[str, Any]) -> dict[str, "AttributeValueTypeDef"]:
    return {name: _serializer.serialize(value) for name, value in item.items()}


def from_attributes(attributes: Mapping[str, Any]) -> Item:
    return {name: _deserializer.deserialize(value) for name, value in attributes.items()}


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def cancellation_codes(error: ClientError) -> list[str]:
    """The per-action reason codes of a cancelled transaction ("None" for an action that was fine)."""
    reasons = error.response.get("CancellationReasons", [])
    return [str(reason.get("Code", "None")) for reason in reasons]

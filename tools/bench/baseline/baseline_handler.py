"""Baseline for the cold-start and warm-overhead ratios: the least a GET /{resource}/{id} function can be.

Standard library and the boto3 that the Lambda runtime ships, nothing else: one DynamoDB GetItem and the
same response the real functions give (JSON item, ETag, CORS headers, 404 in the problem shape).
"""

import json
import os
from decimal import Decimal
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer

_TABLE = os.environ.get("USERS_TABLE_NAME") or os.environ["PRODUCTS_TABLE_NAME"]
_ORIGIN = os.environ.get("ALLOWED_ORIGIN", "*")
_client = boto3.client("dynamodb")
_deserializer = TypeDeserializer()


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _response(status: int, body: dict[str, Any], content_type: str, **headers: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {
            "Content-Type": content_type,
            "Access-Control-Allow-Origin": _ORIGIN,
            "Access-Control-Expose-Headers": "ETag, Location, Retry-After",
            **headers,
        },
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }


def lambda_handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    item_id = (event.get("pathParameters") or {}).get("id", "")
    found = _client.get_item(TableName=_TABLE, Key={"id": {"S": item_id}}).get("Item")
    if found is None:
        problem = {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "no such item"}
        return _response(404, problem, "application/problem+json")
    item = {key: _plain(_deserializer.deserialize(value)) for key, value in found.items()}
    return _response(200, item, "application/json", ETag=f'"{item["version"]}"')

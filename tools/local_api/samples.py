"""The items the sample events in events/ refer to, written straight into the local tables.

Every event names its expected status (`users-get-200.json`): the user and product ids, Ada's email, version 1
and the signed cursors in those files only answer that way against this data. `reseed` empties the tables
first, so events that change data (delete, update) can run again, each on the same starting point.

The items are in the services' storage shape: a user plus its `email#` marker (users/repository.py), a product
with its category (the category index). tests/invoke/test_local_invoke.py runs every event against them, so a
change of storage shape that leaves them behind fails there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from boto3.dynamodb.types import TypeSerializer

# The key the events' cursors are signed with (the integration suite's key): local use only, never deployed.
CURSOR_KEY = "unit-test-cursor-signing-key-0123456789abcdefghijklmnopqrstuvwxyz"

USER_ID = "6f1c2e3d-4b5a-4c6d-8e7f-901a2b3c4d5e"
PRODUCT_ID = "0b6e1f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
_CREATED = "2026-11-25T09:00:00.000Z"

ITEMS: dict[str, list[dict[str, Any]]] = {
    "UsersTable": [
        {
            "id": USER_ID,
            "name": "Ada",
            "email": "ada@example.com",
            "createdAt": _CREATED,
            "updatedAt": _CREATED,
            "version": 1,
        },
        {"id": "email#ada@example.com", "userId": USER_ID},
    ],
    "ProductsTable": [
        {
            "id": PRODUCT_ID,
            "name": "Mouse",
            "price": 25,
            "category": "peripherals",
            "createdAt": _CREATED,
            "updatedAt": _CREATED,
            "version": 1,
        }
    ],
    "IdempotencyTable": [],
}
CURSOR_SECRET = "CursorSigningSecret"  # noqa: S105 - the logical ID of the secret, not a value


def reseed(dynamodb: Any, secretsmanager: Any, physical_ids: Mapping[str, str]) -> None:
    """Empty the template's tables, write the sample items and set the cursor key.

    `physical_ids` maps the template's logical IDs to the local table names and the secret's id or ARN.
    """
    serializer = TypeSerializer()
    for logical_id, items in ITEMS.items():
        table = physical_ids[logical_id]
        _empty(dynamodb, table)
        for item in items:
            dynamodb.put_item(
                TableName=table, Item={name: serializer.serialize(value) for name, value in item.items()}
            )
    secret = physical_ids[CURSOR_SECRET]
    try:
        secretsmanager.put_secret_value(SecretId=secret, SecretString=CURSOR_KEY)
    except secretsmanager.exceptions.ResourceNotFoundException:
        secretsmanager.create_secret(Name=secret, SecretString=CURSOR_KEY)


def _empty(dynamodb: Any, table: str) -> None:
    key_names = [
        key["AttributeName"] for key in dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]
    ]
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        for item in page["Items"]:
            dynamodb.delete_item(TableName=table, Key={name: item[name] for name in key_names})

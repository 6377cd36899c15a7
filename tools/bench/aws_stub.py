"""DynamoDB and Secrets Manager stubbed at the client's HTTP send, for the bench's child process.

`botocore.endpoint.Endpoint._send` is replaced, so botocore still serialises, signs and parses every call,
but nothing leaves the process. The stub is hooked in when botocore is first imported, whoever imports it,
so it adds nothing to the measured import. Standard library only, and only what the child has loaded
already (see child.py): `typing` stays out, mypy reads `TYPE_CHECKING` as true.
"""

from __future__ import annotations

import importlib.machinery
import json
import os
from collections.abc import Iterator

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import ModuleType
    from typing import Any

STORE: dict[str, dict[str, dict[str, Any]]] = {}
# Requests sent to DynamoDB, counted at the send: one per API call, whichever client (the function's own or
# Powertools') sends it; the stub never fails, so botocore retries none.
DYNAMODB_CALLS = [0]
_SECRET = "bench-cursor-signing-key-" + "k" * 40


def wire(value: object) -> dict[str, Any]:
    """A plain JSON value as a DynamoDB attribute value."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list):
        return {"L": [wire(v) for v in value]}
    if isinstance(value, dict):
        return {"M": {k: wire(v) for k, v in value.items()}}
    if value is None:
        return {"NULL": True}
    raise TypeError(f"cannot store {type(value).__name__}")


def seed(tables: dict[str, list[dict[str, Any]]]) -> None:
    for table, items in tables.items():
        STORE[table] = {item["id"]: {k: wire(v) for k, v in item.items()} for item in items}


def _key_of(request: dict[str, Any]) -> str:
    return str(request.get("Key", {}).get("id", {}).get("S", ""))


def dynamodb(operation: str, request: dict[str, Any]) -> dict[str, Any]:
    """A table that never changes: writes succeed, reads see the seeded items, conditions always hold."""
    table = STORE.get(request.get("TableName", ""), {})
    if operation == "GetItem":
        found = table.get(_key_of(request))
        return {"Item": found} if found else {}
    if operation in {"UpdateItem", "DeleteItem", "PutItem"}:
        found = table.get(_key_of(request)) or request.get("Item")
        wants = request.get("ReturnValues", "NONE") != "NONE"
        return {"Attributes": found} if wants and found else {}
    if operation in {"Query", "Scan"}:
        items = [item for key, item in table.items() if not key.startswith("email#")]
        items = items[: int(request.get("Limit", 100))]
        return {"Items": items, "Count": len(items), "ScannedCount": len(items)}
    if operation == "TransactGetItems":
        gets = [dynamodb("GetItem", entry["Get"]) for entry in request.get("TransactItems", [])]
        return {"Responses": gets}
    return {}


def _secretsmanager(operation: str, request: dict[str, Any]) -> dict[str, Any]:
    if operation != "GetSecretValue":
        return {}
    name = request.get("SecretId", "secret")
    return {"ARN": name, "Name": name, "SecretString": _SECRET, "VersionId": "v1", "CreatedDate": 1.7e9}


class _Body:
    def __init__(self, payload: bytes) -> None:
        self._payload = payload

    def stream(self, **_: object) -> Iterator[bytes]:
        yield self._payload


def _patch_botocore(endpoint_module: ModuleType) -> None:
    from botocore.awsrequest import AWSResponse

    def send(_self: object, request: Any) -> AWSResponse:
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else target
        service, _, operation = target.partition(".")
        body = request.body.decode() if isinstance(request.body, bytes) else request.body or "{}"
        handler = _secretsmanager if service == "secretsmanager" else dynamodb
        DYNAMODB_CALLS[0] += handler is dynamodb
        payload = json.dumps(handler(operation, json.loads(body))).encode()
        headers: Any = {
            "x-amzn-RequestId": os.urandom(16).hex(),
            "Content-Type": "application/x-amz-json-1.0",
        }
        return AWSResponse(request.url, 200, headers, _Body(payload))

    endpoint_module.Endpoint._send = send


class PatchBotocoreOnImport:
    """Patches `botocore.endpoint` as it is imported (a meta path finder that finds nothing else)."""

    def find_spec(
        self, fullname: str, path: Any, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "botocore.endpoint":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.loader is None:
            return spec
        loader: Any = spec.loader
        load = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            load(module)
            _patch_botocore(module)

        loader.exec_module = exec_module
        return spec

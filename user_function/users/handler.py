"""Provisional handler (step 1): basic CRUD so the template, local server and bench can wire up."""

import json
import os
import uuid
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

_table = boto3.resource("dynamodb").Table(os.environ["USERS_TABLE_NAME"])
app = APIGatewayRestResolver()


def _json(status: int, body: Any) -> Response[Any]:
    return Response(status, "application/json", json.dumps(body, default=str))


@app.get("/users")
def list_users() -> Response[Any]:
    items = _table.scan(Limit=20).get("Items", [])
    return _json(
        200, {"items": [i for i in items if not str(i["id"]).startswith("email#")], "nextCursor": None}
    )


@app.post("/users")
def create_user() -> Response[Any]:
    body = app.current_event.json_body
    now = datetime.now(UTC).isoformat()
    item = {"id": str(uuid.uuid4()), **body, "createdAt": now, "updatedAt": now, "version": 1}
    _table.put_item(Item=item)
    return _json(201, item)


@app.get("/users/<user_id>")
def get_user(user_id: str) -> Response[Any]:
    item = _table.get_item(Key={"id": user_id}).get("Item")
    return _json(200, item) if item else _json(404, {"title": "Not Found", "status": 404})


@app.delete("/users/<user_id>")
def delete_user(user_id: str) -> Response[Any]:
    _table.delete_item(Key={"id": user_id})
    return Response(204)


def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)

"""Fixture handler: echoes what the local server hands a Lambda function, crashes or overruns on demand."""

import json
import os
import time
from typing import Any

import boto3

# Created at init, like the real functions: the endpoint and table come from the function's own environment.
_table = boto3.resource("dynamodb").Table(os.environ["ITEMS_TABLE_NAME"])
_secrets = boto3.client("secretsmanager")


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    path = event["path"]
    if path == "/crash":
        raise RuntimeError("boom")
    if path == "/slow":
        time.sleep(3)
    if event["httpMethod"] == "POST":
        item = json.loads(event["body"])
        _table.put_item(Item={"id": item["name"], "price": str(item["price"])})
    secret = _secrets.get_secret_value(SecretId=os.environ["SECRET_ID"])["SecretString"]
    body = {
        "identity": event["requestContext"]["identity"],
        "requestId": event["requestContext"]["requestId"],
        "query": event["queryStringParameters"],
        "multiValueQuery": event["multiValueQueryStringParameters"],
        "headers": event["headers"],
        "multiValueHeaders": event["multiValueHeaders"],
        "path": path,
        "items": _table.scan()["Items"],
        "secretLength": len(secret),
        "functionName": context.function_name,
        "remainingMs": context.get_remaining_time_in_millis(),
        "env": {
            name: os.environ.get(name) for name in ("ITEMS_TABLE_NAME", "ALLOWED_ORIGIN", "AWS_SAM_LOCAL")
        },
    }
    return {
        "statusCode": 201 if event["httpMethod"] == "POST" else 200,
        "headers": {
            "Content-Type": "application/json",
            "Access-Control-Allow-Origin": os.environ["ALLOWED_ORIGIN"],
        },
        "body": json.dumps(body),
    }

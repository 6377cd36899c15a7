"""API Gateway REST proxy events for every route, and the DynamoDB items the stub serves them from."""

import json
from typing import Any

from tools.bench.lambda_env import ACCOUNT

USER_ID = "0b6f1a8e-4a52-4d53-9a7e-3c2a1d0e5f11"
PRODUCT_ID = "7d2c9e41-1b7f-4c3a-8e55-0f9a6b2d4c88"
STAMP = "2026-01-01T00:00:00.000Z"
CALLER = f"arn:aws:iam::{ACCOUNT}:user/bench"

SEED_USER = {
    "id": USER_ID, "name": "Ada Lovelace", "email": "ada@example.com",
    "createdAt": STAMP, "updatedAt": STAMP, "version": 1, "createdBy": CALLER, "updatedBy": CALLER,
}  # fmt: skip
SEED_PRODUCT = {
    "id": PRODUCT_ID, "name": "Analytical Engine", "description": "Programmable", "price": 1843.5,
    "category": "machines", "createdAt": STAMP, "updatedAt": STAMP, "version": 1,
    "createdBy": CALLER, "updatedBy": CALLER,
}  # fmt: skip
NEW_USER = {"name": "Grace Hopper", "email": "grace@example.com"}
NEW_PRODUCT = {"name": "Difference Engine", "price": 999.99, "category": "machines"}


def api_event(
    method: str,
    resource: str,
    path: str,
    *,
    path_parameters: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A REST API (v1) proxy event as API Gateway sends it for an IAM-authorised caller."""
    all_headers = {
        "Accept": "application/json",
        "Host": "abc123.execute-api.eu-west-1.amazonaws.com",
        "User-Agent": "bench",
        "X-Amzn-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793",
        "X-Forwarded-For": "203.0.113.7",
        "X-Forwarded-Proto": "https",
        **({"Content-Type": "application/json"} if body is not None else {}),
        **(headers or {}),
    }
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {key: [value] for key, value in all_headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "abc123",
            "resourcePath": resource,
            "httpMethod": method,
            "extendedRequestId": "bench",
            "requestTime": "01/Jan/2026:00:00:00 +0000",
            "path": f"/dev{path}",
            "accountId": ACCOUNT,
            "protocol": "HTTP/1.1",
            "stage": "dev",
            "domainPrefix": "abc123",
            "requestTimeEpoch": 1767225600000,
            "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
            "identity": {
                "accountId": ACCOUNT,
                "caller": "AIDABENCHBENCHBENCH",
                "accessKey": "ASIABENCHBENCHBENCH0",
                "sourceIp": "203.0.113.7",
                "user": "AIDABENCHBENCHBENCH",
                "userAgent": "bench",
                "userArn": CALLER,
                "cognitoIdentityPoolId": None,
                "cognitoIdentityId": None,
                "cognitoAuthenticationType": None,
                "cognitoAuthenticationProvider": None,
                "apiKey": None,
                "principalOrgId": None,
            },
            "domainName": "abc123.execute-api.eu-west-1.amazonaws.com",
            "apiId": "abc123",
        },
        "body": json.dumps(body) if body is not None else None,
        "isBase64Encoded": False,
    }


def _routes(
    collection: str, item_id: str, new: dict[str, Any], query: dict[str, str]
) -> list[dict[str, Any]]:
    """GET by id first (the cold-start request), then the rest of the CRUD surface."""
    item_path, resource, ids = f"/{collection}/{item_id}", f"/{collection}/{{id}}", {"id": item_id}
    if_match = {"If-Match": '"1"'}
    return [
        {"name": f"GET /{collection}/{{id}}", "expect": 200,
         "event": api_event("GET", resource, item_path, path_parameters=ids)},
        {"name": f"GET /{collection}", "expect": 200,
         "event": api_event("GET", f"/{collection}", f"/{collection}", query=query)},
        {"name": f"POST /{collection}", "expect": 201, "unique_header": "Idempotency-Key",
         "event": api_event("POST", f"/{collection}", f"/{collection}", body=new)},
        {"name": f"PUT /{collection}/{{id}}", "expect": 200,
         "event": api_event("PUT", resource, item_path, path_parameters=ids, body=new, headers=if_match)},
        {"name": f"DELETE /{collection}/{{id}}", "expect": 204,
         "event": api_event("DELETE", resource, item_path, path_parameters=ids, headers=if_match)},
    ]  # fmt: skip


def routes_for(table_variable: str) -> list[dict[str, Any]]:
    if table_variable == "USERS_TABLE_NAME":
        return _routes("users", USER_ID, NEW_USER, {"limit": "20"})
    return _routes("products", PRODUCT_ID, NEW_PRODUCT, {"limit": "20", "category": "machines"})


def seed_items(table_variable: str) -> list[dict[str, Any]]:
    if table_variable == "USERS_TABLE_NAME":
        marker = {"id": f"email#{SEED_USER['email']}", "userId": USER_ID}
        return [SEED_USER, marker]
    return [SEED_PRODUCT]

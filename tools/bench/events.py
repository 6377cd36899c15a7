"""API Gateway REST proxy events for every route (tools.lambda_doubles builds them, as for the tests),
and the DynamoDB items the stub serves them from."""

from typing import Any

from tools.lambda_doubles import CALLER_ARN, api_event

USER_ID = "0b6f1a8e-4a52-4d53-9a7e-3c2a1d0e5f11"
PRODUCT_ID = "7d2c9e41-1b7f-4c3a-8e55-0f9a6b2d4c88"
STAMP = "2026-01-01T00:00:00.000Z"
CALLER = CALLER_ARN

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


def _routes(
    collection: str, item_id: str, new: dict[str, Any], query: dict[str, str]
) -> list[dict[str, Any]]:
    """GET by id first (the cold-start request), then the rest of the CRUD surface. POST runs twice: plain,
    and with a fresh Idempotency-Key per call (issue 10 changed what each costs)."""
    item_path, collection_path = f"/{collection}/{item_id}", f"/{collection}"
    if_match = {"If-Match": '"1"'}
    return [
        {"name": f"GET /{collection}/{{id}}", "expect": 200, "event": api_event("GET", item_path)},
        {"name": f"GET /{collection}", "expect": 200,
         "event": api_event("GET", collection_path, query=query)},
        {"name": f"POST /{collection}", "expect": 201, "event": api_event("POST", collection_path, body=new)},
        {"name": f"POST /{collection} + Idempotency-Key", "expect": 201, "unique_header": "Idempotency-Key",
         "event": api_event("POST", collection_path, body=new)},
        {"name": f"PUT /{collection}/{{id}}", "expect": 200,
         "event": api_event("PUT", item_path, body=new, headers=if_match)},
        {"name": f"DELETE /{collection}/{{id}}", "expect": 204,
         "event": api_event("DELETE", item_path, headers=if_match)},
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

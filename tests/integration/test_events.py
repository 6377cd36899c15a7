"""Every file in events/ through its function against moto, checked against the status in its name.

Files are named `<users|products>-<case>-<status>.json`. Each runs on a table seeded with the user and the
product the events refer to (version 1); cursors in the events are signed with the integration suite's key.
"""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from products import handler as products_handler
from products.repository import ProductRecord
from tests.integration.conftest import FakeLambdaContext
from tests.integration.support import CALLER_ARN, reply
from users import handler as users_handler
from users.repository import UserRecord

EVENTS = sorted((Path(__file__).resolve().parents[2] / "events").glob("*.json"))
HANDLERS = {"users": users_handler, "products": products_handler}
USER: UserRecord = {
    "id": "6f1c2e3d-4b5a-4c6d-8e7f-901a2b3c4d5e",
    "name": "Ada",
    "email": "ada@example.com",
    "createdAt": "2026-11-25T09:00:00.000Z",
    "updatedAt": "2026-11-25T09:00:00.000Z",
    "version": 1,
}
PRODUCT: ProductRecord = {
    "id": "0b6e1f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b",
    "name": "Mouse",
    "price": Decimal(25),
    "category": "peripherals",
    "createdAt": "2026-11-25T09:00:00.000Z",
    "updatedAt": "2026-11-25T09:00:00.000Z",
    "version": 1,
}


def test_there_is_an_event_per_route_and_case() -> None:
    names = {path.stem for path in EVENTS}
    for service in HANDLERS:
        for case in ("create-201", "get-200", "list-with-cursor-200", "update-if-match-200", "delete-204"):
            assert f"{service}-{case}" in names
        assert any(name.startswith(f"{service}-create-invalid") and name.endswith("-400") for name in names)


@pytest.mark.parametrize("path", EVENTS, ids=[path.stem for path in EVENTS])
def test_event_gives_its_documented_status(aws: None, path: Path) -> None:
    users_handler.users.repository.create(USER)
    products_handler.products.repository.create(PRODUCT)
    event: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    service, expected = path.stem.split("-", 1)[0], int(path.stem.rsplit("-", 1)[1])

    result = reply(HANDLERS[service].lambda_handler(event, FakeLambdaContext()))

    assert result.status == expected, result.raw_body
    assert event["requestContext"]["identity"]["userArn"] == CALLER_ARN
    if expected >= 400:
        assert result.content_type == "application/problem+json"

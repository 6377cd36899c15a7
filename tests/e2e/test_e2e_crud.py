"""Every route and its documented statuses, for both collections, over signed HTTP."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from e2e_support import Api, assert_problem

ITEM_FIELDS = {"id", "createdAt", "updatedAt", "version"}


def _path(collection: str, item: dict[str, Any]) -> str:
    return f"/{collection}/{item['id']}"


def test_create_is_201_with_location_etag_and_the_item(
    api: Api, collection: str, new_body: dict[str, Any]
) -> None:
    response = api.post(f"/{collection}", json=new_body)

    assert response.status_code == 201, response.text
    item = response.json()
    assert item.keys() >= ITEM_FIELDS
    assert {key: item[key] for key in new_body} == new_body
    assert item["version"] == 1
    assert uuid.UUID(item["id"]).version == 4
    assert response.headers["Location"].endswith(f"/{collection}/{item['id']}")
    assert response.headers["ETag"] == '"1"'


@pytest.mark.needs("iam")
def test_create_records_the_signed_caller(api: Api, collection: str, new_body: dict[str, Any]) -> None:
    response = api.post(f"/{collection}", json=new_body)

    assert response.status_code == 201, response.text
    assert response.json()["createdBy"]  # the SigV4 caller, from requestContext.identity


def test_get_is_200_with_etag(api: Api, collection: str, created: dict[str, Any]) -> None:
    response = api.get(_path(collection, created))

    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["ETag"] == f'"{created["version"]}"'


def test_unknown_or_malformed_id_is_404(api: Api, collection: str) -> None:
    for item_id in (str(uuid.uuid4()), "not-a-uuid", "0" * 36, "email%23someone%40example.com"):
        for method in ("GET", "DELETE"):
            assert_problem(api.request(method, f"/{collection}/{item_id}"), 404)


def test_put_replaces_in_full_and_bumps_version(
    api: Api, collection: str, created: dict[str, Any], unique: str
) -> None:
    replacement = {"name": f"Renamed {unique}", "email": created.get("email"), "price": 5}
    replacement = {key: value for key, value in replacement.items() if key in created and value is not None}

    response = api.put(_path(collection, created), json=replacement)

    assert response.status_code == 200, response.text
    item = response.json()
    assert item["version"] == 2
    assert response.headers["ETag"] == '"2"'
    assert item["name"] == f"Renamed {unique}"
    assert item["createdAt"] == created["createdAt"]
    # PUT replaces: optional fields it omits are gone
    assert "description" not in item
    assert "category" not in item
    assert api.get(_path(collection, created)).json() == item


def test_put_with_current_if_match_succeeds_and_stale_is_412(
    api: Api, collection: str, created: dict[str, Any], new_body: dict[str, Any]
) -> None:
    path = _path(collection, created)
    first = api.put(path, json=new_body, headers={"If-Match": '"1"'})
    assert first.status_code == 200, first.text

    stale = api.put(path, json={**new_body, "name": "lost"}, headers={"If-Match": '"1"'})

    assert_problem(stale, 412)
    assert api.get(path).json() == first.json()


def test_put_absent_id_is_404_and_creates_nothing(
    api: Api, collection: str, new_body: dict[str, Any]
) -> None:
    path = f"/{collection}/{uuid.uuid4()}"

    assert_problem(api.put(path, json=new_body), 404)
    assert_problem(api.get(path), 404)


def test_delete_is_204_then_404(api: Api, collection: str, created: dict[str, Any]) -> None:
    path = _path(collection, created)

    response = api.delete(path)

    assert response.status_code == 204
    assert response.content == b""
    assert_problem(api.delete(path), 404)
    assert_problem(api.get(path), 404)


def test_delete_with_stale_if_match_is_412_and_keeps_the_item(
    api: Api, collection: str, created: dict[str, Any]
) -> None:
    path = _path(collection, created)

    assert_problem(api.delete(path, headers={"If-Match": '"7"'}), 412)
    assert api.get(path).status_code == 200
    assert api.delete(path, headers={"If-Match": '"1"'}).status_code == 204


def test_list_is_200_with_items_and_cursor(api: Api, collection: str, created: dict[str, Any]) -> None:
    response = api.get(f"/{collection}", params={"limit": 100})

    assert response.status_code == 200
    page = response.json()
    assert set(page) == {"items", "nextCursor"}
    assert isinstance(page["items"], list)
    assert all(item.keys() >= ITEM_FIELDS for item in page["items"])


def test_strings_are_data(api: Api, collection: str, new_body: dict[str, Any]) -> None:
    name = "Zoë \U0001f680 'quote' \"double\" <b>&amp; \\ '; DROP TABLE users; --"
    response = api.post(f"/{collection}", json={**new_body, "name": name})

    assert response.status_code == 201, response.text
    assert api.get(_path(collection, response.json())).json()["name"] == name


def test_price_is_exact(api: Api, unique: str) -> None:
    for price in ("19.99", "0.3", "1000000000", "0", "0.01"):
        raw = json.dumps({"name": f"Exact {unique}", "price": "PRICE"}).replace('"PRICE"', price)
        response = api.post("/products", data=raw, headers={"Content-Type": "application/json"})
        assert response.status_code == 201, response.text
        fetched = api.get(f"/products/{response.json()['id']}")
        assert json.loads(fetched.text, parse_float=Decimal)["price"] == Decimal(price)


def test_duplicate_email_is_409_case_insensitively(api: Api, unique: str) -> None:
    email = f"Dup-{unique}@Example.com"
    assert api.post("/users", json={"name": "First", "email": email}).status_code == 201

    assert_problem(api.post("/users", json={"name": "Second", "email": email.lower()}), 409)


def test_changing_email_to_a_taken_one_is_409_and_deleting_frees_it(api: Api, unique: str) -> None:
    first = api.post("/users", json={"name": "One", "email": f"one-{unique}@example.com"}).json()
    second = api.post("/users", json={"name": "Two", "email": f"two-{unique}@example.com"}).json()

    taken = api.put(f"/users/{second['id']}", json={"name": "Two", "email": f"ONE-{unique}@example.com"})
    assert_problem(taken, 409)
    assert api.get(f"/users/{second['id']}").json() == second

    moved = api.put(f"/users/{second['id']}", json={"name": "Two", "email": f"three-{unique}@example.com"})
    assert moved.status_code == 200
    # the old address is free again, and so is the deleted user's
    assert api.post("/users", json={"name": "Reuse", "email": f"two-{unique}@example.com"}).status_code == 201
    assert api.delete(f"/users/{first['id']}").status_code == 204
    assert api.post("/users", json={"name": "Reuse", "email": f"one-{unique}@example.com"}).status_code == 201

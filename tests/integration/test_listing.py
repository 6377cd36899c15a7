"""Listings: limits, full pages, opaque signed cursors bound to their listing, the category index."""

import base64
import json
from typing import Any

import pytest

from products import handler as products_handler
from tests.integration.conftest import Call


def walk(api: Call, path: str, limit: int, **query: str) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    while True:
        params = {"limit": str(limit), **query, **({"cursor": cursor} if cursor else {})}
        reply = api("GET", path, query=params)
        assert reply.status == 200, reply.raw_body
        pages.append(reply.body["items"])
        cursor = reply.body["nextCursor"]
        if cursor is None:
            return pages


def make_users(api: Call, count: int) -> set[str]:
    ids = set()
    for number in range(count):
        reply = api("POST", "/users", body={"name": f"User {number}", "email": f"user{number}@example.com"})
        ids.add(reply.body["id"])
    return ids


def make_products(api: Call, count: int, category: str | None) -> set[str]:
    ids = set()
    for number in range(count):
        body: dict[str, Any] = {"name": f"Product {number}", "price": number}
        if category:
            body["category"] = category
        ids.add(api("POST", "/products", body=body).body["id"])
    return ids


def test_walking_user_pages_visits_every_user_once_and_never_a_marker(users_api: Call) -> None:
    ids = make_users(users_api, 23)

    pages = walk(users_api, "/users", limit=5)

    seen = [user["id"] for page in pages for user in page]
    assert sorted(seen) == sorted(ids)  # exactly once each, no markers
    # Pages are full even though half the table is markers (the last one holds the rest).
    assert [len(page) for page in pages[:-1]] == [5] * (len(pages) - 1)
    assert all(not user["id"].startswith("email#") for page in pages for user in page)


def test_default_limit_is_20(users_api: Call) -> None:
    make_users(users_api, 21)
    reply = users_api("GET", "/users")
    assert len(reply.body["items"]) == 20
    assert reply.body["nextCursor"]


def test_an_empty_listing(users_api: Call) -> None:
    assert users_api("GET", "/users").body == {"items": [], "nextCursor": None}


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "1.5", ""])
def test_limit_out_of_range_is_400(users_api: Call, limit: str) -> None:
    reply = users_api("GET", "/users", query={"limit": limit})
    assert reply.status == 400
    assert reply.body["type"] == "urn:users-products-api:problem:validation-error"
    assert reply.body["errors"][0]["field"] == "limit"


def _first_cursor(api: Call, path: str, **query: str) -> str:
    cursor = api("GET", path, query={"limit": "1", **query}).body["nextCursor"]
    assert cursor
    return str(cursor)


def _tampered(cursor: str) -> str:
    payload, mac = cursor.split(".")
    key = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    key["id"] = "email#someone@example.com"
    forged = base64.urlsafe_b64encode(json.dumps(key).encode()).rstrip(b"=").decode()
    return f"{forged}.{mac}"


@pytest.mark.parametrize(
    "mangle",
    [
        _tampered,
        lambda cursor: cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB"),
        lambda cursor: "garbage",
        lambda cursor: "a.b.c",
        lambda cursor: "%%%.%%%",
        lambda cursor: "é.é",
        lambda cursor: cursor + "x" * 2100,
    ],
)
def test_tampered_or_garbage_cursors_are_400(users_api: Call, mangle: Any) -> None:
    make_users(users_api, 3)
    reply = users_api("GET", "/users", query={"cursor": mangle(_first_cursor(users_api, "/users"))})
    assert reply.status == 400
    assert reply.body["errors"] == [
        {"field": "cursor", "message": reply.body["errors"][0]["message"]},
    ]


def test_a_cursor_is_bound_to_its_listing(api: Call) -> None:
    make_users(api, 3)
    make_products(api, 3, "books")
    make_products(api, 3, "games")
    users_cursor = _first_cursor(api, "/users")
    books_cursor = _first_cursor(api, "/products", category="books")

    assert api("GET", "/products", query={"cursor": users_cursor}).status == 400
    assert api("GET", "/products", query={"cursor": books_cursor}).status == 400
    assert api("GET", "/products", query={"cursor": books_cursor, "category": "games"}).status == 400
    assert api("GET", "/products", query={"cursor": books_cursor, "category": "books"}).status == 200


def test_a_signed_cursor_with_an_unexpected_key_shape_is_400(products_api: Call) -> None:
    from products.handler import cursors

    forged = cursors.encode("products", {"id": "x", "category": "books"})
    assert products_api("GET", "/products", query={"cursor": forged}).status == 400
    empty = cursors.encode("products", {"id": ""})
    assert products_api("GET", "/products", query={"cursor": empty}).status == 400


def test_walking_all_products_visits_each_once(products_api: Call) -> None:
    ids = make_products(products_api, 7, "books") | make_products(products_api, 6, None)
    pages = walk(products_api, "/products", limit=4)
    assert sorted(item["id"] for page in pages for item in page) == sorted(ids)


def test_category_listing_queries_the_index_and_never_scans(
    products_api: Call, monkeypatch: pytest.MonkeyPatch
) -> None:
    books = make_products(products_api, 5, "books")
    make_products(products_api, 4, "games")
    make_products(products_api, 2, None)
    client = products_handler.products.repository.table.client

    def no_scan(**_: Any) -> Any:
        raise AssertionError("a category listing must not scan")

    monkeypatch.setattr(client, "scan", no_scan)
    pages = walk(products_api, "/products", limit=2, category="books")

    assert sorted(item["id"] for page in pages for item in page) == sorted(books)
    assert all(item["category"] == "books" for page in pages for item in page)


@pytest.mark.parametrize("category", ["", " ", "x" * 51])
def test_a_bad_category_is_400(products_api: Call, category: str) -> None:
    reply = products_api("GET", "/products", query={"category": category})
    assert reply.status == 400
    assert reply.body["errors"][0]["field"] == "category"

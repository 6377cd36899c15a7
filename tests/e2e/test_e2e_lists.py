"""Listing: cursor pagination visits every item exactly once; category filter; cursor and limit refusals."""

from __future__ import annotations

from typing import Any

import pytest
from e2e_support import Api, assert_problem, product_body, user_body


def _walk(api: Api, path: str, **params: Any) -> tuple[list[str], int]:
    ids: list[str] = []
    pages = 0
    cursor = None
    while True:
        response = api.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        page = response.json()
        assert len(page["items"]) <= int(params.get("limit", 20))
        ids.extend(item["id"] for item in page["items"])
        pages += 1
        cursor = page["nextCursor"]
        if cursor is None:
            return ids, pages
        assert pages < 1000, "cursor never ends"


def test_category_pages_visit_every_product_once(api: Api, unique: str) -> None:
    category = f"paging-{unique}"
    expected = {
        api.post("/products", json=product_body(f"{unique}-{n}", category=category)).json()["id"]
        for n in range(7)
    }

    ids, pages = _walk(api, "/products", category=category, limit=2)

    assert pages >= 4
    assert len(ids) == len(set(ids)), "duplicates across pages"
    assert set(ids) == expected


def test_user_pages_visit_every_user_once(api: Api, unique: str) -> None:
    expected = {api.post("/users", json=user_body(f"{unique}-{n}")).json()["id"] for n in range(5)}

    ids, pages = _walk(api, "/users", limit=2)

    assert pages > 2
    assert len(ids) == len(set(ids)), "duplicates across pages"
    assert expected <= set(ids), "missed users"
    assert not any(item_id.startswith("email#") for item_id in ids), "uniqueness markers leaked"


def test_category_filter_returns_only_that_category(api: Api, unique: str) -> None:
    mine = {
        api.post("/products", json=product_body(f"{unique}-a{n}", category=f"a-{unique}")).json()["id"]
        for n in range(3)
    }
    api.post("/products", json=product_body(f"{unique}-b", category=f"b-{unique}"))
    api.post("/products", json={"name": f"No category {unique}", "price": 1})

    items = api.get("/products", params={"category": f"a-{unique}", "limit": 100}).json()["items"]

    assert {item["id"] for item in items} == mine
    assert {item["category"] for item in items} == {f"a-{unique}"}
    assert api.get("/products", params={"category": f"none-{unique}"}).json() == {
        "items": [],
        "nextCursor": None,
    }


@pytest.mark.parametrize("limit", ["0", "-1", "101", "1000000000000", "abc", "1.5", "", "1e2"])
def test_bad_limit_is_400(api: Api, collection: str, limit: str) -> None:
    assert_problem(api.get(f"/{collection}", params={"limit": limit}), 400)


# "a" * 1500: over the cursor's maxLength, under WAF's query string limit (a longer query is WAF's 403:
# test_e2e_waf_query.py).
@pytest.mark.parametrize("cursor", ["garbage", "", "a" * 1500, "eyJrIjoiZW1haWwjeCJ9", "%00", "..%2F"])
def test_bad_cursor_is_400(api: Api, collection: str, cursor: str) -> None:
    if cursor == "":
        response = api.get(f"/{collection}", params={"cursor": cursor})
        assert response.status_code in (200, 400), response.text  # an empty cursor may mean "first page"
        return
    assert_problem(api.get(f"/{collection}", params={"cursor": cursor}), 400)


def test_cursor_is_bound_to_its_listing(api: Api, unique: str) -> None:
    for n in range(3):
        api.post("/products", json=product_body(f"{unique}-{n}", category=f"c-{unique}"))
        api.post("/users", json=user_body(f"{unique}-{n}"))
    product_cursor = api.get("/products", params={"category": f"c-{unique}", "limit": 1}).json()["nextCursor"]
    user_cursor = api.get("/users", params={"limit": 1}).json()["nextCursor"]
    assert product_cursor
    assert user_cursor

    assert_problem(api.get("/users", params={"cursor": product_cursor}), 400)
    assert_problem(api.get("/products", params={"cursor": user_cursor}), 400)
    assert_problem(
        api.get("/products", params={"cursor": product_cursor, "category": f"other-{unique}"}), 400
    )
    tampered = product_cursor[:-2] + ("A" if product_cursor[-2] != "A" else "B") + product_cursor[-1]
    assert_problem(api.get("/products", params={"cursor": tampered, "category": f"c-{unique}"}), 400)


def test_category_out_of_bounds_is_400(api: Api) -> None:
    assert_problem(api.get("/products", params={"category": "x" * 51}), 400)

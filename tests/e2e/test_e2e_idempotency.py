"""Idempotency-Key: a replay returns the first response and creates nothing; another body is 422."""

from __future__ import annotations

import uuid
from typing import Any

from e2e_support import Api, assert_problem


def test_replay_returns_the_first_response(api: Api, collection: str, new_body: dict[str, Any]) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = api.post(f"/{collection}", json=new_body, headers=key)
    assert first.status_code == 201, first.text

    replay = api.post(f"/{collection}", json=new_body, headers=key)

    assert replay.status_code == 201
    assert replay.json() == first.json()
    assert replay.headers["Location"] == first.headers["Location"]
    assert api.get(f"/{collection}/{first.json()['id']}").json()["version"] == 1


def test_replay_creates_nothing_new(api: Api, unique: str) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"name": "Once", "price": 3, "category": f"idem-{unique}"}

    ids = {api.post("/products", json=body, headers=key).json()["id"] for _ in range(3)}

    assert len(ids) == 1
    listed = api.get("/products", params={"category": f"idem-{unique}"}).json()["items"]
    assert [item["id"] for item in listed] == list(ids)


def test_key_reused_with_another_body_is_422(api: Api, collection: str, new_body: dict[str, Any]) -> None:
    key = {"Idempotency-Key": str(uuid.uuid4())}
    assert api.post(f"/{collection}", json=new_body, headers=key).status_code == 201

    reused = api.post(f"/{collection}", json={**new_body, "name": "Different"}, headers=key)

    body = assert_problem(reused, 422)
    assert body["type"].endswith("idempotency-key-reused")


def test_without_key_two_posts_are_two_items(api: Api, unique: str) -> None:
    body = {"name": "Twice", "price": 3}
    first = api.post("/products", json=body)
    second = api.post("/products", json=body)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]

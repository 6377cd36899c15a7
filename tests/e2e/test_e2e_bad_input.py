"""Bad input gets a 4xx problem body, never a 5xx, and changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from e2e_support import Api, assert_problem

MALFORMED = [
    '{"name": ',
    "not json",
    "[]",
    '"text"',
    "123",
    "null",
    "{}",
    '{"name": NaN}',
    "\ufeff{}",
    "{'a': 1}",
]

BAD_FIELDS: dict[str, list[dict[str, Any]]] = {
    "users": [
        {"unknown": "x"},
        {"name": 123},
        {"name": True},
        {"name": None},
        {"name": ["a"]},
        {"name": "   "},
        {"name": ""},
        {"name": "x" * 101},
        {"email": "not-an-email"},
        {"email": 5},
        {"email": None},
        {"email": "a@b"},
        {"email": "x" * 250 + "@example.com"},
    ],
    "products": [
        {"unknown": "x"},
        {"name": 123},
        {"name": ""},
        {"name": "x" * 201},
        {"price": "1"},
        {"price": True},
        {"price": None},
        {"price": -0.01},
        {"price": 1.001},
        {"price": 1000000000.01},
        {"price": 1e308},
        {"category": ""},
        {"category": "x" * 51},
        {"category": None},
        {"description": "x" * 2001},
        {"description": " "},
    ],
}


def _bad_bodies(collection: str, valid: dict[str, Any]) -> list[dict[str, Any]]:
    bodies = [{**valid, **change} for change in BAD_FIELDS[collection]]
    bodies += [{key: value for key, value in valid.items() if key != required} for required in ("name",)]
    return bodies


def _assert_unchanged(api: Api, collection: str, item: dict[str, Any]) -> None:
    assert api.get(f"/{collection}/{item['id']}").json() == item


def test_invalid_fields_are_400_and_change_nothing(
    api: Api, collection: str, created: dict[str, Any], new_body: dict[str, Any]
) -> None:
    path = f"/{collection}/{created['id']}"
    for body in _bad_bodies(collection, new_body):
        for method, target in (("POST", f"/{collection}"), ("PUT", path)):
            assert_problem(api.request(method, target, json=body), 400)
    _assert_unchanged(api, collection, created)


def test_malformed_json_is_400_and_changes_nothing(
    api: Api, collection: str, created: dict[str, Any]
) -> None:
    path = f"/{collection}/{created['id']}"
    for raw in MALFORMED:
        for method, target in (("POST", f"/{collection}"), ("PUT", path)):
            response = api.request(
                method, target, data=raw.encode(), headers={"Content-Type": "application/json"}
            )
            assert_problem(response, 400)
    _assert_unchanged(api, collection, created)


def test_rejected_create_writes_nothing(api: Api, unique: str) -> None:
    email = f"rejected-{unique}@example.com"
    assert_problem(api.post("/users", json={"name": "x", "email": email, "admin": True}), 400)
    assert_problem(api.post("/products", json={"name": "x", "price": -1, "category": f"rej-{unique}"}), 400)

    assert (
        api.post("/users", json={"name": "x", "email": email}).status_code == 201
    )  # the email was not taken
    assert api.get("/products", params={"category": f"rej-{unique}"}).json()["items"] == []


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
def test_non_json_content_type_is_415(
    api: Api, collection: str, created: dict[str, Any], new_body: dict[str, Any], content_type: str
) -> None:
    data = json.dumps(new_body).encode()
    for method, target in (("POST", f"/{collection}"), ("PUT", f"/{collection}/{created['id']}")):
        assert_problem(api.request(method, target, data=data, headers={"Content-Type": content_type}), 415)
    _assert_unchanged(api, collection, created)


@pytest.mark.needs("non-utf8-bodies")
def test_bytes_that_are_not_utf8_are_refused_not_crashed(api: Api, collection: str) -> None:
    garbage = b"\xff\xfe\x00{\x80}"
    assert_problem(
        api.post(f"/{collection}", data=garbage, headers={"Content-Type": "application/json"}), 400
    )
    assert_problem(api.post(f"/{collection}", data=garbage, headers={"Content-Type": "text/plain"}), 415)


def test_json_with_charset_is_accepted(api: Api, collection: str, new_body: dict[str, Any]) -> None:
    response = api.post(
        f"/{collection}",
        data=json.dumps(new_body).encode(),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201, response.text


def test_body_over_64_kib_is_413(
    api: Api, collection: str, created: dict[str, Any], new_body: dict[str, Any]
) -> None:
    # Valid JSON padded with whitespace, so only the size is wrong (a model would refuse long strings first).
    padded = (json.dumps(new_body) + " " * (70 * 1024)).encode()
    for method, target in (("POST", f"/{collection}"), ("PUT", f"/{collection}/{created['id']}")):
        response = api.request(method, target, data=padded, headers={"Content-Type": "application/json"})
        assert_problem(response, 413)
    _assert_unchanged(api, collection, created)


def test_one_megabyte_body_is_refused(api: Api, collection: str, created: dict[str, Any]) -> None:
    huge = json.dumps({"name": "x" * (1024 * 1024), "email": "a@example.com", "price": 1}).encode()
    for method, target in (("POST", f"/{collection}"), ("PUT", f"/{collection}/{created['id']}")):
        response = api.request(method, target, data=huge, headers={"Content-Type": "application/json"})
        assert assert_problem(response)["status"] in (400, 413)
    _assert_unchanged(api, collection, created)


@pytest.mark.parametrize(
    "if_match", ["abc", '"x"', 'W/"1"', '"1", "2"', '"-1"', '"99999999999999999999"', "*"]
)
def test_odd_if_match_is_never_a_server_error(
    api: Api, collection: str, created: dict[str, Any], new_body: dict[str, Any], if_match: str
) -> None:
    response = api.put(f"/{collection}/{created['id']}", json=new_body, headers={"If-Match": if_match})
    if response.status_code != 200:
        assert_problem(response)
        _assert_unchanged(api, collection, created)


@pytest.mark.parametrize(
    "key", ["k" * 2000, "x y", "'; DROP TABLE idempotency; --", "%00", "🔑".encode().decode("latin-1")]
)
def test_odd_idempotency_keys_are_never_a_server_error(
    api: Api, collection: str, new_body: dict[str, Any], key: str
) -> None:
    response = api.post(f"/{collection}", json=new_body, headers={"Idempotency-Key": key})
    if response.status_code != 201:
        assert_problem(response)


@pytest.mark.parametrize(
    "suffix",
    [
        "%2e%2e",
        "%00",
        "'%20OR%20'1'='1",
        "a" * 1024,
        "%F0%9F%9A%80",
        # More segments than any route (%2F is decoded before routing): the gateway's own 403.
        pytest.param("..%2F..%2Fetc%2Fpasswd", marks=pytest.mark.needs("gateway-responses")),
        "%25",
        pytest.param("x/y", marks=pytest.mark.needs("gateway-responses")),
        "%20",
    ],
)
def test_odd_ids_are_4xx_problems(api: Api, collection: str, suffix: str) -> None:
    for method in ("GET", "PUT", "DELETE"):
        kwargs: dict[str, Any] = (
            {"json": {"name": "x", "price": 1, "email": "a@example.com"}} if method == "PUT" else {}
        )
        assert_problem(api.request(method, f"/{collection}/{suffix}", **kwargs))


@pytest.mark.needs("gateway-responses")
@pytest.mark.parametrize(
    ("method", "path"), [("PATCH", "/users"), ("GET", "/nowhere"), ("POST", "/users/x/y"), ("GET", "/USERS")]
)
def test_unknown_routes_are_403_problems(api: Api, method: str, path: str) -> None:
    assert_problem(api.request(method, path), 403)


def test_query_oddities_are_never_a_server_error(api: Api, collection: str) -> None:
    for query in ("limit=1&limit=2", "unknown=1", "limit=%00", "cursor=%FF%FE", "limit=" + "9" * 400):
        response = api.get(f"/{collection}?{query}")
        if response.status_code != 200:
            assert_problem(response)


def test_accept_header_does_not_break_responses(api: Api, collection: str, created: dict[str, Any]) -> None:
    response = api.get(f"/{collection}/{created['id']}", headers={"Accept": "application/xml"})
    assert response.status_code in (200, 406)

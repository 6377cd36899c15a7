"""Headers, cursors and media types are read exactly as documented: no lenient reading that merges distinct
values or refuses valid ones (issue 8, point 10)."""

import base64
import uuid

import pytest

from products import handler as products_handler
from tests.integration.conftest import Call
from tests.integration.test_requests import assert_validation_error

PEN = {"name": "Pen", "price": 1.5}


def test_balanced_quotes_are_the_same_key(products_api: Call) -> None:
    first = products_api("POST", "/products", body=PEN, headers={"Idempotency-Key": "K"})
    again = products_api("POST", "/products", body=PEN, headers={"Idempotency-Key": '"K"'})
    assert (first.status, again.status) == (201, 201)
    assert again.body["id"] == first.body["id"]  # replayed: one key


@pytest.mark.parametrize("key", ['"K', 'K"', '""K', 'K""', '"K""', '"', '""', "\u3000K", "K\u00a0", "\x85K"])
def test_unbalanced_quotes_and_non_http_whitespace_are_400(products_api: Call, key: str) -> None:
    first = products_api("POST", "/products", body=PEN, headers={"Idempotency-Key": "K"})
    assert first.status == 201
    reply = products_api("POST", "/products", body=PEN, headers={"Idempotency-Key": key})
    assert_validation_error(reply, "Idempotency-Key")


def test_http_whitespace_around_a_key_is_not_part_of_it(products_api: Call) -> None:
    first = products_api("POST", "/products", body=PEN, headers={"Idempotency-Key": "K"})
    again = products_api("POST", "/products", body=PEN, headers={"Idempotency-Key": ' \t"K" '})
    assert again.body["id"] == first.body["id"]


def test_a_post_replayed_after_delete_returns_the_first_response(products_api: Call) -> None:
    # The idempotency draft: the key's stored response is returned as is, even though the item is gone.
    first = products_api("POST", "/products", body=PEN, headers={"Idempotency-Key": "gone"})
    assert products_api("DELETE", first.headers["Location"]).status == 204
    again = products_api("POST", "/products", body=PEN, headers={"Idempotency-Key": "gone"})
    assert (again.status, again.body, again.headers["Location"]) == (
        201,
        first.body,
        first.headers["Location"],
    )
    assert products_api("GET", again.headers["Location"]).status == 404


@pytest.mark.parametrize("value", ["", "a" * 65, '"1", ' * 13])
def test_if_match_outside_1_to_64_characters_is_400(products_api: Call, value: str) -> None:
    created = products_api("POST", "/products", body=PEN)
    for method in ("PUT", "DELETE"):
        reply = products_api(
            method,
            created.headers["Location"],
            body=PEN if method == "PUT" else None,
            headers={"If-Match": value},
        )
        assert_validation_error(reply, "If-Match")
    assert products_api("GET", created.headers["Location"]).body == created.body


@pytest.mark.parametrize(("value", "status"), [('"1"' + " " * 61, 200), ("\u3000*", 412), ("*\x85", 412)])
def test_if_match_edges(products_api: Call, value: str, status: int) -> None:
    created = products_api("POST", "/products", body=PEN)
    reply = products_api("PUT", created.headers["Location"], body=PEN, headers={"If-Match": value})
    assert reply.status == status, reply.raw_body


def _cursor(products_api: Call) -> str:
    """A cursor the API signed, whose text has both a `-` or `_` (so the alphabet swap changes it)."""
    products_api("POST", "/products", body=PEN)  # the API is loaded and its signing key in place
    for number in range(1000):
        cursor = products_handler.cursors.encode(
            "products", {"id": str(uuid.uuid5(uuid.NAMESPACE_URL, str(number)))}
        )
        if "-" in cursor or "_" in cursor:
            return cursor
    raise AssertionError("no cursor with a URL-safe character")


def _swap_alphabet(cursor: str) -> str:
    return cursor.replace("-", "+").replace("_", "/")


def _padded(cursor: str) -> str:
    return ".".join(part + "=" * (-len(part) % 4 or 4) for part in cursor.split("."))


def _other_trailing_bits(cursor: str) -> str:
    """The same bytes in a non-canonical spelling: the last character's unused low bits set."""
    payload, mac = cursor.split(".")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    unused_bits = {2: 4, 3: 2}[len(mac) % 4]  # 16-byte MAC: 22 characters, 4 unused bits
    last = alphabet.index(mac[-1])
    edited = mac[:-1] + alphabet[last | ((1 << unused_bits) - 1)]
    assert edited != mac
    assert base64.urlsafe_b64decode(edited + "==") == base64.urlsafe_b64decode(mac + "==")
    return f"{payload}.{edited}"


@pytest.mark.parametrize(
    "edit", [_swap_alphabet, _padded, _other_trailing_bits, lambda c: c.replace(".", ".\n")]
)
def test_a_cursor_edited_into_another_spelling_is_400(products_api: Call, edit: object) -> None:
    cursor = _cursor(products_api)
    assert products_api("GET", "/products", query={"limit": "1", "cursor": cursor}).status == 200
    edited = edit(cursor)  # type: ignore[operator]
    assert edited != cursor
    reply = products_api("GET", "/products", query={"limit": "1", "cursor": edited})
    assert_validation_error(reply, "cursor")


@pytest.mark.parametrize(
    "content_type",
    ["application/json;", "application/json ;", "application/json;;", "application/json; charset=utf-8;"],
)
def test_empty_media_type_parameters_are_allowed(products_api: Call, content_type: str) -> None:
    # RFC 9110 section 8.3.1: parameters = *( OWS ";" OWS [ parameter ] )
    reply = products_api("POST", "/products", body=PEN, headers={"Content-Type": content_type})
    assert reply.status == 201, reply.raw_body


@pytest.mark.parametrize(
    "content_type", ["application/json; charset=latin1", "application/json; x=1;", "text/json;"]
)
def test_other_media_types_and_parameters_are_still_415(products_api: Call, content_type: str) -> None:
    reply = products_api("POST", "/products", body=PEN, headers={"Content-Type": content_type})
    assert reply.status == 415


@pytest.mark.parametrize(
    ("limit", "status"), [("1", 200), ("100", 200), ("0", 400), ("101", 400), ("007", 400)]
)
def test_limit_bounds_in_decimal_digits(products_api: Call, limit: str, status: int) -> None:
    assert products_api("GET", "/products", query={"limit": limit}).status == status


def test_category_must_not_be_blank_but_may_be_any_other_text(products_api: Call) -> None:
    products_api("POST", "/products", body={**PEN, "category": "\u200bzero-width"})
    listed = products_api("GET", "/products", query={"category": "\u200bzero-width"})
    assert len(listed.body["items"]) == 1
    for blank in (" ", "\u3000", "\ufeff", "\u00a0\t"):
        assert_validation_error(products_api("GET", "/products", query={"category": blank}), "category")


def test_a_malformed_path_id_names_no_item(api: Call) -> None:
    # The id parameter is `format: uuid` (an annotation): anything else is an id no item has, 404.
    for path in ("/users/x", f"/products/{uuid.uuid4()}x", "/products/" + "a" * 65):
        assert api("GET", path).status == 404

"""JSON numbers of any exponent or length: 400 when they cannot be a valid value, stored when they can, never
a 5xx. Decimal refuses exponents beyond about 10**18 with InvalidOperation (not ValueError), which escaped the
parser as a 500; the digits' length never mattered to Decimal, and no int() conversion (with Python's
4300-digit limit) ever sees them."""

import json
from typing import Any

import boto3
import pytest

from tests.integration.conftest import TABLES, Call
from tests.integration.test_requests import assert_validation_error

HUGE_EXPONENT = "9999999999999999999"  # 19 digits: beyond Decimal's exponent range
USER = {"name": "A", "email": "a@example.com"}
PRODUCT = {"name": "P", "price": 1}


def stored_items() -> int:
    client = boto3.client("dynamodb")
    return sum(len(client.scan(TableName=name)["Items"]) for name in TABLES.values())


def body_with(fields: dict[str, Any], field: str, raw_number: str) -> str:
    """A body of `fields` with `field` set to the raw JSON number text (json.dumps cannot write it)."""
    return json.dumps({**fields, field: "__N__"}).replace('"__N__"', raw_number)


UNREADABLE_AS_VALUES = [
    f"1e{HUGE_EXPONENT}",
    f"-1e{HUGE_EXPONENT}",
    f"1E+{HUGE_EXPONENT}",
    f"1E-{HUGE_EXPONENT}",
    f"-2.5e-{HUGE_EXPONENT}",
    f"123456789.123456789e{HUGE_EXPONENT}{HUGE_EXPONENT}",
    f"0.001e-{HUGE_EXPONENT}",
    "9" * 5000,  # longer than Python's int-string limit (sys.get_int_max_str_digits(): 4300)
    "0." + "0" * 5000 + "1",
    "1e400",
    "1e-400",
]


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize("raw_number", UNREADABLE_AS_VALUES)
@pytest.mark.parametrize("where", ["unknown field", "in an array", "wrong type"])
@pytest.mark.parametrize("path", ["/users", "/products"])
def test_any_number_in_a_place_no_number_goes_is_a_400(
    api: Call, path: str, where: str, raw_number: str, method: str
) -> None:
    fields = USER if path == "/users" else PRODUCT
    if where == "unknown field":
        raw, field = body_with(fields, "junk", raw_number), "junk"
    elif where == "in an array":
        raw, field = body_with(fields, "junk", f"[1, {raw_number}, 2]"), "junk"
    else:
        raw, field = body_with(fields, "name", raw_number), "name"
    target = path
    if method == "PUT":
        created = api("POST", path, body=fields)
        assert created.status == 201, created.raw_body
        target = f"{path}/{created.body['id']}"
    before = stored_items()
    reply = api(method, target, raw_body=raw, headers={"If-Match": '"1"'} if method == "PUT" else None)
    assert_validation_error(reply, field)
    assert stored_items() == before


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize(
    "raw_price",
    [
        f"1e{HUGE_EXPONENT}",
        f"1E-{HUGE_EXPONENT}",
        f"-1E-{HUGE_EXPONENT}",
        f"-1e{HUGE_EXPONENT}",
        f"19.99e-{HUGE_EXPONENT}",
        "9" * 5000,
        "0." + "0" * 5000 + "1",
    ],
)
def test_a_price_no_decimal_can_hold_is_a_400_for_the_price(api: Call, raw_price: str, method: str) -> None:
    target = "/products"
    if method == "PUT":
        created = api("POST", "/products", body=PRODUCT)
        target = f"/products/{created.body['id']}"
    before = stored_items()
    reply = api(method, target, raw_body=body_with(PRODUCT, "price", raw_price))
    assert_validation_error(reply, "price")
    assert stored_items() == before


@pytest.mark.parametrize("method", ["POST", "PUT"])
@pytest.mark.parametrize(
    "raw_price", [f"0e{HUGE_EXPONENT}", f"0E-{HUGE_EXPONENT}", f"-0.000e+{HUGE_EXPONENT}", "0" * 5000]
)
def test_zero_with_any_exponent_is_the_price_zero(api: Call, raw_price: str, method: str) -> None:
    """Zero is an allowed price, whatever the exponent written after it (the docs: any spelling of an allowed
    price is accepted). `0000` is not JSON (no leading zeros): that one is malformed."""
    target = "/products"
    if method == "PUT":
        created = api("POST", "/products", body=PRODUCT)
        target = f"/products/{created.body['id']}"
    reply = api(method, target, raw_body=body_with(PRODUCT, "price", raw_price))
    if raw_price.startswith("00"):
        assert_validation_error(reply, "body")
        return
    assert reply.status == (201 if method == "POST" else 200), reply.raw_body
    assert reply.raw_body.count('"price":0,') == 1
    stored = api("GET", f"/products/{reply.body['id']}")
    assert stored.body["price"] == 0

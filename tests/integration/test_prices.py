"""Every price the contract allows is stored, whatever its spelling; never a 500 (issue 8, point 10).

DynamoDB numbers hold at most 38 significant digits with exponents in [-130, 125] (boto3's serializer traps
anything else); the schema admits `0E-200` or `10.000...0` with 40 digits. The function stores the equal
value with two decimals, so the spelling does not matter and 19.99 stays 19.99.
"""

from decimal import Decimal

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api_common import jsonio
from tests.integration.conftest import TABLES, Call
from tests.integration.test_requests import assert_validation_error
from tests.unit.test_models_agree import gateway_accepts


def stored_price(product_id: str) -> str:
    item = boto3.client("dynamodb").get_item(TableName=TABLES["ProductsTable"], Key={"id": {"S": product_id}})
    return str(item["Item"]["price"]["N"])


@pytest.mark.parametrize(
    ("spelling", "price"),
    [
        ("0E-200", "0"),
        ("0E+200", "0"),
        ("-0", "0"),
        ("-0.0E-7", "0"),
        ("0e-999999999", "0"),
        ("10.000000000000000000000000000000000000000", "10"),
        ("1" + "0" * 9 + "." + "0" * 60, "1000000000"),
        ("1E+2", "100"),
        ("1999E-2", "19.99"),
        ("19.99", "19.99"),
        ("19.990", "19.99"),
        ("0.10", "0.1"),
        ("999999999.99", "999999999.99"),
        ("1E+9", "1000000000"),
    ],
)
def test_every_spelling_of_an_allowed_price_is_stored(products_api: Call, spelling: str, price: str) -> None:
    raw = f'{{"name": "P", "price": {spelling}}}'
    assert gateway_accepts("ProductIn", jsonio.loads(raw))

    created = products_api("POST", "/products", raw_body=raw)

    assert created.status == 201, created.raw_body
    assert created.raw_body.count(f'"price":{price},') == 1
    product_id = created.body["id"]
    assert Decimal(stored_price(product_id)) == Decimal(price)
    assert products_api("GET", f"/products/{product_id}").raw_body.count(f'"price":{price},') == 1
    replaced = products_api("PUT", f"/products/{product_id}", raw_body=raw)
    assert replaced.status == 200, replaced.raw_body
    assert Decimal(stored_price(product_id)) == Decimal(price)


@pytest.mark.parametrize("spelling", ["1E-200", "1e-999999999", "0.001", "1E+10", "1000000000.0000001"])
def test_prices_outside_the_contract_are_400(products_api: Call, spelling: str) -> None:
    raw = f'{{"name": "P", "price": {spelling}}}'
    assert not gateway_accepts("ProductIn", jsonio.loads(raw))
    assert_validation_error(products_api("POST", "/products", raw_body=raw), "price")


def spell(cents: int, zeros: int, exponent_form: bool) -> str:
    """`cents / 100` written with `zeros` extra trailing zeros, as `19.990` or as `19990E-3`."""
    if exponent_form:
        return f"{cents * 10**zeros}E-{2 + zeros}"
    whole, fraction = divmod(cents, 100)
    return f"{whole}.{fraction:02d}{'0' * zeros}"


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(spelling=st.builds(spell, st.integers(0, 100_000_000_000), st.integers(0, 60), st.booleans()))
def test_any_allowed_price_is_201_with_its_exact_value(products_api: Call, spelling: str) -> None:
    raw = f'{{"name": "P", "price": {spelling}}}'
    assert gateway_accepts("ProductIn", jsonio.loads(raw))
    reply = products_api("POST", "/products", raw_body=raw)
    assert reply.status == 201, (spelling, reply.raw_body)
    assert reply.body["price"] == Decimal(spelling)

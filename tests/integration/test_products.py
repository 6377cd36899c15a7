"""The products service through its Lambda handler: /products and /products/{id}."""

import uuid
from decimal import Decimal
from typing import Any

import boto3
import pytest

from tests.integration.conftest import TABLES, Call

PEN = {"name": "Fountain pen", "price": 19.99, "description": "Steel nib", "category": "office"}


def stored(product_id: str) -> dict[str, Any] | None:
    item = boto3.client("dynamodb").get_item(TableName=TABLES["ProductsTable"], Key={"id": {"S": product_id}})
    return item.get("Item")


def create(products_api: Call, **body: object) -> dict[str, object]:
    reply = products_api("POST", "/products", body={**PEN, **body})
    assert reply.status == 201, reply.raw_body
    return reply.body


def price_token(raw_json: str) -> str:
    """The price exactly as written in a response's JSON text."""
    return raw_json.split('"price":', 1)[1].split(",", 1)[0].rstrip("}")


@pytest.mark.parametrize(
    "price", ["19.99", "0.1", "0.30", "0", "1000000000", "999999999.99", "1e2", "12.50", "-0", "0.07"]
)
def test_price_round_trips_exactly(products_api: Call, price: str) -> None:
    reply = products_api("POST", "/products", raw_body=f'{{"name": "Thing", "price": {price}}}')
    assert reply.status == 201, reply.raw_body
    fetched = products_api("GET", f"/products/{reply.body['id']}").raw_body

    for text in (reply.raw_body, fetched):
        token = price_token(text)
        assert Decimal(token) == Decimal(price)
        # No float artifacts: at most the two decimals the schema allows are ever written.
        assert len(token.partition(".")[2]) <= 2, token


def test_price_19_99_is_written_as_19_99(products_api: Call) -> None:
    reply = products_api("POST", "/products", raw_body='{"name": "Pen", "price": 19.99}')
    assert '"price":19.99' in reply.raw_body
    assert '"price":19.99' in products_api("GET", f"/products/{reply.body['id']}").raw_body


def test_optional_fields_are_omitted_when_absent(products_api: Call) -> None:
    reply = products_api("POST", "/products", body={"name": "Bare", "price": 1})
    assert reply.status == 201
    assert "description" not in reply.body
    assert "category" not in reply.body
    assert reply.body["price"] == 1


def test_put_replaces_in_full_removing_absent_optionals(products_api: Call) -> None:
    product = create(products_api)
    path = f"/products/{product['id']}"

    reply = products_api(
        "PUT", path, body={"name": "Fountain pen", "price": 21.5}, headers={"If-Match": '"1"'}
    )

    assert reply.status == 200
    assert reply.headers["ETag"] == '"2"'
    assert reply.body["price"] == Decimal("21.5")
    assert "description" not in reply.body
    assert "category" not in reply.body
    item = stored(str(product["id"]))
    assert item is not None
    assert "category" not in item
    assert "description" not in item
    # Out of the category index too (it is sparse).
    assert products_api("GET", "/products", query={"category": "office"}).body["items"] == []


def test_put_without_if_match_still_bumps_the_version(products_api: Call) -> None:
    product = create(products_api)
    path = f"/products/{product['id']}"
    for version in (2, 3):
        reply = products_api("PUT", path, body=PEN)
        assert reply.status == 200
        assert reply.body["version"] == version


def test_stale_if_match_is_412_and_changes_nothing(products_api: Call) -> None:
    product = create(products_api)
    path = f"/products/{product['id']}"
    products_api("PUT", path, body={**PEN, "name": "v2"})

    assert products_api("PUT", path, body={**PEN, "name": "v3"}, headers={"If-Match": '"1"'}).status == 412
    assert products_api("DELETE", path, headers={"If-Match": '"1"'}).status == 412
    assert products_api("GET", path).body["name"] == "v2"


def test_put_to_an_absent_product_is_404_not_an_upsert(products_api: Call) -> None:
    product_id = str(uuid.uuid4())
    assert products_api("PUT", f"/products/{product_id}", body=PEN).status == 404
    assert stored(product_id) is None


def test_delete_is_204_then_404(products_api: Call) -> None:
    product = create(products_api)
    path = f"/products/{product['id']}"
    assert products_api("DELETE", path).status == 204
    assert products_api("DELETE", path).status == 404
    assert products_api("GET", path).status == 404
    assert stored(str(product["id"])) is None


def test_get_returns_the_etag(products_api: Call) -> None:
    product = create(products_api)
    reply = products_api("GET", f"/products/{product['id']}")
    assert reply.status == 200
    assert reply.headers["ETag"] == '"1"'
    assert reply.body == product

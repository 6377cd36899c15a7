"""The stored record's type holds at run time: every path that reads an item out of DynamoDB (get, update,
a failed condition, scan, query, an idempotency replay) gives a record whose version is an int.

DynamoDB numbers deserialize as Decimal; the conversion happens once, where the item is deserialized, so
nothing above the repository converts it again.
"""

from decimal import Decimal

import pytest

from api_common import config, idempotency
from api_common.errors import ConditionFailedError
from api_common.record import Change
from api_common.versioned_table import WriteCondition
from tests.integration.conftest import Call

PEN = {"name": "Pen", "price": 19.99, "category": "office"}
ALICE = {"name": "Alice", "email": "alice@example.com"}


def typed(value: object) -> tuple[type, object]:
    return type(value), value


def test_every_read_of_a_product_gives_an_int_version(products_api: Call) -> None:
    from products import logic
    from products.handler import products
    from products.models import ProductIn

    created = products_api("POST", "/products", body=PEN).body
    repository = products.repository
    change = Change(
        {"name": "Pen", "price": Decimal("2.00")}, ("category",), "2026-11-25T17:00:00.000Z", None
    )

    got = repository.get(created["id"])
    updated = repository.update(created["id"], change, WriteCondition(versions=frozenset({1})))
    with pytest.raises(ConditionFailedError) as refused:
        repository.update(created["id"], change, WriteCondition(versions=frozenset({1})))
    (scanned,), _ = repository.page(10, None)
    products_api("POST", "/products", body=PEN)
    (queried,), _ = repository.category_page("office", 10, None)

    assert got is not None
    assert typed(got["version"]) == (int, 1)
    assert typed(got["price"]) == (Decimal, Decimal("19.99"))  # only the version is converted
    assert typed(updated["version"]) == (int, 2)
    assert refused.value.current is not None
    assert typed(refused.value.current["version"]) == (int, 2)
    assert typed(scanned["version"]) == (int, 2)
    assert typed(queried["version"]) == (int, 1)

    claim = idempotency.claim(
        "typed", scope="tests", payload="{}", table=config.common().idempotency_table_name
    )
    body = ProductIn(name="Lamp", price=Decimal(3))
    first = logic.create_product(products, body, None, claim)
    replayed = logic.create_product(products, body, None, claim)
    assert replayed == first
    assert typed(replayed["version"]) == (int, 1)


def test_a_user_whose_email_changed_comes_back_from_the_refusal_with_an_int_version(users_api: Call) -> None:
    from users.handler import users

    created = users_api("POST", "/users", body=ALICE).body
    change = Change({**ALICE, "email": "al@example.com"}, (), "2026-11-25T17:00:00.000Z", None)

    with pytest.raises(ConditionFailedError) as refused:
        users.repository.update(
            created["id"], change, WriteCondition()
        )  # the stored email differs: refused as is

    assert refused.value.current is not None
    assert refused.value.current["email"] == ALICE["email"]
    assert typed(refused.value.current["version"]) == (int, 1)

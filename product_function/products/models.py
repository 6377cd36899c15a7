"""The product request body (mirrors the Product schema of openapi.yaml) and the product as returned."""

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field

from api_common.limits import MAX_CATEGORY_LENGTH
from api_common.models import NOT_BLANK, ItemModel, RequestModel

MAX_PRICE = 1_000_000_000
CENT = Decimal("0.01")


def _whole_cents(price: Decimal) -> Decimal:
    """`multipleOf: 0.01`, and the price in the one form DynamoDB's number type holds exactly.

    Runs after the range check, so the quantized value has at most 12 digits (Decimal's default context
    holds 28). The schema admits spellings DynamoDB refuses (`0E-200`, `10.000...0` with more than 38
    digits, `1E+2`): storing the equal value with exactly two decimals keeps 19.99 as 19.99, and any
    price the contract allows reaches the table. -0 is stored as 0.
    """
    cents = price.quantize(CENT)
    if cents != price:
        raise ValueError("Input should be a multiple of 0.01")
    return cents.copy_abs()


# Decimal end to end: the body is parsed with Decimal numbers, so 19.99 is 19.99 (never 19.989999...).
Price = Annotated[
    Decimal,
    Field(ge=0, le=MAX_PRICE, allow_inf_nan=False, json_schema_extra={"multipleOf": 0.01}),
    AfterValidator(_whole_cents),
]


class ProductIn(RequestModel):
    """POST and PUT body: PUT replaces the product in full (an absent optional field is removed)."""

    name: Annotated[str, Field(min_length=1, max_length=200, pattern=NOT_BLANK)]
    price: Price
    description: Annotated[str, Field(min_length=1, max_length=2000, pattern=NOT_BLANK)] | None = None
    category: (
        Annotated[str, Field(min_length=1, max_length=MAX_CATEGORY_LENGTH, pattern=NOT_BLANK)] | None
    ) = None


class Product(ItemModel):
    name: str
    price: Decimal
    description: str | None = None
    category: str | None = None

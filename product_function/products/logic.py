"""Business rules of the products service: the common write paths, and listings by category."""

from functools import partial

from api_common import records
from api_common.cursors import CursorCodec
from api_common.dynamo import Item
from api_common.etags import IfMatch
from api_common.idempotency import Claim
from api_common.paging import list_page
from products.models import ProductIn
from products.repository import ProductsRepository

KIND = "Product"


def create_product(
    products: ProductsRepository, body: ProductIn, principal: str | None, claim: Claim | None = None
) -> Item:
    return records.create(products, body.attributes(), principal, kind=KIND, claim=claim)


def get_product(products: ProductsRepository, product_id: str) -> Item:
    return records.read(products, product_id, kind=KIND)


def list_products(
    products: ProductsRepository, cursors: CursorCodec, limit: int, cursor: str | None, category: str | None
) -> tuple[list[Item], str | None]:
    """All products, or one category's through its index; each listing has cursors of its own."""
    if category is None:
        return list_page("products", frozenset({"id"}), products.page, limit, cursor, cursors=cursors)
    # The category is part of the signed listing name: a cursor cannot move to another category.
    fetch = partial(products.category_page, category)
    listing = f"products?category={category}"
    return list_page(listing, frozenset({"id", "category"}), fetch, limit, cursor, cursors=cursors)


def replace_product(
    products: ProductsRepository,
    product_id: str,
    body: ProductIn,
    if_match: IfMatch | None,
    principal: str | None,
) -> Item:
    return records.replace(
        products, product_id, body.attributes(), if_match, principal, fields=ProductIn.model_fields, kind=KIND
    )


def delete_product(products: ProductsRepository, product_id: str, if_match: IfMatch | None) -> None:
    records.delete(products, product_id, if_match, kind=KIND)

"""Business rules of the products service: the common write paths, and listings by category."""

from functools import partial

from api_common import writes
from api_common.cursors import CursorCodec
from api_common.idempotency import Claim
from api_common.paging import list_page
from api_common.preconditions import Preconditions
from api_common.writes import Collection
from products.models import ProductIn
from products.repository import ProductRecord, ProductsRepository

# The products, bound once at the handler's init: Collection("Product", ProductsRepository(table, index)).
type Products = Collection[ProductsRepository]


def create_product(
    products: Products, body: ProductIn, principal: str | None, claim: Claim | None = None
) -> ProductRecord:
    return writes.create(products, body.attributes(), principal, claim)


def get_product(products: Products, product_id: str) -> ProductRecord:
    return writes.read(products, product_id)


def list_products(
    products: Products, cursors: CursorCodec, limit: int, cursor: str | None, category: str | None
) -> tuple[list[ProductRecord], str | None]:
    """All products, or one category's through its index; each listing has cursors of its own."""
    repository = products.repository
    if category is None:
        return list_page("products", frozenset({"id"}), repository.page, limit, cursor, cursors=cursors)
    # The category is part of the signed listing name: a cursor cannot move to another category.
    fetch = partial(repository.category_page, category)
    listing = f"products?category={category}"
    return list_page(listing, frozenset({"id", "category"}), fetch, limit, cursor, cursors=cursors)


def replace_product(
    products: Products, product_id: str, body: ProductIn, preconditions: Preconditions, principal: str | None
) -> ProductRecord:
    return writes.replace(
        products, product_id, body.attributes(), preconditions, principal, fields=ProductIn.model_fields
    )


def delete_product(products: Products, product_id: str, preconditions: Preconditions) -> None:
    writes.delete_in_one_request(products, product_id, preconditions)

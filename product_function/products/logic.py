"""Business rules of the products service, as plain functions over a repository."""

from functools import partial

from api_common.dynamo import Item
from api_common.etags import IfMatch
from api_common.observability import count, logger
from api_common.paging import list_page
from api_common.records import change, new_record, read, replacement
from products.models import ProductIn
from products.repository import ProductsRepository

_WHAT = "Product"


def create_product(products: ProductsRepository, body: ProductIn, principal: str | None) -> Item:
    product = new_record(body.attributes(), principal)
    products.create(product)
    count("ProductCreated")
    logger.info("product created", extra={"product_id": product["id"]})
    return product


def get_product(products: ProductsRepository, product_id: str) -> Item:
    return read(products, product_id, _WHAT)


def list_products(
    products: ProductsRepository, limit: int, cursor: str | None, category: str | None
) -> tuple[list[Item], str | None]:
    """All products, or one category's through its index; each listing has cursors of its own."""
    if category is None:
        return list_page("products", frozenset({"id"}), products.page, limit, cursor)
    # The category is part of the signed listing name: a cursor cannot move to another category.
    listing = f"products?category={category}"
    fetch = partial(products.category_page, category)
    return list_page(listing, frozenset({"id", "category"}), fetch, limit, cursor)


def replace_product(
    products: ProductsRepository,
    product_id: str,
    body: ProductIn,
    if_match: IfMatch | None,
    principal: str | None,
) -> Item:
    def write(current: Item) -> Item:
        product = replacement(current, body.attributes(), principal)
        products.replace(current, product)
        return product

    product = change(products, product_id, if_match, write, _WHAT)
    count("ProductUpdated")
    logger.info("product replaced", extra={"product_id": product["id"], "version": product["version"]})
    return product


def delete_product(products: ProductsRepository, product_id: str, if_match: IfMatch | None) -> None:
    change(products, product_id, if_match, products.delete, _WHAT)
    count("ProductDeleted")
    logger.info("product deleted", extra={"product_id": product_id})

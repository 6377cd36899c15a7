"""HTTP routes of the products service: validate (Powertools + pydantic), call the rules, shape responses."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Query

from api_common import config, request
from api_common.cursors import CursorCodec
from api_common.dynamo import container_client
from api_common.limits import DEFAULT_PAGE_LIMIT, MAX_CATEGORY_LENGTH, MAX_CURSOR_LENGTH, MAX_PAGE_LIMIT
from api_common.models import NOT_BLANK
from api_common.paging import StrictInteger
from api_common.resolver import create_resolver, lambda_entry
from api_common.responses import created_response, item_response, no_content, page_response
from api_common.versioned_table import VersionedTable
from api_common.writes import Collection
from products import logic
from products.config import products_config
from products.models import Product, ProductIn
from products.repository import ProductsRepository

COLLECTION = "/products"

# Init (once per container): the environment is read and the client created here, and a missing variable
# fails the cold start rather than a request.
config.common()
CONFIG = products_config()
dynamodb = container_client()
products = Collection(
    "Product", ProductsRepository(VersionedTable(CONFIG.table_name, dynamodb), CONFIG.category_index)
)
cursors = CursorCodec()  # signs and checks this service's page cursors
app = create_resolver()


@app.post(COLLECTION)
def create_product(body: Annotated[ProductIn, Body()]) -> Response[str]:
    principal = request.principal(app.current_event)
    product = request.create_once(
        app, body, lambda claim: logic.create_product(products, body, principal, claim)
    )
    return created_response(Product.model_validate(product), COLLECTION)


@app.get(COLLECTION)
def list_products(
    limit: Annotated[StrictInteger, Query(ge=1, le=MAX_PAGE_LIMIT)] = DEFAULT_PAGE_LIMIT,
    cursor: Annotated[str | None, Query(min_length=1, max_length=MAX_CURSOR_LENGTH)] = None,
    category: Annotated[
        str | None, Query(min_length=1, max_length=MAX_CATEGORY_LENGTH, pattern=NOT_BLANK)
    ] = None,
) -> Response[str]:
    page, next_cursor = logic.list_products(products, cursors, limit, cursor, category)
    return page_response(map(Product.model_validate, page), next_cursor)


@app.get(f"{COLLECTION}/<product_id>")
def get_product(product_id: str) -> Response[str]:
    return item_response(Product.model_validate(logic.get_product(products, product_id)))


@app.put(f"{COLLECTION}/<product_id>")
def replace_product(product_id: str, body: Annotated[ProductIn, Body()]) -> Response[str]:
    event = app.current_event
    product = logic.replace_product(
        products, product_id, body, request.conditions(event), request.principal(event)
    )
    return item_response(Product.model_validate(product))


@app.delete(f"{COLLECTION}/<product_id>")
def delete_product(product_id: str) -> Response[str]:
    logic.delete_product(products, product_id, request.conditions(app.current_event))
    return no_content()


lambda_handler = lambda_entry(app)

"""The products service's settings, parsed once per container (shared ones: api_common.config.common)."""

from dataclasses import dataclass

from api_common.config import load


@dataclass(frozen=True, slots=True)
class ProductsConfig:
    table_name: str
    category_index: str


def products_config() -> ProductsConfig:
    return load(ProductsConfig, table_name="PRODUCTS_TABLE_NAME", category_index="PRODUCTS_CATEGORY_INDEX")

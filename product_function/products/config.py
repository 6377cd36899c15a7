"""The products service's settings, parsed once per container (shared ones: api_common.config.COMMON)."""

import os
from collections.abc import Mapping
from dataclasses import dataclass

from api_common.config import require


@dataclass(frozen=True, slots=True)
class ProductsConfig:
    table_name: str
    category_index: str

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> "ProductsConfig":
        return cls(
            table_name=require(environ, "PRODUCTS_TABLE_NAME"),
            category_index=require(environ, "PRODUCTS_CATEGORY_INDEX"),
        )


CONFIG = ProductsConfig.from_environ()

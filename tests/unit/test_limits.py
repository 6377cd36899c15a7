"""Each limit of the API is stated once for the functions (api_common.limits) and agrees with every other
place that states it: openapi.yaml (the contract, which the functions cannot read at run time), the pydantic
models, the handlers' query parameters and the WAF's body rule."""

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from api_common import limits
from api_common.models import WHITESPACE
from products.models import ProductIn

ROOT = Path(__file__).resolve().parents[2]
OPENAPI = yaml.safe_load((ROOT / "openapi.yaml").read_text(encoding="utf-8"))


def operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in OPENAPI["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield path, method, operation


def parameter_schemas(name: str) -> list[dict[str, Any]]:
    """The schema of every parameter `name`, across operations (each states its own)."""
    found = [
        parameter["schema"]
        for _, _, operation in operations()
        for parameter in operation.get("parameters", [])
        if parameter["name"] == name
    ]
    assert found, f"no parameter {name} in openapi.yaml"
    return found


def test_the_page_limit() -> None:
    for schema in parameter_schemas("limit"):
        assert (schema["minimum"], schema["maximum"], schema["default"]) == (
            1,
            limits.MAX_PAGE_LIMIT,
            limits.DEFAULT_PAGE_LIMIT,
        )


def test_the_cursor_length() -> None:
    assert {schema["maxLength"] for schema in parameter_schemas("cursor")} == {limits.MAX_CURSOR_LENGTH}


@pytest.mark.parametrize("header", ["If-Match", "If-None-Match", "If-Unmodified-Since"])
def test_the_conditional_headers_length(header: str) -> None:
    lengths = {schema["maxLength"] for schema in parameter_schemas(header)}
    assert lengths == {limits.MAX_CONDITIONAL_HEADER_LENGTH}


def test_the_category_length_in_the_query_the_body_and_the_model() -> None:
    assert {schema["maxLength"] for schema in parameter_schemas("category")} == {limits.MAX_CATEGORY_LENGTH}
    body_field = OPENAPI["components"]["schemas"]["ProductIn"]["properties"]["category"]
    assert body_field["maxLength"] == limits.MAX_CATEGORY_LENGTH
    model_field = ProductIn.model_json_schema()["properties"]["category"]
    lengths = {branch.get("maxLength") for branch in model_field.get("anyOf", [model_field])} - {None}
    assert lengths == {limits.MAX_CATEGORY_LENGTH}


def test_the_body_limit_in_the_contract_and_the_waf() -> None:
    too_large = [
        operation["responses"]["413"]["description"]
        for _, method, operation in operations()
        if method in ("post", "put")
    ]
    assert too_large
    assert set(too_large) == {f"The body is larger than {limits.MAX_BODY_BYTES // 1024} KiB"}
    assert limits.MAX_BODY_BYTES % 1024 == 0
    waf = (ROOT / "waf.yaml").read_text(encoding="utf-8")
    assert f"Size: {limits.MAX_BODY_BYTES}\n" in waf
    assert f"The body exceeds {limits.MAX_BODY_BYTES} bytes." in waf


def test_every_whitespace_class_in_the_contract_is_the_models_one() -> None:
    """openapi.yaml writes the whitespace class out in each pattern that needs it (a pattern cannot name
    another); each copy is the one the pydantic models use, so no copy can drift alone."""
    text = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    # Every run from a tab escape to the last escape of the class, wherever a pattern holds one.
    copies = re.findall(r"\\t\\n[^\]]*?\\ufeff", text)
    assert len(copies) >= 6  # names, description, category (query and body), the email's three classes
    assert set(copies) == {WHITESPACE}

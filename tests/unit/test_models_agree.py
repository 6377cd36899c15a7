"""The gateway's request models (openapi.yaml, JSON Schema draft 4) and the pydantic models agree.

Both sides see the body as the function does: JSON numbers parsed as Decimal, so `multipleOf: 0.01` is exact
arithmetic on both (with enough Decimal precision for the validator's remainder of huge numbers).
Cases: hypothesis-jsonschema instances of each schema, mutations of them, arbitrary JSON, and a hand corpus.
"""

import decimal
import json
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft4Validator
from pydantic import BaseModel, ValidationError

from api_common import jsonio
from products.models import ProductIn
from users.models import UserIn

OPENAPI = Path(__file__).resolve().parents[2] / "openapi.yaml"
MODELS: dict[str, type[BaseModel]] = {"UserIn": UserIn, "ProductIn": ProductIn}


@cache
def gateway_schema(name: str) -> dict[str, Any]:
    schemas = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))["components"]["schemas"]
    # Exact decimal semantics: the schema's numbers as Decimal, like the bodies'.
    schema: dict[str, Any] = json.loads(json.dumps(schemas[name]), parse_float=Decimal)
    return schema


VALIDATORS = {name: Draft4Validator(gateway_schema(name)) for name in MODELS}


def gateway_accepts(name: str, body: Any) -> bool:
    with decimal.localcontext(decimal.Context(prec=2000, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)):
        return bool(VALIDATORS[name].is_valid(body))


def function_accepts(name: str, body: Any) -> bool:
    if not isinstance(
        body, dict
    ):  # the function's body parser requires an object (see resolver.request_body)
        return False
    try:
        MODELS[name].model_validate(body)
    except ValidationError:
        return False
    return True


def as_request_body(value: Any) -> Any:
    """What the function's parser makes of `value` sent as JSON (numbers become Decimal)."""
    return jsonio.loads(json.dumps(value, default=str))


def assert_agree(name: str, body: Any) -> None:
    assert gateway_accepts(name, body) == function_accepts(name, body), (name, body)


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**12), max_value=10**12)
    | st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-2, max_value=10**10)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=300)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children),
)


def instances(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Valid instances of an object schema: hypothesis-jsonschema per property, assembled here.

    (hypothesis-jsonschema 0.23.1's own object strategy fails on hypothesis 6.170: `many` lost `.more`.)
    """
    plain = json.loads(json.dumps(schema, default=float))
    properties = {key: from_schema(sub) for key, sub in plain["properties"].items()}
    required = set(plain["required"])
    return st.fixed_dictionaries(
        {key: strategy for key, strategy in properties.items() if key in required},
        optional={key: strategy for key, strategy in properties.items() if key not in required},
    )


@cache
def mutations(name: str) -> st.SearchStrategy[Any]:
    fields = list(gateway_schema(name)["properties"])
    valid = instances(gateway_schema(name))
    return st.one_of(
        valid,
        st.builds(
            lambda body, key, value: {**body, key: value},
            valid,
            st.sampled_from([*fields, "extra"]),
            JSON_VALUES,
        ),
        st.builds(
            lambda body, key: {k: v for k, v in body.items() if k != key}, valid, st.sampled_from(fields)
        ),
        st.dictionaries(st.sampled_from([*fields, "id"]), JSON_VALUES, max_size=5),
        JSON_VALUES,
    )


@pytest.mark.parametrize("name", list(MODELS))
def test_schema_properties_match_the_model_fields(name: str) -> None:
    schema = gateway_schema(name)
    assert set(schema["properties"]) == set(MODELS[name].model_fields)
    assert set(schema["required"]) == {
        f for f, info in MODELS[name].model_fields.items() if info.is_required()
    }
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("name", list(MODELS))
@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(data=st.data())
def test_generated_bodies(name: str, data: st.DataObject) -> None:
    assert_agree(name, as_request_body(data.draw(mutations(name))))


USER_CORPUS = [
    '{"name": "A", "email": "a@b.co"}',
    '{"name": "' + "n" * 100 + '", "email": "a@b.co"}',
    '{"name": "' + "n" * 101 + '", "email": "a@b.co"}',
    '{"name": "' + "😀" * 100 + '", "email": "a@b.co"}',
    '{"name": " \\t ", "email": "a@b.co"}',
    '{"name": "\\u00a0", "email": "a@b.co"}',
    '{"name": "\\u2003", "email": "a@b.co"}',
    '{"name": "\\u200b", "email": "a@b.co"}',
    '{"name": "\\u001c", "email": "a@b.co"}',
    '{"name": "\\u0000", "email": "a@b.co"}',
    '{"name": "A", "email": "a@b.c\\n"}',
    '{"name": "A", "email": "a@b..c"}',
    '{"name": "A", "email": "a@.b.c"}',
    '{"name": "A", "email": "@b.c"}',
    '{"name": "A", "email": "a@b.c@d.e"}',
    '{"name": "A", "email": "ü@bücher.de"}',
    '{"name": "A", "email": "a@b"}',
    '{"name": "A", "email": "' + "a" * 244 + '@example.com"}',
    '{"name": "A", "email": "' + "a" * 243 + '@example.com"}',
    '{"name": "A", "email": null}',
    '{"name": 1, "email": "a@b.co"}',
    '{"name": true, "email": "a@b.co"}',
    '{"name": ["A"], "email": "a@b.co"}',
    '{"name": "A", "email": "a@b.co", "Name": "B"}',
    '{"name": "A"}',
    "{}",
    "[]",
    '"x"',
    "null",
]
PRODUCT_CORPUS = [
    '{"name": "P", "price": 19.99}',
    '{"name": "P", "price": 19.999}',
    '{"name": "P", "price": 19.990}',
    '{"name": "P", "price": 0}',
    '{"name": "P", "price": -0}',
    '{"name": "P", "price": -0.0}',
    '{"name": "P", "price": -0.01}',
    '{"name": "P", "price": 0.005}',
    '{"name": "P", "price": 1e-2}',
    '{"name": "P", "price": 1E+3}',
    '{"name": "P", "price": 1000000000}',
    '{"name": "P", "price": 1000000000.00}',
    '{"name": "P", "price": 1000000000.01}',
    '{"name": "P", "price": 999999999.99}',
    '{"name": "P", "price": 1e30}',
    '{"name": "P", "price": 1e-30}',
    '{"name": "P", "price": 1e400}',
    '{"name": "P", "price": 0.1}',
    '{"name": "P", "price": 0.30000000000000004}',
    '{"name": "P", "price": 5.675}',
    '{"name": "P", "price": "19.99"}',
    '{"name": "P", "price": true}',
    '{"name": "P", "price": null}',
    '{"name": "P", "price": [1]}',
    '{"name": "P", "price": 1, "description": null}',
    '{"name": "P", "price": 1, "description": ""}',
    '{"name": "P", "price": 1, "description": "' + "d" * 2000 + '"}',
    '{"name": "P", "price": 1, "description": "' + "d" * 2001 + '"}',
    '{"name": "P", "price": 1, "category": "c"}',
    '{"name": "P", "price": 1, "category": "' + "c" * 51 + '"}',
    '{"name": "P", "price": 1, "category": "\\n"}',
    '{"name": "P", "price": 1, "category": {}}',
    '{"name": "\'; DROP TABLE products; --", "price": 1}',
    '{"price": 1}',
    '{"name": "P", "price": 1, "extra": 1}',
]


@pytest.mark.parametrize(
    ("name", "raw"),
    [("UserIn", raw) for raw in USER_CORPUS] + [("ProductIn", raw) for raw in PRODUCT_CORPUS],
)
def test_hand_corpus(name: str, raw: str) -> None:
    assert_agree(name, jsonio.loads(raw))


def test_the_corpus_exercises_both_outcomes() -> None:
    outcomes = {function_accepts("ProductIn", jsonio.loads(raw)) for raw in PRODUCT_CORPUS}
    outcomes |= {function_accepts("UserIn", jsonio.loads(raw)) for raw in USER_CORPUS}
    assert outcomes == {True, False}

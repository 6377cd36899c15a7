r"""The gateway's request models (openapi.yaml, JSON Schema draft 4) and the pydantic models agree.

Both sides see the body as the function does: JSON numbers parsed as Decimal, so `multipleOf: 0.01` is exact
arithmetic on both (with enough Decimal precision for the validator's remainder of huge numbers).
The gateway side is checked twice: with Python's `re` (as the local gateway's jsonschema runs patterns) and
with ECMA-262 regexes (`regress`, the dialect JSON Schema specifies), so a pattern that the dialects read
differently (`\s`, `$`) fails here.
Cases: hypothesis-jsonschema instances of each schema, mutations of them, arbitrary JSON, strings made of
the characters on which the dialects' whitespace differs, and a hand corpus.
"""

import decimal
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import regress
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft4Validator, validators
from jsonschema import ValidationError as SchemaError
from pydantic import BaseModel, ValidationError

from api_common import jsonio
from api_common.models import NOT_BLANK
from products.models import ProductIn
from tests.unit.model_cases import EDGE_CHARACTERS, EDGE_STRINGS, PRODUCT_CORPUS, USER_CORPUS
from users.models import EMAIL_PATTERN, UserIn

OPENAPI = Path(__file__).resolve().parents[2] / "openapi.yaml"
MODELS: dict[str, type[BaseModel]] = {"UserIn": UserIn, "ProductIn": ProductIn}


@cache
def gateway_schema(name: str) -> dict[str, Any]:
    schemas = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))["components"]["schemas"]
    # Exact decimal semantics: the schema's numbers as Decimal, like the bodies'.
    schema: dict[str, Any] = json.loads(json.dumps(schemas[name]), parse_float=Decimal)
    return schema


@cache
def ecma_regex(pattern: str) -> regress.Regex:
    return regress.Regex(pattern)


def ecma_pattern(
    validator: Any, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[SchemaError]:
    """Draft 4 `pattern` as JSON Schema defines it: an ECMA-262 regex, matching anywhere in the string."""
    if isinstance(instance, str) and ecma_regex(pattern).find(instance) is None:
        yield SchemaError(f"{instance!r} does not match {pattern!r}")


EcmaDraft4Validator = validators.extend(Draft4Validator, {"pattern": ecma_pattern})
VALIDATORS = {name: Draft4Validator(gateway_schema(name)) for name in MODELS}
ECMA_VALIDATORS = {name: EcmaDraft4Validator(gateway_schema(name)) for name in MODELS}


def gateway_accepts(name: str, body: Any, *, dialect: str = "python") -> bool:
    checks = VALIDATORS if dialect == "python" else ECMA_VALIDATORS
    with decimal.localcontext(decimal.Context(prec=2000, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)):
        return bool(checks[name].is_valid(body))


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
    verdicts = {
        "python-re": gateway_accepts(name, body),
        "ecma-262": gateway_accepts(name, body, dialect="ecma"),
        "function": function_accepts(name, body),
    }
    assert len(set(verdicts.values())) == 1, (name, body, verdicts)


EDGE_TEXT = st.text(alphabet=st.sampled_from(EDGE_CHARACTERS) | st.sampled_from("a@.b"), max_size=12)

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
        # A valid body with one string field wrapped in, or replaced by, dialect edge characters.
        st.builds(
            lambda body, key, before, after: {**body, key: before + str(body.get(key, "")) + after},
            valid,
            st.sampled_from([field for field in fields if field != "price"]),
            EDGE_TEXT,
            EDGE_TEXT,
        ),
    )


@pytest.mark.parametrize("name", list(MODELS))
def test_schema_properties_match_the_model_fields(name: str) -> None:
    schema = gateway_schema(name)
    assert set(schema["properties"]) == set(MODELS[name].model_fields)
    assert set(schema["required"]) == {
        f for f, info in MODELS[name].model_fields.items() if info.is_required()
    }
    assert schema["additionalProperties"] is False


def patterns_in(node: Any) -> set[str]:
    """Every `pattern` string anywhere in a schema (or document)."""
    if isinstance(node, dict):
        own = {node["pattern"]} if isinstance(node.get("pattern"), str) else set()
        return own.union(*map(patterns_in, node.values()))
    if isinstance(node, list):
        return set().union(*map(patterns_in, node))
    return set()


@pytest.mark.parametrize("name", list(MODELS))
def test_schema_patterns_are_the_model_patterns(name: str) -> None:
    model_properties = MODELS[name].model_json_schema()["properties"]
    for field, spec in gateway_schema(name)["properties"].items():
        if spec["type"] == "string":  # (pydantic's schema of a Decimal has a pattern for its string form)
            assert patterns_in(spec) == patterns_in(model_properties[field]), (name, field)


def openapi_patterns() -> list[str]:
    """Every `pattern` in openapi.yaml: request models, parameters and headers."""
    return sorted(patterns_in(yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))))


def test_the_patterns_include_the_models_and_the_category_parameter() -> None:
    assert {NOT_BLANK, EMAIL_PATTERN} <= set(openapi_patterns())


@pytest.mark.parametrize("pattern", openapi_patterns())
def test_every_openapi_pattern_reads_the_same_in_ecma_262_and_python(pattern: str) -> None:
    for text in EDGE_STRINGS:
        ecma = ecma_regex(pattern).find(text) is not None
        python = re.search(pattern, text) is not None
        assert ecma == python, (pattern, text)


@pytest.mark.parametrize("name", list(MODELS))
@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(data=st.data())
def test_generated_bodies(name: str, data: st.DataObject) -> None:
    assert_agree(name, as_request_body(data.draw(mutations(name))))


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

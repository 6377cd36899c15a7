"""API Gateway's request-model validation: JSON Schema draft 4 without the keywords API Gateway does not
support, with exact decimal arithmetic, and the validationErrorString it reports."""

from __future__ import annotations

import json
import re
import sys
from decimal import MAX_EMAX, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from jsonschema import Draft4Validator, ValidationError
from jsonschema.validators import extend

_EXACT_LIMIT = 400  # decimal exponents beyond this are judged without building the whole number


def _multiple_of(validator: Any, divisor: Any, instance: Any, schema: Any) -> Any:
    """multipleOf on exact decimals (jsonschema's float/Decimal arithmetic is neither exact nor total)."""
    if not validator.is_type(instance, "number"):
        return
    if not _is_multiple(Decimal(instance), Decimal(divisor)):
        yield ValidationError(f"{instance} is not a multiple of {divisor}")


def _is_multiple(value: Decimal, divisor: Decimal) -> bool:
    if not value.is_finite():
        return False
    if abs(value.adjusted()) <= _EXACT_LIMIT:
        return (Fraction(value) / Fraction(divisor)).denominator == 1
    # Huge: a whole multiple of 10^k is a multiple of any divisor 10^-n (0.01, 1, ...).
    _sign, digits, exponent = divisor.normalize().as_tuple()
    return (
        digits == (1,) and isinstance(exponent, int) and exponent <= 0 and value == value.to_integral_value()
    )


def _ignored(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
    return iter(())


def _inclusive_minimum(validator: Any, minimum: Any, instance: Any, schema: Any) -> Any:
    """Draft 4's minimum without its exclusiveMinimum modifier, which API Gateway does not support."""
    if validator.is_type(instance, "number") and instance < minimum:
        yield ValidationError(f"{instance!r} is less than the minimum of {minimum!r}")


# Model keywords that API Gateway does not support, so its validator lets through what they would refuse
# (the functions enforce them): "Amazon API Gateway important notes for REST APIs",
# https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html#api-gateway-known-issues-rest-apis
UNSUPPORTED_MODEL_KEYWORDS = (
    "additionalProperties",
    "anyOf",
    "oneOf",
    "exclusiveMinimum",
    "maxItems",
    "minItems",
    "discriminator",
    "readOnly",
    "example",
)

ExactDraft4Validator = extend(  # type: ignore[no-untyped-call]  # types-jsonschema leaves extend() unannotated
    Draft4Validator,
    {
        **dict.fromkeys(UNSUPPORTED_MODEL_KEYWORDS, _ignored),
        "minimum": _inclusive_minimum,
        "multipleOf": _multiple_of,
    },
)


_NUMBER = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([-+]?)[0-9]+)?")


def _number(text: str) -> Decimal:
    """A JSON number, exact. Past the exponents Decimal holds (it raises InvalidOperation, no ValueError, and
    that was a 500 here): 0 when every digit is zero, else +-1E+-MAX_EMAX, on the same side of every minimum,
    maximum and multipleOf the models use. How API Gateway's validator reads such numbers is not documented;
    the local gateway judges them by their value (as the functions do) and never fails on them."""
    try:
        return Decimal(text)
    except InvalidOperation:
        pass
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise ValueError("not a JSON number")
    sign, whole, fraction, exponent_sign = match.groups()
    if not (whole + (fraction or "")).strip("0"):
        return Decimal(f"{sign}0")
    return Decimal(f"{sign}1E{exponent_sign or '+'}{MAX_EMAX}")


def _integer(text: str) -> int | Decimal:
    """Integers stay ints (as jsonschema's messages print them) unless int() would refuse their length."""
    return int(text) if len(text) < sys.get_int_max_str_digits() else _number(text)


def parse_json(body: bytes) -> Any:
    """JSON as API Gateway's validator reads it: numbers exact (Decimal), no NaN/Infinity."""

    def reject(constant: str) -> Any:
        raise ValueError(f"invalid JSON constant {constant}")

    return json.loads(body.decode("utf-8"), parse_float=_number, parse_int=_integer, parse_constant=reject)


def validation_error_string(validator: Any, instance: Any) -> str:
    """Errors in the shape of $context.error.validationErrorString, safe to place inside a JSON string."""
    messages = []
    for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(part) for part in error.absolute_path)
        messages.append(f"{where or '(root)'}: {error.message}" if where else error.message)
    if not messages:
        return ""
    return json.dumps("[" + ", ".join(messages) + "]")[1:-1]


def body_validation_errors(validator: Any, body: bytes) -> str:
    """The validationErrorString of a body against its model ("" when it validates): a body that is not JSON
    or is nested deeper than Python's parser goes (~10,000 levels) fails validation too. What API Gateway
    answers to the latter is not documented; the local gateway treats it as a body that fails validation."""
    try:
        instance = parse_json(body)
    except (ValueError, UnicodeDecodeError):
        return "[Invalid JSON in request body]"
    except RecursionError:
        return _TOO_DEEP
    try:
        return validation_error_string(validator, instance)
    except RecursionError:
        return _TOO_DEEP


_TOO_DEEP = "[JSON in request body is nested too deeply]"

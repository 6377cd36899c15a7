"""JSON in and out without float artifacts.

In: numbers parse as Decimal, so 19.99 stays 19.99 and `multipleOf: 0.01` is exact arithmetic. Any JSON
number is read, whatever its length or exponent (see `read_number`). NaN/Infinity literals and lone UTF-16
surrogates (which no store or encoder can round-trip) are malformed JSON, and so is nesting deeper than
MAX_DEPTH: no body of this API nests at all, and nothing recursive ever sees a deep one.
Out: Decimals are written as JSON numbers. Integral values go out as ints; the rest through float, whose
shortest repr is exactly the decimal for up to 15 significant digits. The API's numbers are far inside that
bound (prices are at most 1e9 with 2 decimals); a value that would not survive is an error, never rounded.
"""

import json
import re
from decimal import MAX_EMAX, Decimal, InvalidOperation
from typing import Any

# Bodies are flat objects; 32 levels is far beyond any valid body and far below any recursion limit.
MAX_DEPTH = 32
# A JSON number (RFC 8259 section 6): sign, integer part, fraction, exponent.
_NUMBER = re.compile(r"(-?)([0-9]+)(?:\.([0-9]+))?(?:[eE]([-+]?)[0-9]+)?")


def read_number(text: str) -> Decimal:
    """A JSON number as an exact Decimal, or, past the exponents Decimal holds, a stand-in on the same side of
    every bound and divisor the API checks.

    RFC 8259 section 6 lets a parser limit the range of numbers; this one limits nothing a client can tell.
    Decimal refuses exponents beyond about 10**18 (InvalidOperation, not ValueError), and
    `1e9999999999999999999` is a valid JSON number. Its value is either 0 (all digits zero: `0e99...9` is 0,
    an allowed price), or a magnitude beyond 10**MAX_EMAX (positive exponent) or a non-zero one below
    10**-MAX_EMAX (negative exponent). The stand-in is +-1E+MAX_EMAX or +-1E-MAX_EMAX with the number's sign:
    like the number, above every maximum, or non-zero and not a multiple of 0.01. Validation therefore
    refuses it exactly as it would the number (400 for the field), and the stand-in is never stored.
    Digit strings need no limit: Decimal reads any length (no int() conversion, so Python's 4300-digit limit
    on int strings never applies), and a body holds at most 64 KiB of them.
    """
    try:
        return Decimal(text)
    except InvalidOperation:
        pass
    match = _NUMBER.fullmatch(text)
    if match is None:  # the JSON parser hands over JSON numbers only
        raise ValueError(f"{text[:20]}... is not a JSON number")
    sign, whole, fraction, exponent_sign = match.groups()
    if not (whole + (fraction or "")).strip("0"):
        return Decimal(f"{sign}0")
    return Decimal(f"{sign}1E{exponent_sign or '+'}{MAX_EMAX}")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _check_parsed(value: Any) -> None:
    """Depth and text checks of a parsed document, iteratively (a deep document must not recurse here)."""
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, str):
            item.encode("utf-8")  # raises UnicodeEncodeError on a lone surrogate
            continue
        if not isinstance(item, dict | list):
            continue
        if depth >= MAX_DEPTH:
            raise ValueError(f"nested more than {MAX_DEPTH} levels deep")
        children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
        pending.extend((child, depth + 1) for child in children)


def loads(document: str) -> Any:
    """Parse a request body; every failure is a json.JSONDecodeError (which the resolver turns into 400)."""
    try:
        value = json.loads(
            document, parse_float=read_number, parse_int=read_number, parse_constant=_reject_constant
        )
        _check_parsed(value)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        # The C parser guards its own recursion; far deeper than MAX_DEPTH, so the same refusal.
        raise json.JSONDecodeError(f"nested more than {MAX_DEPTH} levels deep", document, 0) from None
    except (
        ValueError,
        ArithmeticError,
        UnicodeEncodeError,
    ) as error:  # ArithmeticError: no Decimal error is a 500
        raise json.JSONDecodeError(str(error), document, 0) from error
    return value


def _json_number(value: Decimal) -> int | float:
    if value == value.to_integral_value():
        return int(value)
    number = float(value)
    if Decimal(repr(number)) != value:
        raise ValueError(f"{value} cannot be written as an exact JSON number")
    return number


def _default(value: object) -> Any:
    if isinstance(value, Decimal):
        return _json_number(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    """Compact JSON with Decimals as numbers and non-ASCII text as is."""
    return json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":"))

"""JSON in and out without float artifacts.

In: numbers parse as Decimal, so 19.99 stays 19.99 and `multipleOf: 0.01` is exact arithmetic. NaN/Infinity
literals and lone UTF-16 surrogates (which no store or encoder can round-trip) are malformed JSON, and so is
nesting deeper than MAX_DEPTH: no body of this API nests at all, and nothing recursive ever sees a deep one.
Out: Decimals are written as JSON numbers. Integral values go out as ints; the rest through float, whose
shortest repr is exactly the decimal for up to 15 significant digits. The API's numbers are far inside that
bound (prices are at most 1e9 with 2 decimals); a value that would not survive is an error, never rounded.
"""

import json
from decimal import Decimal
from typing import Any

# Bodies are flat objects; 32 levels is far beyond any valid body and far below any recursion limit.
MAX_DEPTH = 32


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
        value = json.loads(document, parse_float=Decimal, parse_int=Decimal, parse_constant=_reject_constant)
        _check_parsed(value)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        # The C parser guards its own recursion; far deeper than MAX_DEPTH, so the same refusal.
        raise json.JSONDecodeError(f"nested more than {MAX_DEPTH} levels deep", document, 0) from None
    except (ValueError, UnicodeEncodeError) as error:
        raise json.JSONDecodeError(str(error), document, 0) from error
    return value


def _number(value: Decimal) -> int | float:
    if value == value.to_integral_value():
        return int(value)
    number = float(value)
    if Decimal(repr(number)) != value:
        raise ValueError(f"{value} cannot be written as an exact JSON number")
    return number


def _default(value: object) -> Any:
    if isinstance(value, Decimal):
        return _number(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> str:
    """Compact JSON with Decimals as numbers and non-ASCII text as is."""
    return json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":"))

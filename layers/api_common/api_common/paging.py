"""Full pages over Scan/Query, whatever the read filters out, with the resume key kept in a signed cursor."""

import re
from collections.abc import Callable
from typing import Annotated

from pydantic import BeforeValidator

from api_common.cursors import CursorCodec
from api_common.keys import Key

_DECIMAL_INTEGER = re.compile(r"0|[1-9][0-9]*")


def _decimal_digits(value: object) -> object:
    # pydantic's lax int also reads "+5", "05", "5.0", "5_0" and " 5"; the contract's integer is its digits.
    if isinstance(value, str) and not _DECIMAL_INTEGER.fullmatch(value):
        raise ValueError("Input should be an integer in decimal digits, without sign or leading zero")
    return value


# The `limit` query parameter's type; the handlers add its range (limits.MAX_PAGE_LIMIT).
StrictInteger = Annotated[int, BeforeValidator(_decimal_digits)]

# One read: (how many items at most, where to start) -> (items, where the next read starts or None).
type Fetch[T] = Callable[[int, Key | None], tuple[list[T], Key | None]]


def fill_page[T](fetch: Fetch[T], limit: int, start: Key | None) -> tuple[list[T], Key | None]:
    """Read until `limit` items are collected or the table ends.

    Each read asks for at most the missing number of items, so a page never overshoots and the last read's
    LastEvaluatedKey is exactly where the next page starts: walking the cursors visits every item once.
    """
    items: list[T] = []
    key = start
    while True:
        batch, key = fetch(limit - len(items), key)
        items.extend(batch)
        if len(items) >= limit or key is None:
            return items, key


def list_page[T](
    listing: str,
    key_attributes: frozenset[str],
    fetch: Fetch[T],
    limit: int,
    cursor: str | None,
    *,
    cursors: CursorCodec,
) -> tuple[list[T], str | None]:
    """One page of `listing` and the cursor of the next one (None at the end)."""
    start = cursors.decode(listing, cursor, key_attributes) if cursor else None
    items, last = fill_page(fetch, limit, start)
    return items, cursors.encode(listing, last) if last else None

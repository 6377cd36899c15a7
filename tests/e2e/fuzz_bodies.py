"""Seeded request bodies for the body fuzz (test_e2e_body_fuzz.py): nesting depth, size, JSON types,
encodings (invalid UTF-8, base64, BOM, other charsets), unknown fields, huge and odd numbers, 4-byte
characters written as ASCII escapes, lone surrogates, and valid bodies among them. The input families
(INPUT_KINDS) add numbers of any exponent or length, header fields and query parameters given twice, NFC and
NFD spellings of a few shared email addresses, bodies in and labelled with other charsets, and preconditions
other than If-Match."""

from __future__ import annotations

import base64
import json
import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

LIMIT = 65_536  # the documented body limit (WAF413.md)
JSON = "application/json"
NUMBERS = [
    "0", "-0", "1e400", "-1e400", "1e-400", "12345678901234567890123456789012345678901",
    "999999999.995", "1000000000", "0.1", "1.005", "19.99", "9" * 400, "1E+2", "-0.0",
]  # fmt: skip
# Valid prices that DynamoDB's number type cannot hold as written (the functions store the exact two-decimal
# value; issue 8, point 10).
EXTREME_PRICES = [
    "0E-200",
    "0E+200",
    "0.00000000000000000000000000000000000000000000",
    "1.0000000000000000000000000000000000000000",
]
TEXTS = ["", " ", "a", "😀" * 3, "\u0000", "\ufeff", "é", "<script>x</script>", "' OR 1=1 --", "\ud800", "\\"]
CONTENT_TYPES = [JSON, JSON, JSON, "application/json; charset=utf-8", "text/plain", "APPLICATION/JSON", ""]


@dataclass(frozen=True)
class FuzzBody:
    kind: str
    data: bytes
    content_type: str
    # Header fields sent as listed (a name may repeat; the fuzz then sends no Content-Type or If-Match of its
    # own), and a query string for the request line.
    fields: tuple[tuple[str, str], ...] = ()
    query: str = ""
    # Headers added to the request (preconditions); If-Match "1" on PUT stays, so at most one PUT succeeds.
    headers: dict[str, str] = field(default_factory=dict)


def _value(rng: random.Random, depth: int = 0) -> Any:  # noqa: PLR0911 - one return per JSON type
    choice = rng.randrange(8 if depth < 3 else 5)
    if choice == 0:
        return None
    if choice == 1:
        return rng.random() < 0.5
    if choice == 2:
        return rng.choice(TEXTS) * rng.randrange(1, 4)
    if choice == 3:
        return rng.randrange(-(10**6), 10**6)
    if choice == 4:
        return rng.random() * 10 ** rng.randrange(-5, 12)
    if choice == 5:
        return [_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {rng.choice(["name", "x", "price", ""]): _value(rng, depth + 1) for _ in range(rng.randrange(4))}


def _valid(collection: str, rng: random.Random, token: str) -> dict[str, Any]:
    char = rng.choice(["a", "é", "€", "😀"])
    if collection == "users":
        return {"name": char * rng.randrange(1, 101), "email": f"fz-{token}@example.com"}
    body: dict[str, Any] = {"name": char * rng.randrange(1, 201), "price": rng.randrange(0, 10**11) / 100}
    if rng.random() < 0.7:
        body["description"] = char * rng.randrange(1, 2001)
    if rng.random() < 0.7:
        body["category"] = f"fz-{token}"[:50]
    return body


def _nested(rng: random.Random, depth: int) -> str:
    opening = "".join(rng.choice(["[", '{"a":']) for _ in range(depth))
    closing = "".join("]" if char == "[" else "}" for char in reversed(opening.replace('{"a":', "{")))
    return opening + "1" + closing


INPUT_KINDS = ["huge-number", "repeated-fields", "repeated-query", "nfc-nfd", "charset", "preconditions"]
KINDS = ["valid", "valid-escaped", "types", "unknown", "numbers", "deep", "deep-unknown", "size", "encoding",
         "surrogate", "truncated", "not-object", *INPUT_KINDS]  # fmt: skip
HOSTILE_KINDS = ["extreme-price", "deep-unknown"]
HUGE = "9" * 19  # an exponent past Decimal's range (about 10**18)
HUGE_NUMBERS = [
    f"1e{HUGE}", f"-1E+{HUGE}", f"1E-{HUGE}", f"-2.5e-{HUGE}", f"0e{HUGE}", f"-0.0E-{HUGE}", f"19.99e{HUGE}",
    "1e400", "1e-400", "9" * 4301, "9" * 20000, "0." + "0" * 5000 + "1", "1" + "0" * 9 + "." + "0" * 3000,
]  # fmt: skip
CHARSETS = ["utf-16", "utf-16le", "utf-16be", "utf-32", "iso-8859-1", "us-ascii", "cp1252", "utf-8", "UTF8"]
PRECONDITIONS = [
    {"If-None-Match": "*"},
    {"If-None-Match": '"1"'},
    {"If-None-Match": 'W/"1"'},
    {"If-None-Match": '"2", "3"'},
    {"If-None-Match": "1"},
    {"If-Unmodified-Since": "Sun, 06 Nov 1994 08:49:37 GMT"},
    {"If-Unmodified-Since": "Fri, 31 Dec 9998 23:59:59 GMT"},
    {"If-Unmodified-Since": "Sun Nov  6 08:49:37 1994"},
    {"If-Unmodified-Since": "Sunday, 06-Nov-94 08:49:37 GMT"},
    {"If-Unmodified-Since": "yesterday"},
    {"If-Unmodified-Since": "Sun, 31 Feb 1994 08:49:37 GMT"},
    {"If-Modified-Since": "Sun, 06 Nov 1994 08:49:37 GMT"},  # ignored on PUT (RFC 9110 section 13.1.3)
]


def body(
    collection: str, rng: random.Random, token: str, *, max_unknown_depth: int, kinds: list[str] = KINDS
) -> FuzzBody:
    """One body. Nesting inside an unknown field (which reaches the function) stays within
    max_unknown_depth; nesting where the model's types refuse it at the gateway goes up to the size limit."""
    valid = _valid(collection, rng, token)
    kind = rng.choice(kinds)
    content_type = (
        rng.choice(CONTENT_TYPES) if kind not in ("valid", "valid-escaped", *HOSTILE_KINDS) else JSON
    )
    if kind in INPUT_KINDS:
        return _input_body(kind, collection, rng, token, valid)
    shape = _HOSTILE_DATA.get(kind, _other_json)
    return FuzzBody(kind, shape(_Draw(collection, rng, token, valid, max_unknown_depth)), content_type)


@dataclass(frozen=True)
class _Draw:
    """What one body's data is drawn from."""

    collection: str
    rng: random.Random
    token: str
    valid: dict[str, Any]
    max_unknown_depth: int


def _valid_json(d: _Draw) -> bytes:
    return json.dumps(d.valid, ensure_ascii=False).encode()


def _valid_escaped(d: _Draw) -> bytes:
    return json.dumps(d.valid).encode()  # 4-byte characters as \\ud83d\\ude00, 12 bytes each


def _types(d: _Draw) -> bytes:
    return json.dumps({key: _value(d.rng) for key in d.valid}).encode()


def _unknown(d: _Draw) -> bytes:
    return json.dumps(
        {**d.valid, d.rng.choice(["id", "version", "zz", "createdBy", "NAME"]): _value(d.rng)}
    ).encode()


def _numbers(d: _Draw) -> bytes:
    number = d.rng.choice(NUMBERS)
    field = "price" if d.collection == "products" else d.rng.choice(["name", "email"])
    return json.dumps({**d.valid, field: "__N__"}).replace('"__N__"', number).encode()


def _extreme_price(d: _Draw) -> bytes:
    price = d.rng.choice(EXTREME_PRICES)
    return (
        json.dumps({**_valid("products", d.rng, d.token), "price": "__N__"})
        .replace('"__N__"', price)
        .encode()
    )


def _deep(d: _Draw) -> bytes:
    depth = d.rng.choice([10, 100, 1_000, 5_000, 9_999, 10_001, 20_000])
    where = d.rng.choice(["top", "name"])
    nested = _nested(d.rng, depth)
    if where == "top":
        return nested.encode()
    return json.dumps({**d.valid, "name": "__D__"}).replace('"__D__"', nested).encode()


def _deep_unknown(d: _Draw) -> bytes:
    nested = _nested(d.rng, d.rng.randrange(1, d.max_unknown_depth + 1))
    return json.dumps({**d.valid, "extra": "__D__"}).replace('"__D__"', nested).encode()


def _size(d: _Draw) -> bytes:
    size = d.rng.choice([LIMIT - 1, LIMIT, LIMIT + 1, d.rng.randrange(1, 2 * LIMIT)])
    document = json.dumps(d.valid).encode()
    return (document + b" " * max(0, size - len(document)))[: max(size, len(document))]


def _encoding(d: _Draw) -> bytes:
    text = json.dumps(d.valid, ensure_ascii=False)
    return d.rng.choice(
        [
            text.encode("utf-16"),
            b"\xef\xbb\xbf" + text.encode(),
            base64.b64encode(text.encode()),
            text.encode() + b"\xff\xfe\x80",
            bytes(d.rng.randrange(256) for _ in range(d.rng.randrange(1, 200))),
            text.encode("latin-1", errors="replace"),
        ]
    )


def _surrogate(d: _Draw) -> bytes:
    return json.dumps({**d.valid, "name": "a\ud800b"}).encode()


def _truncated(d: _Draw) -> bytes:
    document = json.dumps(d.valid).encode()
    return document[: d.rng.randrange(len(document))]


def _other_json(d: _Draw) -> bytes:
    return json.dumps(d.rng.choice([[d.valid], "text", 5, None, True, []])).encode()


# The data of each kind of body (other kinds: a JSON document that is not an object).
_HOSTILE_DATA: dict[str, Callable[[_Draw], bytes]] = {
    "valid": _valid_json,
    "valid-escaped": _valid_escaped,
    "types": _types,
    "unknown": _unknown,
    "numbers": _numbers,
    "extreme-price": _extreme_price,
    "deep": _deep,
    "deep-unknown": _deep_unknown,
    "size": _size,
    "encoding": _encoding,
    "surrogate": _surrogate,
    "truncated": _truncated,
}


def _input_body(
    kind: str, collection: str, rng: random.Random, token: str, valid: dict[str, Any]
) -> FuzzBody:
    document = json.dumps(valid, ensure_ascii=False)
    if kind == "huge-number":
        number = rng.choice(HUGE_NUMBERS)
        where = rng.choice(["price" if collection == "products" else "name", "junk", "array"])
        raw = f"[1, {number}]" if where == "array" else number
        data = json.dumps({**valid, "junk" if where == "array" else where: "__N__"}).replace('"__N__"', raw)
        return FuzzBody(kind, data.encode(), JSON)
    if kind == "repeated-fields":
        name = rng.choice(
            ["Idempotency-Key", "Content-Type", "If-Match", "If-Unmodified-Since", "X-Amz-Date"]
        )
        values = {
            "Idempotency-Key": [f"fz-{token}", rng.choice([f"fz-{token}", f"fz-{token}-b"])],
            "Content-Type": [JSON, rng.choice([JSON, "text/plain"])],
            "If-Match": rng.sample(['"1"', '"999"', 'W/"1"', '"7", "8"'], 2),
            "If-Unmodified-Since": ["Fri, 31 Dec 9998 23:59:59 GMT", "Sun, 06 Nov 1994 08:49:37 GMT"],
            "X-Amz-Date": ["20261125T170000Z", "20261125T170001Z"],
        }[name]
        fields = [(name, value) for value in values]
        if name != "Content-Type":
            fields.append(("Content-Type", JSON))
        if name != "If-Match":
            fields.append(("If-Match", '"1"'))  # dropped by the fuzz on POST
        return FuzzBody(kind, document.encode(), JSON, fields=tuple(fields))
    if kind == "repeated-query":
        query = rng.choice(["limit=1&limit=2", "cursor=a&cursor=a", "category=a&category=b", "x=1&x=2"])
        return FuzzBody(kind, document.encode(), JSON, query=query)
    if kind == "nfc-nfd":
        # A few addresses shared by the whole run, each in several spellings: only one user may hold each.
        run = token.rsplit("-", 1)[0]
        address = f"fz-{run}-jos\u00e9{rng.randrange(4)}@example.com"
        spelled = unicodedata.normalize(rng.choice(["NFC", "NFD"]), address)
        spelled = spelled.upper() if rng.random() < 0.3 else spelled
        body = {**valid, "email": spelled} if collection == "users" else {**valid, "name": spelled}
        return FuzzBody(kind, json.dumps(body, ensure_ascii=rng.random() < 0.5).encode(), JSON)
    if kind == "charset":
        charset = rng.choice(CHARSETS)
        encoding = charset if rng.random() < 0.5 else "utf-8"
        encoded = document.encode(encoding, errors="replace")
        return FuzzBody(kind, encoded, f"{JSON}; charset={charset}")
    return FuzzBody(kind, document.encode(), JSON, headers=dict(rng.choice(PRECONDITIONS)))

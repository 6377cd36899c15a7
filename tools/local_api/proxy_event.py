"""The request parts of API Gateway's REST proxy event that the local gateway builds itself, where SAM CLI's
event builder differs from API Gateway: it joins repeated header fields with commas (werkzeug's environ) and
turns a broken escape in the query string into U+FFFD.

- `headers` holds one value per name and `multiValueHeaders` all of them, names spelled as the client sent
  them ("content-type" stays lowercase in AWS's own example event): "Input format of a Lambda function for
  proxy integration", https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html#api-gateway-simple-proxy-for-lambda-input-format
  and https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-create-api-as-simple-proxy-for-lambda.html.
  Field names are case-insensitive (RFC 9110, section 5.1), so spellings of one name are one entry, under
  the first spelling; the single value is the last one received. Both choices are the local server's: AWS's
  pages do not say (docs/local-internals.md).
- `queryStringParameters` / `multiValueQueryStringParameters` the same way, percent-decoded as UTF-8, with a
  raw `+` read as a space: AWS's pages do not say, but a REST proxy event logged by a Lambda function shows
  `?sort=-+createdAt` arriving as `"sort": "- createdAt"` in both maps
  (https://github.com/aws/aws-cdk/issues/19827). How API Gateway reads a `%` that starts no escape, or an
  escape that is not UTF-8, is not shown anywhere, so such a query is refused (QueryError, a 400) rather than
  guessed at.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote_to_bytes

_BROKEN_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class QueryError(ValueError):
    """A query string whose meaning API Gateway does not document; the message is for the client."""


def reshape(
    event: dict[str, Any], fields: list[tuple[str, str]] | None, query: list[tuple[str, str]] | None
) -> None:
    """Replace SAM CLI's headers and query maps in `event` with API Gateway's, when the request's fields and
    query are known (SAM CLI's own X-Forwarded-Proto and X-Forwarded-Port stay, as API Gateway sets them)."""
    if fields is not None:
        added = {n: v for n, v in (event.get("headers") or {}).items() if n.startswith("X-Forwarded-")}
        event["headers"], event["multiValueHeaders"] = event_headers(fields, added)
    if query is not None:
        event["queryStringParameters"], event["multiValueQueryStringParameters"] = event_query(query)


def repeated(fields: Iterable[tuple[str, str]], names: Iterable[str]) -> str | None:
    """The first of `names` that `fields` hold more than once."""
    counts = Counter(name.lower() for name, _ in fields)
    return next((name for name in names if counts[name.lower()] > 1), None)


def event_headers(
    fields: Iterable[tuple[str, str]], added: Mapping[str, str]
) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    """(`headers`, `multiValueHeaders`) of the fields as received, plus `added` (what the gateway sets in
    place of the client's fields of those names, e.g. X-Forwarded-Proto)."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    for name, value in fields:
        key = spelling.setdefault(name.lower(), name)
        multi.setdefault(key, []).append(value)
        single[key] = value
    for name, value in added.items():
        client_key = spelling.pop(name.lower(), None)
        if client_key is not None:
            del single[client_key], multi[client_key]
        single[name] = value
        multi[name] = [value]
    return single or None, multi or None


def parse_query(raw: str) -> list[tuple[str, str]]:
    """The (name, value) pairs of a raw query string, in order, else QueryError."""
    pairs = []
    for piece in raw.split("&"):
        if not piece:
            continue
        name, _, value = piece.replace("+", " ").partition("=")
        decoded = _decode(name)
        if decoded:
            pairs.append((decoded, _decode(value)))
    return pairs


def event_query(pairs: list[tuple[str, str]]) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    """(`queryStringParameters`, `multiValueQueryStringParameters`): the last value, and all of them."""
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    single = {name: values[-1] for name, values in multi.items()}
    return single or None, multi or None


def _decode(text: str) -> str:
    if _BROKEN_ESCAPE.search(text):
        raise QueryError("The query string holds a '%' that does not start an escape like %2F")
    try:
        return unquote_to_bytes(text).decode("utf-8")
    except UnicodeDecodeError:
        raise QueryError("A percent-encoded query parameter is not UTF-8") from None

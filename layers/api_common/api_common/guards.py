"""Refusals decided from the raw event, before routing or validation: 413 for big bodies, 400 for a
single-valued header or a query parameter given more than once, 415 for anything but UTF-8 JSON.

They run ahead of Powertools' request validation on purpose: a 1 MB body is refused unread, and a form post
is refused as a form post (Powertools would otherwise parse form bodies and validate them as data).
"""

import base64
import binascii
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from api_common import fields
from api_common.limits import MAX_BODY_BYTES
from api_common.problems import FieldError, Problem, invalid
from api_common.syntax import OWS

_JSON_BODY_METHODS = frozenset({"POST", "PUT"})


def _body_size(event: APIGatewayProxyEvent) -> int:
    body = event.body or ""
    if len(body) > MAX_BODY_BYTES:  # every character is at least one byte: too big whatever the encoding
        return len(body)
    if event.is_base64_encoded:
        decoded = base64.b64decode(body, validate=True)
        decoded.decode("utf-8")
        return len(decoded)
    return len(body.encode("utf-8", errors="surrogatepass"))


def is_json_media_type(content_type: str | None) -> bool:
    """application/json, with no parameter other than charset=utf-8 (JSON text is UTF-8, RFC 8259).

    RFC 9110 section 8.3.1: `parameters = *( OWS ";" OWS [ parameter ] )`, so empty parameters (as in
    `application/json;`) are allowed and mean nothing.
    """
    if content_type is None:
        return False
    media_type, *parameters = (part.strip(OWS).lower() for part in content_type.split(";"))
    if media_type != "application/json":
        return False
    for parameter in filter(None, parameters):
        name, _, value = parameter.partition("=")
        if name.strip(OWS) != "charset" or value.strip(OWS).strip('"') not in ("utf-8", "utf8"):
            return False
    return True


UNSUPPORTED_MEDIA_TYPE = Problem(
    HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
    "Send the body as JSON in UTF-8 with Content-Type: application/json (charset=utf-8 is the only charset).",
)


def with_canonical_content_type(event: dict[str, Any]) -> dict[str, Any]:
    """The event of an accepted POST/PUT with its JSON Content-Type spelled `application/json`.

    Media types are case-insensitive (RFC 9110), but Powertools matches the literal lower-case prefix.
    """
    if str(event.get("httpMethod")).upper() not in _JSON_BODY_METHODS:
        return event
    others = {
        name: value for name, value in (event.get("headers") or {}).items() if name.lower() != "content-type"
    }
    return {**event, "headers": {**others, "Content-Type": "application/json"}}


def refusal(event: APIGatewayProxyEvent) -> Problem | None:
    """The problem that stops this request before routing, or None to let it through."""
    try:
        size = _body_size(event)
    except (binascii.Error, ValueError):
        return invalid([FieldError("body", "The body is not valid base64-encoded UTF-8.")])
    if size > MAX_BODY_BYTES:
        return Problem(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"The body exceeds {MAX_BODY_BYTES} bytes.")
    repeated = fields.repeated(event)
    if repeated is not None:
        return repeated
    method = str(event.get("httpMethod") or "").upper()  # absent on a non-API (direct) invocation
    # No Content-Type at all is 415 too: a body is JSON only when the client says so.
    if method in _JSON_BODY_METHODS and not is_json_media_type(fields.single_header(event, "Content-Type")):
        return UNSUPPORTED_MEDIA_TYPE
    return None

"""What the routes read from the request beyond path, query and body (which the resolver validates).

Also the HTTP half of idempotency: the Idempotency-Key header (its storage half is `api_common.idempotency`).
"""

import re
from collections.abc import Callable

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from api_common import config, etags, idempotency, jsonio, preconditions
from api_common.errors import InvalidFieldError
from api_common.etags import IfMatch
from api_common.fields import header_values, single_header
from api_common.models import RequestModel
from api_common.preconditions import IfNoneMatch, Preconditions
from api_common.record import Record
from api_common.syntax import OWS

IDEMPOTENCY_KEY = "Idempotency-Key"
# Visible ASCII but `"`, bare or as a structured-field string ("...", as the draft's examples write it): the
# quotes come off only as a pair, so "K" and K are one key, and "K or K" are refused rather than read as K.
_KEY_CHARACTERS = r"[\x21\x23-\x7e]{1,255}"
_KEY = re.compile(f'(?P<bare>{_KEY_CHARACTERS})|"(?P<quoted>{_KEY_CHARACTERS})"')


def principal(event: APIGatewayProxyEvent) -> str | None:
    """The IAM principal API Gateway authenticated (SigV4), as its ARN; None when the gateway sent none."""
    identity = event.request_context.identity
    return identity.user_arn or identity.caller or None


def conditions(event: APIGatewayProxyEvent) -> Preconditions:
    """The preconditions of a PUT or DELETE, every field of each read (all of them 400 when malformed)."""
    since = single_header(event, preconditions.IF_UNMODIFIED_SINCE)
    return Preconditions(
        if_match=IfMatch.parse(header_values(event, etags.HEADER)),
        if_none_match=IfNoneMatch.parse(header_values(event, preconditions.IF_NONE_MATCH)),
        if_unmodified_since=None if since is None else preconditions.parse_http_date(since),
    )


def parse_idempotency_key(header: str | None) -> str | None:
    """The key of an Idempotency-Key header value, None when absent, 400 when unusable."""
    if header is None:
        return None
    match = _KEY.fullmatch(header.strip(OWS))
    if match is None:
        message = 'Must be 1 to 255 visible ASCII characters other than ", optionally in "quotes".'
        raise InvalidFieldError(IDEMPOTENCY_KEY, message)
    return match["bare"] or match["quoted"]


def idempotency_key(event: APIGatewayProxyEvent) -> str | None:
    return parse_idempotency_key(single_header(event, IDEMPOTENCY_KEY))


def idempotency_scope(event: APIGatewayProxyEvent) -> str:
    """Whose key space a key lives in: the caller and the route (`POST /users`)."""
    return f"{principal(event) or 'anonymous'} {event.http_method} {event.resource or event.path}"


def create_once[R: Record](
    app: APIGatewayRestResolver, body: RequestModel, create: Callable[[idempotency.Claim | None], R]
) -> R:
    """Run a POST's `create(claim)`: with an Idempotency-Key, the record's transaction also claims the key
    (`claim` is None without one), and a repeated request gets the record the first one created (nothing is
    written again): the key's scope names the route, so that record came from this `create` too."""
    event = app.current_event
    claim = idempotency.claim(
        idempotency_key(event),
        scope=idempotency_scope(event),
        payload=jsonio.dumps(body.attributes()),
        table=config.common().idempotency_table_name,
    )
    return create(claim)

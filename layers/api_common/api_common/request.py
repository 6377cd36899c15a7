"""What the routes read from the request beyond path, query and body (which the resolver validates)."""

from collections.abc import Callable
from typing import cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from api_common import etags, idempotency, jsonio, preconditions
from api_common.etags import IfMatch
from api_common.fields import header_values, single_header
from api_common.models import RequestModel
from api_common.preconditions import IfNoneMatch, Preconditions
from api_common.stored import Record


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


def idempotency_key(event: APIGatewayProxyEvent) -> str | None:
    return idempotency.parse_key(single_header(event, idempotency.HEADER))


def idempotency_scope(event: APIGatewayProxyEvent) -> str:
    """Whose key space a key lives in: the caller and the route (`POST /users`)."""
    return f"{principal(event) or 'anonymous'} {event.http_method} {event.resource or event.path}"


def create_once[R: Record](
    app: APIGatewayRestResolver, body: RequestModel, create: Callable[[idempotency.Claim | None], R]
) -> R:
    """Run a POST's `create(claim)`: with an Idempotency-Key, the record's transaction also claims the key
    (`claim` is None without one), and a repeated request gets the record the first one created (nothing is
    written again)."""
    event = app.current_event
    claim = idempotency.claim(
        idempotency_key(event), scope=idempotency_scope(event), payload=jsonio.dumps(body.attributes())
    )
    try:
        return create(claim)
    except idempotency.Replay as replay:
        # The key's scope names the route: the first request's record came from this `create` too.
        return cast(R, replay.item)

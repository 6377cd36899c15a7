"""The Idempotency-Key header (IETF httpapi idempotency-key draft) on POST, over Powertools Idempotency.

The record is keyed by caller, route and key, so two callers (or two routes) never share a key space. The
same key with the same body within an hour replays the first result; with another body it is 422; while the
first request still runs it is 409. Requests without the header skip the idempotency table altogether.
"""

import re
from collections.abc import Callable
from functools import cache
from http import HTTPStatus
from typing import Any, cast

from aws_lambda_powertools.utilities.typing import LambdaContext

from api_common.config import COMMON
from api_common.dynamo import Item, dynamodb
from api_common.problems import FieldError, Problem, invalid
from api_common.syntax import OWS

HEADER = "Idempotency-Key"
WINDOW_SECONDS = 3600
# Visible ASCII but `"`, bare or as a structured-field string ("...", as the draft's examples write it): the
# quotes come off only as a pair, so "K" and K are one key, and "K or K" are refused rather than read as K.
_KEY_CHARACTERS = r"[\x21\x23-\x7e]{1,255}"
_KEY = re.compile(f'(?P<bare>{_KEY_CHARACTERS})|"(?P<quoted>{_KEY_CHARACTERS})"')

Runner = Callable[..., Item]

KEY_REUSED = Problem(
    HTTPStatus.UNPROCESSABLE_ENTITY,
    "This Idempotency-Key was used with a different request body; use a new key for a new request.",
    slug="idempotency-key-reused",
)
KEY_IN_FLIGHT = Problem(
    HTTPStatus.CONFLICT,
    "A request with this Idempotency-Key is still being processed; retry later.",
    slug="idempotency-key-in-flight",
    headers={"Retry-After": "1"},
)


def parse_key(header: str | None) -> str | None:
    """The key of an Idempotency-Key header value, None when absent, 400 when unusable."""
    if header is None:
        return None
    match = _KEY.fullmatch(header.strip(OWS))
    if match is None:
        message = 'Must be 1 to 255 visible ASCII characters other than ", optionally in "quotes".'
        raise invalid([FieldError(HEADER, message)])
    return match["bare"] or match["quoted"]


@cache
def _runner() -> tuple[Runner, Any]:
    # Imported on the first keyed request only: GETs and un-keyed writes never load this machinery.
    from aws_lambda_powertools.utilities.idempotency import (  # noqa: PLC0415
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    config = IdempotencyConfig(
        event_key_jmespath="[scope, key]",
        payload_validation_jmespath="payload",
        expires_after_seconds=WINDOW_SECONDS,
    )
    store = DynamoDBPersistenceLayer(table_name=COMMON.idempotency_table_name, boto3_client=dynamodb)

    def run(request: dict[str, str], operation: Callable[[], Item]) -> Item:
        return operation()

    idempotent = idempotent_function(data_keyword_argument="request", persistence_store=store, config=config)
    return cast(Runner, idempotent(run)), config


def once(
    key: str | None,
    *,
    scope: str,
    payload: str,
    operation: Callable[[], Item],
    context: LambdaContext,
) -> Item:
    """Run `operation` once per (scope, key); `payload` is the canonical request body it is bound to.

    The result must survive a JSON round trip (Decimals come back as strings): callers re-validate it
    through their response model either way, so a replay renders exactly like the first response.
    """
    if key is None:
        return operation()
    run, config = _runner()
    # The in-progress record expires with this invocation's remaining time, should it die mid-flight.
    config.register_lambda_context(context)
    return run(request={"scope": scope, "key": key, "payload": payload}, operation=operation)

"""The Powertools REST resolver both services use, and their Lambda entry point.

One place decides how anything that goes wrong becomes problem+json: validation (400, not Powertools'
422), the domain's refusals (`api_common.errors`: 400, 404, 409, 412, 422, in `_DOMAIN_PROBLEMS`), store
outages (503), unknown routes (404) and, last, bugs (500 with no detail; the stack trace goes to the log,
never to the client). Below the handlers nothing raises a Problem: the guards' refusals (before routing)
are the only ones built elsewhere.
"""

import json
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import BotoCoreError, ClientError

from api_common import guards, jsonio, server_errors
from api_common.errors import (
    ConcurrentChangeError,
    DomainError,
    EmailTakenError,
    IdempotencyKeyInFlightError,
    IdempotencyKeyReusedError,
    InvalidFieldError,
    PreconditionFailedError,
    RecordNotFoundError,
)
from api_common.observability import logger, metrics, spans, tracer
from api_common.problems import FieldError, Problem, invalid, not_found
from api_common.responses import problem_response
from api_common.store_failures import unavailable

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]

# Clearer words than pydantic's for the errors whose default message names Python types. Only these two can
# arise: the body is parsed as a JSON object (`request_body`), and a price is a strict Decimal, whose wrong
# types fail its instance check (is_instance_of, never decimal_type).
_MESSAGES = {
    "missing": "Field required.",
    "is_instance_of": "Input should be a number.",
}
_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie"})


def _field(location: Sequence[Any]) -> str:
    """`name` for body fields, the parameter name for query/path/header ones, `body` for the whole body."""
    parts = list(location)
    if parts and parts[0] in _LOCATIONS:
        source = parts.pop(0)
        if source == "body" and (not parts or isinstance(parts[0], int)):
            return "body"  # the body itself: missing, not an object, or malformed JSON (loc holds a position)
    return ".".join(str(part) for part in parts) or "body"


def _message(error: dict[str, Any]) -> str:
    if error.get("type") == "json_invalid":
        return f"Malformed JSON: {error.get('ctx', {}).get('error', 'cannot be parsed')}."
    message = _MESSAGES.get(error.get("type", ""), str(error.get("msg", "Invalid value.")))
    return message.removeprefix("Value error, ")


def validation_problem(error: RequestValidationError) -> Response[str]:
    return problem_response(
        invalid([FieldError(_field(e.get("loc", ())), _message(e)) for e in error.errors()])
    )


def request_body(document: str) -> dict[str, Any]:
    """Every request body of this API is a JSON object.

    Checked at parse time because Powertools validates a top-level array as its first element (the form-data
    rule for repeated fields), which would accept `[{...}]` where the schema requires `{...}`.
    """
    body = jsonio.loads(document)
    if not isinstance(body, dict):
        raise json.JSONDecodeError("Expected a JSON object", document, 0)
    return body


def _route_not_found(_: NotFoundError) -> Response[str]:
    return problem_response(not_found("No such resource."))


def _internal_error(error: Exception) -> Response[str]:
    logger.exception("unhandled error", extra={"error_type": type(error).__name__})
    return problem_response(Problem(HTTPStatus.INTERNAL_SERVER_ERROR, "The request could not be completed."))


def _store_failure(error: Exception) -> Response[str]:
    cause = error.__cause__ or error.__context__  # wrapped SDK errors (Powertools) keep the original
    problem = unavailable(error) or (unavailable(cause) if isinstance(cause, Exception) else None)
    if problem is None:
        return _internal_error(error)
    logger.warning("data store unavailable", extra={"error_type": type(error).__name__})
    return problem_response(problem)


# Each domain error's problem: status, type (None: about:blank), headers; the detail is the error's message.
_DOMAIN_PROBLEMS: dict[type[DomainError], tuple[HTTPStatus, str | None, dict[str, str]]] = {
    RecordNotFoundError: (HTTPStatus.NOT_FOUND, None, {}),
    ConcurrentChangeError: (HTTPStatus.CONFLICT, None, {}),
    PreconditionFailedError: (HTTPStatus.PRECONDITION_FAILED, "precondition-failed", {}),
    EmailTakenError: (HTTPStatus.CONFLICT, "email-taken", {}),
    IdempotencyKeyReusedError: (HTTPStatus.UNPROCESSABLE_ENTITY, "idempotency-key-reused", {}),
    IdempotencyKeyInFlightError: (
        HTTPStatus.CONFLICT,
        "idempotency-key-in-flight",
        {"Retry-After": str(IdempotencyKeyInFlightError.RETRY_AFTER_SECONDS)},
    ),
}


def domain_problem(error: DomainError) -> Problem:
    """The problem a domain error is for the client."""
    if isinstance(error, InvalidFieldError):
        return invalid([FieldError(error.field, error.message)])
    status, slug, headers = _DOMAIN_PROBLEMS[type(error)]
    return Problem(status, str(error), slug=slug, headers=headers)


def _domain_failure(error: DomainError) -> Response[str]:
    return problem_response(domain_problem(error))


# Exceptions that always mean the same problem.
_FIXED_PROBLEMS: dict[type[Exception], Problem] = {
    # Unreachable behind the guards (they refuse non-JSON first); kept so no content type can yield a 500.
    RequestUnsupportedContentType: guards.UNSUPPORTED_MEDIA_TYPE,
}


def fixed_problem(error: Exception) -> Response[str]:
    problem = next(problem for kind, problem in _FIXED_PROBLEMS.items() if isinstance(error, kind))
    return problem_response(problem)


def create_resolver() -> APIGatewayRestResolver:
    """A resolver with validation on, Decimal-exact JSON both ways and the API's error mapping."""
    app = APIGatewayRestResolver(
        enable_validation=True,
        serializer=jsonio.dumps,
        json_body_deserializer=request_body,
    )
    app.exception_handler(DomainError)(_domain_failure)
    app.exception_handler(RequestValidationError)(validation_problem)
    app.exception_handler([ClientError, BotoCoreError])(_store_failure)
    app.exception_handler(list(_FIXED_PROBLEMS))(fixed_problem)
    app.exception_handler(Exception)(_internal_error)
    app.not_found(_route_not_found)
    return app


def answer(app: APIGatewayRestResolver, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The guards, then the resolver."""
    request = APIGatewayProxyEvent(event)
    problem = guards.refusal(request)
    if problem is None:
        return app.resolve(guards.with_canonical_content_type(event), context)
    logger.info("request refused before routing", extra={"status": problem.status.value})
    builder: ResponseBuilder[APIGatewayProxyEvent] = ResponseBuilder(
        response=problem_response(problem), serializer=jsonio.dumps
    )
    return builder.build(request)


def lambda_entry(app: APIGatewayRestResolver) -> LambdaHandler:
    """The function's handler: observability around the guards and the resolver."""

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    @tracer.capture_lambda_handler(capture_response=False)  # responses carry personal data (emails)
    @metrics.log_metrics(capture_cold_start_metric=True)
    @server_errors.counted  # every 5xx answered, per version: what the rollback alarms watch
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        with spans.request(event) as record_status:  # the route span (api_common.tracing)
            response = answer(app, event, context)
            record_status(int(response["statusCode"]))
        return response

    return cast(LambdaHandler, lambda_handler)

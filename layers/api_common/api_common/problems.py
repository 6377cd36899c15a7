"""RFC 9457 problem details: the one error shape of the API (the gateway responses produce the same).

Anything a route refuses is raised as a `Problem`; the resolver's exception handler renders it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

PROBLEM_JSON = "application/problem+json"
_TYPE_PREFIX = "urn:users-products-api:problem:"

# Titles of the problem types this API defines (the slug is the last part of the type URN).
TITLES: Mapping[str, str] = {
    "validation-error": "Request validation failed",
    "email-taken": "Email address already in use",
    "precondition-failed": "Precondition failed",
    "idempotency-key-reused": "Idempotency key reused with a different request",
    "idempotency-key-in-flight": "A request with this idempotency key is in progress",
    "service-unavailable": "Service temporarily unavailable",
}


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str


class Problem(Exception):  # noqa: N818 - RFC 9457 calls it a problem
    """An HTTP error with a problem+json body. `slug` None means a plain HTTP status (type about:blank)."""

    def __init__(
        self,
        status: HTTPStatus,
        detail: str,
        *,
        slug: str | None = None,
        errors: Sequence[FieldError] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug
        self.errors = tuple(errors)
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"{_TYPE_PREFIX}{self.slug}" if self.slug else "about:blank",
            "title": TITLES[self.slug] if self.slug else self.status.phrase,
            "status": self.status.value,
            "detail": self.detail,
        }
        if self.errors:
            body["errors"] = [{"field": error.field, "message": error.message} for error in self.errors]
        return body


def not_found(detail: str) -> Problem:
    return Problem(HTTPStatus.NOT_FOUND, detail)


def invalid(errors: Sequence[FieldError]) -> Problem:
    return Problem(
        HTTPStatus.BAD_REQUEST,
        "The request does not match the API's schema.",
        slug="validation-error",
        errors=errors,
    )


def precondition_failed(detail: str) -> Problem:
    return Problem(HTTPStatus.PRECONDITION_FAILED, detail, slug="precondition-failed")


def service_unavailable(retry_after_seconds: int) -> Problem:
    return Problem(
        HTTPStatus.SERVICE_UNAVAILABLE,
        "The data store is busy or unreachable; nothing was changed. Retry after the indicated delay.",
        slug="service-unavailable",
        headers={"Retry-After": str(retry_after_seconds)},
    )

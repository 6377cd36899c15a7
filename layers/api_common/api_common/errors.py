"""Every failure of the domain, in one vocabulary: what storage and the services' logic raise.

None of them knows HTTP. Storage raises the first two; the write algorithms (`api_common.writes`) and the
services' logic answer those with the domain errors below, and `api_common.resolver`, the HTTP edge, turns
each domain error into its problem (status, type, headers) in one table.
"""


class ConditionFailedError[R](Exception):
    """A single write's condition failed; `current` is the record the write found (None: there was none).

    DynamoDB returns that item with the failure when the write asks for ReturnValuesOnConditionCheckFailure
    ALL_OLD, so telling "missing" (404) from "changed" (412) costs no extra read:
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
    """

    def __init__(self, current: R | None) -> None:
        super().__init__("condition failed")
        self.current = current


class VersionConflictError(Exception):
    """A write conditional on the version read found the record changed (or gone) since: a lost race."""


class DomainError(Exception):
    """A request the domain refuses; the message says why, in words a client can act on."""


class RecordNotFoundError(DomainError):
    def __init__(self, kind: str) -> None:
        super().__init__(f"{kind} not found.")


class ConcurrentChangeError(DomainError):
    """Every attempt lost its race with another writer (`api_common.writes.WRITE_ATTEMPTS`)."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"{kind} is being changed concurrently; retry the request.")


class PreconditionFailedError(DomainError):
    """The record fails a precondition of the request (If-Match, If-None-Match, If-Unmodified-Since)."""


class InvalidFieldError(DomainError):
    """A field the schema cannot check (a header's syntax, a cursor's signature) is malformed."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class EmailTakenError(DomainError):
    """Another user holds the email (the same `users.repository.email_key`)."""

    def __init__(self) -> None:
        # The message does not echo the address: it stays out of responses and logs.
        super().__init__("Another user already has this email address.")


class IdempotencyKeyReusedError(DomainError):
    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was used with a different request body; use a new key for a new request."
        )


class IdempotencyKeyInFlightError(DomainError):
    """A request with the key is committing right now (or its record changed since the refusal)."""

    RETRY_AFTER_SECONDS = 1

    def __init__(self) -> None:
        super().__init__("A request with this Idempotency-Key is still being processed; retry later.")

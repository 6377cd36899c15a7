"""The translation of store failures into problems: a throttled or unreachable store is a 503.

A throttled or unreachable table is the client's cue to retry later (503 + Retry-After), never a 500: every
write the services make is a single conditional request or one transaction, so a failure leaves nothing
half-written.
"""

from botocore.exceptions import ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotocoreConnectionError

from api_common.dynamo import cancellation_codes, error_code
from api_common.problems import Problem, service_unavailable

_THROTTLED = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "TransactionConflictException",
        "TransactionInProgressException",
    }
)
_DOWN = frozenset({"InternalServerError", "ServiceUnavailable", "ServiceUnavailableException"})
# Cancellation reason codes of a transaction that a retry can clear.
_TRANSIENT_REASONS = frozenset({"ThrottlingError", "ProvisionedThroughputExceeded", "TransactionConflict"})
THROTTLED_RETRY_AFTER = 1
DOWN_RETRY_AFTER = 5


def unavailable(error: Exception) -> Problem | None:
    """The 503 for a store failure that a later retry can clear, or None when it is not one."""
    if isinstance(error, BotocoreConnectionError | HTTPClientError):
        return service_unavailable(DOWN_RETRY_AFTER)
    if not isinstance(error, ClientError):
        return None
    code = error_code(error)
    if code in _THROTTLED:
        return service_unavailable(THROTTLED_RETRY_AFTER)
    if code in _DOWN:
        return service_unavailable(DOWN_RETRY_AFTER)
    if code == "TransactionCanceledException" and _TRANSIENT_REASONS.intersection(cancellation_codes(error)):
        return service_unavailable(THROTTLED_RETRY_AFTER)
    return None

"""Header fields and query parameters as API Gateway's REST proxy event carries them.

A name given more than once keeps only its last value in `headers` and `queryStringParameters`, and all its
values, in order, in `multiValueHeaders` and `multiValueQueryStringParameters` ("Input format of a Lambda
function for proxy integration":
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html). So
everything here reads the multi-value maps: a list header split over several fields (If-Match: RFC 9110
section 5.3) is read whole, and a field that takes one value is never silently read as its last one.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from api_common.problems import FieldError, Problem, invalid

# Header fields whose value is a single item, never a list: RFC 9110 section 5.3 lets a sender repeat a field
# only when its value is a list, so two of these cannot be combined and which one the client meant is
# unknowable. This is every such header the API or its signature reads.
SINGLE_VALUED_HEADERS = (
    "Authorization",  # RFC 9110 section 11.6.2: one set of credentials
    "Content-Length",  # RFC 9110 section 8.6 (RFC 9112 section 6.3 allows refusing a repeated one)
    "Content-Type",  # RFC 9110 section 8.3: one media type
    "Host",  # RFC 9112 section 3.2: more than one Host field line is a 400
    "Idempotency-Key",  # draft-ietf-httpapi-idempotency-key-header: one sf-string (an Item, RFC 8941)
    "If-Unmodified-Since",  # RFC 9110 section 13.1.4: one HTTP-date
    # SigV4: one payload hash, one timestamp, one session token
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
    "X-Amz-Content-Sha256",
    "X-Amz-Date",
    "X-Amz-Security-Token",
)
REPEATED_HEADER = "Given more than once: this header takes one value."
REPEATED_PARAMETER = "Given more than once: send the parameter once (no parameter of this API takes a list)."


def _multi_value(event: Mapping[str, Any], multi_key: str, single_key: str) -> dict[str, list[str]]:
    """The multi-value map of the event, or (an event that has none, e.g. a hand-written test event) the
    single-value map with one value per name."""
    multi = event.get(multi_key)
    if multi:
        return {name: list(values or []) for name, values in multi.items()}
    return {name: [value] for name, value in (event.get(single_key) or {}).items() if value is not None}


def header_values(event: Mapping[str, Any], name: str) -> list[str]:
    """Every value of a header, in order, whatever the case of its name (field names are case-insensitive)."""
    wanted = name.lower()
    fields = _multi_value(event, "multiValueHeaders", "headers")
    return [value for key, values in fields.items() if key.lower() == wanted for value in values]


def repeated(event: Mapping[str, Any]) -> Problem | None:
    """400 for each single-valued header or query parameter given more than once; None when there is none."""
    errors = [
        FieldError(name, REPEATED_HEADER)
        for name in SINGLE_VALUED_HEADERS
        if len(header_values(event, name)) > 1
    ]
    parameters = _multi_value(event, "multiValueQueryStringParameters", "queryStringParameters")
    errors += [FieldError(name, REPEATED_PARAMETER) for name, values in parameters.items() if len(values) > 1]
    return invalid(errors) if errors else None


def single_header(event: Mapping[str, Any], name: str) -> str | None:
    """The value of a single-valued header (`repeated` has refused it given twice)."""
    values: Sequence[str] = header_values(event, name)
    return values[-1] if values else None

"""What Lambda hands a function, outside Lambda: the context object and an API Gateway REST proxy event.

One of each, for the tests, the bench, the local API's runner and the artifact check (copied into the arm64
root, whose Python has the standard library only). The bench's child process loads this module before it
times the handler's import, so at module level it imports only what that child (and the Lambda runtime
before any handler) has loaded already: `json`, `os`, `time`, `collections.abc`.
`typing` stays out: the annotations are never evaluated, and mypy reads `TYPE_CHECKING` as true.

https://docs.aws.amazon.com/lambda/latest/dg/python-context.html (the context's attributes)
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
  (the REST proxy event, format 1.0: a header or query parameter given more than once keeps its last value in
  `headers`/`queryStringParameters` and all of them, in order, in `multiValueHeaders`/
  `multiValueQueryStringParameters`; the page's example shows `multivalueName` as "me" and ["you", "me"])
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

ACCOUNT_ID = "123456789012"  # the documentation account: nothing here ever reaches AWS
REGION = "us-east-1"
CALLER_ARN = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/api-client/alice"
OTHER_CALLER_ARN = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/api-client/bob"


def function_arn(function_name: str, region: str = REGION) -> str:
    return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:{function_name}"


class LambdaContext:
    """The attributes of the Python runtime's context object that handlers and Powertools read."""

    def __init__(
        self,
        function_name: str = "unit-tests",
        *,
        memory_limit_in_mb: int = 256,
        timeout_s: float = 10.0,
        region: str = REGION,
        aws_request_id: str | None = None,
    ) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = function_arn(function_name, region)
        self.memory_limit_in_mb = memory_limit_in_mb
        self.aws_request_id = aws_request_id or _random_uuid()
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "2026/01/01/[$LATEST]0123456789abcdef"
        self._deadline = time.monotonic() + timeout_s

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def _random_uuid() -> str:
    """A version-4 UUID, as Lambda and API Gateway give each request, without importing `uuid`."""
    digits = os.urandom(16).hex()
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-8{digits[17:20]}-{digits[20:]}"


def identity(user_arn: str | None = CALLER_ARN) -> dict[str, Any]:
    """`requestContext.identity` of a SigV4-signed (IAM-authorised) caller, or of an unsigned one (None)."""
    session = user_arn.rsplit("/", 1)[-1] if user_arn else None
    return {
        "cognitoIdentityPoolId": None,
        "accountId": ACCOUNT_ID if user_arn else None,
        "cognitoIdentityId": None,
        "caller": f"AROAEXAMPLEROLEID:{session}" if user_arn else None,
        "accessKey": "ASIAEXAMPLEACCESSKEY" if user_arn else None,
        "sourceIp": "203.0.113.10",
        "cognitoAuthenticationType": None,
        "cognitoAuthenticationProvider": None,
        "userArn": user_arn,
        "userAgent": "aws-sigv4-client/1.0",
        "user": f"AROAEXAMPLEROLEID:{session}" if user_arn else None,
    }


# A header or query parameter: one value, or the values of a name given several times, in the order sent.
type Values = str | Sequence[str]


def _all_values(values: Values) -> list[str]:
    return [values] if isinstance(values, str) else list(values)


def api_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    raw_body: str | None = None,
    headers: Mapping[str, Values] | None = None,
    query: Mapping[str, Values] | None = None,
    user_arn: str | None = CALLER_ARN,
    base64_body: bool = False,
) -> dict[str, Any]:
    """A REST proxy event as API Gateway sends it to the function for `method path` (`/{collection}` or
    `/{collection}/{id}`): the shape `sam local generate-event apigateway aws-proxy` produces, with the
    SigV4 identity filled in. A list of values stands for a header or parameter given that many times:
    `headers`/`queryStringParameters` hold the last one, the multi-value maps all of them."""
    parts = path.strip("/").split("/")
    resource = f"/{parts[0]}" if len(parts) == 1 else f"/{parts[0]}/{{id}}"
    all_headers: dict[str, Values] = {
        "Accept": "application/json",
        # API Gateway verified this SigV4 signature (IAM auth) and passes the header through.
        "Authorization": (
            "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLEACCESSKEY/20261125/us-east-1/execute-api/aws4_request, "
            "SignedHeaders=accept;host;x-amz-date;x-amz-security-token, "
            "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
        ),
        "Host": "abcdef1234.execute-api.us-east-1.amazonaws.com",
        "User-Agent": "aws-sigv4-client/1.0",
        "X-Amz-Date": "20261125T170000Z",
        "X-Amz-Security-Token": "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN",
        "X-Forwarded-For": "203.0.113.10",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }
    if body is not None:
        raw_body = json.dumps(body)
    if raw_body is not None:
        all_headers["Content-Type"] = "application/json"
    # A header given here replaces the default of the same name, whatever its case (one field, as sent).
    given = {name.lower() for name in headers or {}}
    all_headers = {name: value for name, value in all_headers.items() if name.lower() not in given}
    all_headers.update(headers or {})
    if base64_body and raw_body is not None:
        import base64  # noqa: PLC0415 - rare here, and kept out of the bench child's measured imports

        raw_body = base64.b64encode(raw_body.encode()).decode()
    request_id = _random_uuid()
    multi_query = {name: _all_values(values) for name, values in (query or {}).items()}
    multi_headers = {name: _all_values(values) for name, values in all_headers.items()}
    return {
        "body": raw_body,
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "isBase64Encoded": base64_body,
        "queryStringParameters": {name: values[-1] for name, values in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": {"id": parts[1]} if len(parts) > 1 else None,
        "stageVariables": None,
        "headers": {name: values[-1] for name, values in multi_headers.items()},
        "multiValueHeaders": multi_headers,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "resourceId": "a1b2c3",
            "stage": "dev",
            "requestId": request_id,
            "extendedRequestId": request_id[:16],
            "requestTime": "25/Nov/2026:17:00:00 +0000",
            "requestTimeEpoch": 1795626000000,
            "identity": identity(user_arn),
            "path": f"/dev{path}",
            "resourcePath": resource,
            "httpMethod": method,
            "apiId": "abcdef1234",
            "protocol": "HTTP/1.1",
        },
    }

"""Helpers of the unit suite: API Gateway REST proxy events (the shape `sam local generate-event apigateway
aws-proxy` produces, with a SigV4-authenticated IAM identity filled in) and response decoding."""

import base64
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

ACCOUNT_ID = "123456789012"
CALLER_ARN = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/api-client/alice"
OTHER_CALLER_ARN = f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/api-client/bob"


def identity(user_arn: str | None = CALLER_ARN) -> dict[str, Any]:
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


def api_event(
    method: str,
    path: str,
    *,
    body: Any = None,
    raw_body: str | None = None,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
    user_arn: str | None = CALLER_ARN,
    base64_body: bool = False,
) -> dict[str, Any]:
    """A REST proxy event as API Gateway sends it to the function for `method path`."""
    parts = path.strip("/").split("/")
    resource = f"/{parts[0]}" if len(parts) == 1 else f"/{parts[0]}/{{id}}"
    all_headers = {
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
    all_headers.update(headers or {})
    if base64_body and raw_body is not None:
        raw_body = base64.b64encode(raw_body.encode()).decode()
    request_id = str(uuid.uuid4())
    return {
        "body": raw_body,
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "isBase64Encoded": base64_body,
        "queryStringParameters": dict(query) if query else None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": {"id": parts[1]} if len(parts) > 1 else None,
        "stageVariables": None,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
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


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    raw_body: str

    @property
    def body(self) -> Any:
        return json.loads(self.raw_body, parse_float=Decimal) if self.raw_body else None

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


def reply(result: Mapping[str, Any]) -> Reply:
    """Decode a proxy integration result (Powertools answers REST events with multiValueHeaders)."""
    headers = {name: values[-1] for name, values in (result.get("multiValueHeaders") or {}).items()}
    headers.update(result.get("headers") or {})
    return Reply(result["statusCode"], headers, result.get("body") or "")

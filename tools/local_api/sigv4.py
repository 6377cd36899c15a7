"""Verify an API Gateway IAM (SigV4) signature the way execute-api does, with botocore's own signer.

The client's canonical request is rebuilt from what arrived on the wire (raw path and query, the headers it
says it signed, the body) and botocore computes the signature the client should have sent.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

SERVICE = "execute-api"
MAX_SKEW = timedelta(minutes=5)
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
    "Access Key and signing method. Consult the service documentation for details."
)
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<signature>[0-9a-f]{64})\s*$"
)


class MissingTokenError(Exception):
    """No SigV4 Authorization header: API Gateway's MISSING_AUTHENTICATION_TOKEN."""


class InvalidSignatureError(Exception):
    """A signature that does not verify: API Gateway's INVALID_SIGNATURE (message as API Gateway words it)."""


class HeaderLookup(Protocol):
    """Case-insensitive header access (werkzeug's Headers, requests' CaseInsensitiveDict)."""

    def get(self, key: str, /) -> str | None: ...


@dataclass(frozen=True)
class Caller:
    access_key: str


def verify(
    *,
    method: str,
    host: str,
    raw_path: str,
    raw_query: str,
    headers: HeaderLookup,
    body: bytes,
    credentials: Credentials,
    region: str,
    now: datetime | None = None,
) -> Caller:
    authorization = headers.get("Authorization")
    if not authorization:
        raise MissingTokenError
    match = _AUTH.match(authorization)
    if not match:
        raise InvalidSignatureError(
            f"Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters. "
            f"Authorization={authorization[:40]}"
        )
    access_key, _, scope = match["credential"].partition("/")
    date, _, rest = scope.partition("/")
    scope_region, _, rest = rest.partition("/")
    service, _, terminator = rest.partition("/")
    if access_key != credentials.access_key:
        raise InvalidSignatureError("The security token included in the request is invalid.")
    if scope_region != region or service != SERVICE or terminator != "aws4_request":
        raise InvalidSignatureError(
            f"Credential should be scoped to a valid region and service ('{region}', '{SERVICE}')."
        )
    amz_date = headers.get("X-Amz-Date") or ""
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError as error:
        raise InvalidSignatureError(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        ) from error
    if not amz_date.startswith(date):
        raise InvalidSignatureError(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP."
        )
    current = now or datetime.now(UTC)
    if abs(current - signed_at) > MAX_SKEW:
        raise InvalidSignatureError(
            f"Signature expired: {amz_date} is now earlier or later than the allowed window."
        )
    if credentials.token and headers.get("X-Amz-Security-Token") != credentials.token:
        raise InvalidSignatureError("The security token included in the request is invalid.")

    signed_names = match["signed"].split(";")
    if "host" not in signed_names:
        raise InvalidSignatureError("'Host' must be a 'SignedHeader' in the AWS Authorization.")
    signed_headers = {}
    for name in signed_names:
        value = host if name == "host" else headers.get(name)
        if value is None:
            raise InvalidSignatureError(MISMATCH)
        signed_headers[name] = value
    query = f"?{raw_query}" if raw_query else ""
    request = AWSRequest(
        method=method, url=f"https://{host}{raw_path}{query}", headers=signed_headers, data=body
    )
    request.context["timestamp"] = amz_date
    request.context["payload_signing_enabled"] = True
    signer = SigV4Auth(credentials, SERVICE, region)
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, match["signature"]):
        raise InvalidSignatureError(MISMATCH)
    return Caller(access_key=access_key)

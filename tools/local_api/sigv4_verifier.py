"""Verify an API Gateway IAM (SigV4) signature the way execute-api does, with botocore's own signer.

The client's canonical request is rebuilt from what arrived on the wire (raw path and query, the headers it
says it signed, the body) and botocore computes the signature the client should have sent. What the rules
come from ("Create a signed AWS API request", "Elements of an AWS API request signature", IAM User Guide):

- the payload hash in the canonical request is "created using the payload in the body of the HTTP request",
  so it is the hash of the bytes received, and an X-Amz-Content-Sha256 header that says otherwise (another
  hash, UNSIGNED-PAYLOAD) is refused (a body swapped after signing is never accepted);
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
- the time stamp is "in UTC and use[s] the following ISO 8601 format: YYYYMMDDTHHMMSSZ", exactly (a
  lowercase t or z is not that format), and the credential scope's date is its first eight digits;
  https://docs.aws.amazon.com/IAM/latest/UserGuide/signing-elements.html
- an access key or a session token the server did not issue is "The security token included in the request
  is invalid." (x-amzn-errortype AccessDeniedException), as API Gateway words it in "How do I troubleshoot
  HTTP 403 errors from API Gateway?", https://repost.aws/knowledge-center/api-gateway-troubleshoot-403-forbidden
"""

from __future__ import annotations

import hashlib
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
INVALID_TOKEN = "The security token included in the request is invalid."  # noqa: S105 - a message
_AMZ_DATE = re.compile(r"[0-9]{8}T[0-9]{6}Z")
_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<credential>[^,\s]+),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<signature>[0-9a-f]{64})\s*$"
)


class MissingTokenError(Exception):
    """No SigV4 Authorization header: API Gateway's MISSING_AUTHENTICATION_TOKEN."""


class InvalidSignatureError(Exception):
    """A signature that does not verify: API Gateway's INVALID_SIGNATURE (message as API Gateway words it)."""


class UnrecognizedClientError(Exception):
    """An access key or session token the server never issued: 403, INVALID_TOKEN."""


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
    access_key, date = _check_scope(match["credential"], credentials, region)
    amz_date = headers.get("X-Amz-Date") or ""
    _check_time(amz_date, date, now or datetime.now(UTC))
    _check_token_and_payload(headers, body, credentials)

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


def _check_scope(credential: str, credentials: Credentials, region: str) -> tuple[str, str]:
    """The access key and the scope's date of `AKID/YYYYMMDD/region/execute-api/aws4_request`."""
    access_key, _, scope = credential.partition("/")
    date, _, rest = scope.partition("/")
    scope_region, _, rest = rest.partition("/")
    service, _, terminator = rest.partition("/")
    if access_key != credentials.access_key:
        raise UnrecognizedClientError(INVALID_TOKEN)
    if scope_region != region or service != SERVICE or terminator != "aws4_request":
        raise InvalidSignatureError(
            f"Credential should be scoped to a valid region and service ('{region}', '{SERVICE}')."
        )
    return access_key, date


def _check_time(amz_date: str, scope_date: str, current: datetime) -> None:
    """X-Amz-Date in the exact ISO 8601 basic format, on the scope's date, within MAX_SKEW of now."""
    try:
        if not _AMZ_DATE.fullmatch(amz_date):  # strptime alone takes a lowercase t and one-digit fields
            raise ValueError(amz_date)
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError as error:
        raise InvalidSignatureError(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        ) from error
    if amz_date[:8] != scope_date:
        raise InvalidSignatureError(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP."
        )
    if abs(current - signed_at) > MAX_SKEW:
        raise InvalidSignatureError(
            f"Signature expired: {amz_date} is now earlier or later than the allowed window."
        )


def _check_token_and_payload(headers: HeaderLookup, body: bytes, credentials: Credentials) -> None:
    if headers.get("X-Amz-Security-Token") != (credentials.token or None):  # none sent, none issued: equal
        raise UnrecognizedClientError(INVALID_TOKEN)
    claimed = headers.get("X-Amz-Content-Sha256")
    if claimed is not None and claimed != hashlib.sha256(body).hexdigest():
        raise InvalidSignatureError(MISMATCH)

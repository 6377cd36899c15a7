"""The local server's SigV4 verifier (tools/local_api/sigv4_verifier.py) on botocore-signed requests."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from requests.structures import CaseInsensitiveDict

from tools.local_api import sigv4_verifier
from tools.local_api.server import LOCAL_SECRET_KEY, credentials_from_env

CREDS = Credentials("AKIDLOCALTEST0000001", "secret")
HOST = "127.0.0.1:3000"


def _signed(
    *,
    method: str = "POST",
    path: str = "/users/a%20b",
    query: str = "limit=2&cursor=x%2By",
    body: bytes = b'{"a": 1}',
    credentials: Credentials = CREDS,
    region: str = "us-east-1",
    service: str = "execute-api",
) -> tuple[dict[str, str], bytes]:
    request = AWSRequest(method=method, url=f"http://{HOST}{path}?{query}", data=body, headers={"Host": HOST})
    SigV4Auth(credentials, service, region).add_auth(request)
    return dict(request.headers.items()), body


def _verify(headers: dict[str, str], body: bytes, **overrides: object) -> sigv4_verifier.Caller:
    arguments: dict[str, object] = {
        "method": "POST",
        "host": HOST,
        "raw_path": "/users/a%20b",
        "raw_query": "limit=2&cursor=x%2By",
        "headers": CaseInsensitiveDict(headers),  # as werkzeug's Headers on the server
        "body": body,
        "credentials": CREDS,
        "region": "us-east-1",
    }
    arguments.update(overrides)
    return sigv4_verifier.verify(**arguments)  # type: ignore[arg-type]


def test_a_botocore_signature_verifies() -> None:
    headers, body = _signed()
    assert _verify(headers, body).access_key == CREDS.access_key


def test_no_authorization_is_a_missing_token() -> None:
    with pytest.raises(sigv4_verifier.MissingTokenError):
        _verify({}, b"")


@pytest.mark.parametrize(
    "change",
    [
        {"data": b'{"a": 2}'},
        {"method": "PUT"},
        {"raw_path": "/users/a%20c"},
        {"raw_query": "limit=3&cursor=x%2By"},
        {"host": "127.0.0.1:3001"},
        {"region": "eu-west-1"},
        {"credentials": Credentials("AKIDLOCALTEST0000001", "other")},
    ],
)
def test_anything_changed_after_signing_is_refused(change: dict[str, object]) -> None:
    headers, body = _signed()
    body = change.pop("data", body)  # type: ignore[assignment]
    with pytest.raises(sigv4_verifier.InvalidSignatureError):
        _verify(headers, body, **change)


@pytest.mark.parametrize(
    "server_credentials",
    [
        Credentials("AKIDSOMEONEELSE00001", "secret"),  # a key the server never issued
        Credentials("AKIDLOCALTEST0000001", "secret", "session-token"),  # it issued a token, none was sent
    ],
)
def test_credentials_the_server_did_not_issue_are_an_invalid_token(server_credentials: Credentials) -> None:
    headers, body = _signed()
    with pytest.raises(
        sigv4_verifier.UnrecognizedClientError, match="security token included in the request"
    ):
        _verify(headers, body, credentials=server_credentials)


def test_other_service_is_refused() -> None:
    headers, body = _signed(service="s3")
    with pytest.raises(sigv4_verifier.InvalidSignatureError, match="scoped"):
        _verify(headers, body)


@pytest.mark.parametrize("skew", [timedelta(minutes=6), timedelta(minutes=-6)])
def test_clock_skew_over_five_minutes_is_refused(skew: timedelta) -> None:
    headers, body = _signed()
    with pytest.raises(sigv4_verifier.InvalidSignatureError, match="expired"):
        _verify(headers, body, now=datetime.now(UTC) + skew)


def test_a_tampered_header_value_is_refused() -> None:
    headers, body = _signed()
    headers["X-Amz-Date"] = headers["X-Amz-Date"][:-3] + "00Z"
    with pytest.raises(sigv4_verifier.InvalidSignatureError):
        _verify(headers, body)


def test_malformed_authorization_is_refused() -> None:
    with pytest.raises(sigv4_verifier.InvalidSignatureError, match="requires"):
        _verify({"Authorization": "AWS4-HMAC-SHA256 nonsense"}, b"")


def test_session_token_must_match() -> None:
    session = Credentials("AKIDLOCALTEST0000001", "secret", "token-1")
    headers, body = _signed(credentials=session)
    assert _verify(headers, body, credentials=session).access_key == session.access_key
    headers["X-Amz-Security-Token"] = "token-2"
    with pytest.raises(sigv4_verifier.UnrecognizedClientError):
        _verify(headers, body, credentials=session)


@pytest.mark.parametrize("token", ["made-up-token", ""])
def test_a_token_the_server_never_issued_is_refused_even_when_signed(token: str) -> None:
    # The server's credentials have no session token: any X-Amz-Security-Token is one it never issued,
    # signed or not (botocore signs it when the credentials carry one).
    headers, body = _signed(credentials=Credentials(CREDS.access_key, CREDS.secret_key, token or None))
    headers["X-Amz-Security-Token"] = token
    with pytest.raises(sigv4_verifier.UnrecognizedClientError):
        _verify(headers, body)


def _signed_with_payload_header(value: str, body: bytes) -> dict[str, str]:
    """Signed by botocore with X-Amz-Content-Sha256 set by the client (botocore then signs that value)."""
    request = AWSRequest(
        method="POST",
        url=f"http://{HOST}/users/a%20b?limit=2&cursor=x%2By",
        data=body,
        headers={"Host": HOST, "X-Amz-Content-Sha256": value},
    )
    SigV4Auth(CREDS, "execute-api", "us-east-1").add_auth(request)
    return dict(request.headers.items())


def test_the_payload_hash_header_must_be_the_hash_of_the_body_received() -> None:
    body = b'{"a": 1}'
    honest = _signed_with_payload_header(hashlib.sha256(body).hexdigest(), body)
    assert _verify(honest, body).access_key == CREDS.access_key


@pytest.mark.parametrize(
    "claimed",
    [
        "UNSIGNED-PAYLOAD",  # the client opted out of signing the body: the body can be swapped
        hashlib.sha256(b'{"a": 1}').hexdigest(),  # the hash of the body as signed, not as received
        hashlib.sha256(b'{"a": 1}').hexdigest().upper(),  # the hash is lowercase hex
    ],
)
def test_a_body_swapped_after_signing_is_refused_whatever_the_payload_header_says(claimed: str) -> None:
    headers = _signed_with_payload_header(claimed, b'{"a": 1}')
    with pytest.raises(sigv4_verifier.InvalidSignatureError, match="signature we calculated"):
        _verify(headers, b'{"a": 2}')  # what arrived
    with pytest.raises(sigv4_verifier.InvalidSignatureError):
        _verify(headers, b'{"a": 1}' if claimed == "UNSIGNED-PAYLOAD" else b"")


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda date: date.replace("T", "t"),
        lambda date: date.replace("Z", "z"),
        lambda date: date[:-1],  # no Z
        lambda date: date[:4] + date[5:],  # a one-digit month or day, which strptime alone accepts
        lambda date: f" {date}",
        lambda date: date[:-2] + "Z",  # five-digit time
        lambda date: date[:-1] + ".000Z",  # milliseconds ("Do not include milliseconds")
    ],
    ids=["lowercase t", "lowercase z", "no Z", "seven-digit date", "leading space", "short time", "millis"],
)
def test_x_amz_date_is_exactly_the_iso_8601_basic_format(rewrite: object) -> None:
    headers, body = _signed()
    headers["X-Amz-Date"] = rewrite(headers["X-Amz-Date"])  # type: ignore[operator]
    with pytest.raises(sigv4_verifier.InvalidSignatureError, match="X-Amz-Date"):
        _verify(headers, body)


def test_the_published_local_key_is_only_used_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY", raising=False)

    assert credentials_from_env("127.0.0.1").secret_key == LOCAL_SECRET_KEY
    exposed = {credentials_from_env("0.0.0.0").secret_key for _ in range(2)}  # noqa: S104
    assert LOCAL_SECRET_KEY not in exposed
    assert len(exposed) == 2

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV000000001")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "from-env")
    assert credentials_from_env("0.0.0.0").secret_key == "from-env"  # noqa: S104

"""The local server's SigV4 verifier (tools/local_api/sigv4.py) on requests signed by botocore, in-process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from requests.structures import CaseInsensitiveDict

from tools.local_api import sigv4
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


def _verify(headers: dict[str, str], body: bytes, **overrides: object) -> sigv4.Caller:
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
    return sigv4.verify(**arguments)  # type: ignore[arg-type]


def test_a_botocore_signature_verifies() -> None:
    headers, body = _signed()
    assert _verify(headers, body).access_key == CREDS.access_key


def test_no_authorization_is_a_missing_token() -> None:
    with pytest.raises(sigv4.MissingTokenError):
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
        {"credentials": Credentials("AKIDSOMEONEELSE00001", "secret")},
        {"credentials": Credentials("AKIDLOCALTEST0000001", "secret", "session-token")},
    ],
)
def test_anything_changed_after_signing_is_refused(change: dict[str, object]) -> None:
    headers, body = _signed()
    body = change.pop("data", body)  # type: ignore[assignment]
    with pytest.raises(sigv4.InvalidSignatureError):
        _verify(headers, body, **change)


def test_other_service_is_refused() -> None:
    headers, body = _signed(service="s3")
    with pytest.raises(sigv4.InvalidSignatureError, match="scoped"):
        _verify(headers, body)


@pytest.mark.parametrize("skew", [timedelta(minutes=6), timedelta(minutes=-6)])
def test_clock_skew_over_five_minutes_is_refused(skew: timedelta) -> None:
    headers, body = _signed()
    with pytest.raises(sigv4.InvalidSignatureError, match="expired"):
        _verify(headers, body, now=datetime.now(UTC) + skew)


def test_a_tampered_header_value_is_refused() -> None:
    headers, body = _signed()
    headers["X-Amz-Date"] = headers["X-Amz-Date"][:-3] + "00Z"
    with pytest.raises(sigv4.InvalidSignatureError):
        _verify(headers, body)


def test_malformed_authorization_is_refused() -> None:
    with pytest.raises(sigv4.InvalidSignatureError, match="requires"):
        _verify({"Authorization": "AWS4-HMAC-SHA256 nonsense"}, b"")


def test_session_token_must_match() -> None:
    session = Credentials("AKIDLOCALTEST0000001", "secret", "token-1")
    headers, body = _signed(credentials=session)
    assert _verify(headers, body, credentials=session).access_key == session.access_key
    headers["X-Amz-Security-Token"] = "token-2"
    with pytest.raises(sigv4.InvalidSignatureError):
        _verify(headers, body, credentials=session)


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

"""tools/local_api/http_framing and keep_alive over raw sockets: a request RFC 9112 does not frame is refused
(400) and its connection closed before any application logic, so no second request hides in it; API
Gateway's header quota is 431. The application here echoes what it was handed: a smuggled request shows."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.framing_fuzz import FAMILIES, cases
from tests.raw_http import Answer, exchange
from tools.local_api.http_framing import HEAD_CAP, HEADER_QUOTA
from tools.local_api.keep_alive import HEADER_FIELDS, REFUSAL, KeepAliveRequestHandler
from tools.local_api.serving import WsgiServer

HIDDEN = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
SEEN: list[dict[str, Any]] = []  # what the application was handed, request by request


def _app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Echoes method, path and body; /aware answers a refusal with its status (as the gateway does)."""
    SEEN.append(environ)
    refusal = environ.get(REFUSAL)
    if refusal is not None and environ["PATH_INFO"] == "/aware":
        start_response(f"{refusal.status} Refused", [("Content-Type", "text/plain")])
        return [f"rendered by the application: {refusal.detail}".encode()]
    answer = f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']} ".encode() + environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(answer)))])
    return [answer]


@pytest.fixture(scope="module")
def address() -> Iterator[tuple[str, int]]:
    served = WsgiServer("127.0.0.1", 0, _app, threaded=True, request_handler=KeepAliveRequestHandler)
    served.start_in_thread("framing-test")
    host, port = served.url.removeprefix("http://").split(":")
    yield host, int(port)
    served.stop()


def _one_refusal(address: tuple[str, int], raw: bytes, status: int = 400) -> Answer:
    answers, closed = exchange(address, raw)
    assert [a.status for a in answers] == [status], [a.body for a in answers]
    assert answers[0].headers["connection"] == "close"
    assert closed
    assert not any(a.body.startswith(b"GET /smuggled") for a in answers)
    return answers[0]


def _post(*lines: bytes, body: bytes = HIDDEN, start: bytes = b"POST /echo HTTP/1.1\r\n") -> bytes:
    return start + b"".join(lines) + b"\r\n" + body


LENGTH = b"Content-Length: %d\r\n" % len(HIDDEN)
HOST = b"Host: x\r\n"


@pytest.mark.parametrize(
    "raw",
    [
        _post(
            HOST, b"X-Pad: a\r\r\n", LENGTH
        ),  # a bare CR that a lenient parser reads as the end of the head
        _post(HOST, b"X-Pad: a\rb\r\n", LENGTH),  # a bare CR inside a value
        _post(HOST, b"X-Pad: a\r", LENGTH),  # a bare CR for a line end: Content-Length joins X-Pad's line
        _post(HOST, b"X-Pad: a\n", LENGTH),  # a bare LF for a line end
        _post(HOST, LENGTH, start=b"POST /echo HTTP/1.1\n"),  # a bare LF after the request line
        _post(HOST, b"X-Pad: a\r\n b\r\n", LENGTH),  # obs-fold
        _post(HOST, b"Content-Length:\r\n\t%d\r\n" % len(HIDDEN)),  # a folded Content-Length
        _post(b" X-Pad: a\r\n", HOST, LENGTH),  # whitespace before the first field line
        _post(HOST, b"Content-Length : %d\r\n" % len(HIDDEN)),  # whitespace before the colon
        _post(HOST, LENGTH, LENGTH),  # Content-Length twice, the same value
        _post(HOST, b"Content-Length: 0\r\n", LENGTH),  # conflicting lengths
        _post(HOST, b"Content-Length: %d, 0\r\n" % len(HIDDEN)),  # a list of lengths
        _post(HOST, b"Content-Length: +%d\r\n" % len(HIDDEN)),  # a sign
        _post(HOST, b"Content-Length: five\r\n"),
        _post(HOST, b"Transfer-Encoding: chunked\r\n", b"Content-Length: 5\r\n", body=b"0\r\n\r\n" + HIDDEN),
        _post(HOST, b"Transfer-Encoding: gzip, chunked\r\n", body=b"0\r\n\r\n" + HIDDEN),
        _post(HOST, b"Transfer-Encoding: chunked\r\n", b"Transfer-Encoding: chunked\r\n", body=b"0\r\n\r\n"),
        _post(
            b"Transfer-Encoding: chunked\r\n", body=b"0\r\n\r\n" + HIDDEN, start=b"POST /echo HTTP/1.0\r\n"
        ),
        _post(HOST, b"X-Pad: a\x00b\r\n", LENGTH),  # NUL in a value
        _post(HOST, b"X-Pad: a\x01b\r\n", LENGTH),  # another control character
        _post(HOST, LENGTH, start=b"POST /echo\x00 HTTP/1.1\r\n"),  # NUL in the request line
        _post(HOST, b"X-\xe9: a\r\n", LENGTH),  # a name that is not a token
        _post(LENGTH),  # HTTP/1.1 without Host
        _post(HOST, HOST, LENGTH),  # two Hosts
        _post(HOST, LENGTH, start=b"POST  /echo HTTP/1.1\r\n"),  # two spaces
        _post(HOST, LENGTH, start=b"POST /echo HTTP/2.0\r\n"),
        _post(HOST, LENGTH, start=b"POST http://x/echo HTTP/1.1\r\n"),  # only origin-form targets
        _post(HOST, LENGTH, body=HIDDEN[:10]),  # the body ends before its Content-Length
    ],
)
def test_a_request_rfc_9112_does_not_frame_is_400_and_the_connection_closes(
    address: tuple[str, int], raw: bytes
) -> None:
    answer = _one_refusal(address, raw)
    problem = json.loads(answer.body)  # the handler's own problem: this application does not render refusals
    assert answer.headers["content-type"] == "application/problem+json"
    assert problem["status"] == 400
    assert problem["detail"]


@pytest.mark.parametrize(
    "chunks",
    [
        b"zz\r\n" + HIDDEN,  # not a size
        b"0x5\r\nhello\r\n0\r\n\r\n",  # int(..., 16) would take it
        b"5\nhello\n0\n\n",  # bare LF
        b"5\r\nhello0\r\n\r\n",  # no CRLF after the data
        b"ff\r\n" + HIDDEN,  # the stream ends inside the chunk
        b"5\r\nhello\r\n0\r\n",  # the stream ends before the trailer section does
        b"5\r\nhello\r\n0\r\nX-T: a\rb\r\n\r\n",  # a bare CR in a trailer
        b"123456789\r\n",  # more hex digits than any body the gateway takes
    ],
)
def test_a_broken_chunked_body_is_400_and_closes(address: tuple[str, int], chunks: bytes) -> None:
    _one_refusal(address, _post(HOST, b"Transfer-Encoding: chunked\r\n", body=chunks))


def test_a_well_framed_body_holding_a_request_is_only_a_body(address: tuple[str, int]) -> None:
    chunked = _post(
        HOST,
        b"Transfer-Encoding: Chunked\r\n",
        body=b"%x\r\n%s\r\n0\r\nX-T: a\r\n\r\n" % (len(HIDDEN), HIDDEN),
    )
    for raw in (_post(HOST, b"Content-Length:  %d \r\n" % len(HIDDEN)), chunked):
        answers, closed = exchange(address, raw)
        assert [a.body for a in answers] == [b"POST /echo " + HIDDEN]
        assert "connection" not in answers[0].headers  # nothing was wrong: the connection stayed open
        assert closed  # ... until the client's end of the stream


def test_an_empty_line_before_a_request_is_ignored(address: tuple[str, int]) -> None:
    answers, _ = exchange(address, b"\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n")
    assert [a.body for a in answers] == [b"GET /after "]


def test_the_application_renders_a_refusal_and_sees_nothing_the_client_sent(address: tuple[str, int]) -> None:
    SEEN.clear()
    answer = _one_refusal(
        address, _post(HOST, b"X-Secret: s\r\n", LENGTH, LENGTH, start=b"POST /aware HTTP/1.1\r\n")
    )
    assert answer.body.startswith(b"rendered by the application: More than one Content-Length")
    (environ,) = SEEN
    assert environ["wsgi.input"].read() == b""
    assert environ[HEADER_FIELDS] == []
    assert not any(key.startswith("HTTP_") for key in environ)


def test_an_application_that_ignores_refusals_does_not_serve_them(address: tuple[str, int]) -> None:
    # /echo would answer 200 with the request echoed: the handler answers the refusal itself instead.
    answer = _one_refusal(address, _post(HOST, LENGTH, LENGTH))
    assert json.loads(answer.body)["title"] == "Bad Request"


def test_header_values_over_api_gateways_quota_are_431(address: tuple[str, int]) -> None:
    start = b"GET /echo HTTP/1.1\r\n"
    room = HEADER_QUOTA - (len(start) - 2) - len(b"x")  # what the request line and Host leave
    answers, _ = exchange(address, start + HOST + b"X-Big: " + b"a" * room + b"\r\n\r\n")
    assert [a.status for a in answers] == [200]
    answer = _one_refusal(address, start + HOST + b"X-Big: " + b"a" * (room + 1) + b"\r\n\r\n", 431)
    assert str(HEADER_QUOTA) in json.loads(answer.body)["detail"]
    # Names do not count towards the quota; a head beyond what is read at all is refused as well.
    answers, _ = exchange(address, start + HOST + b"X-" + b"n" * 20000 + b": v\r\n\r\n")
    assert [a.status for a in answers] == [200]
    _one_refusal(address, start + HOST + b"X-" + b"n" * HEAD_CAP + b": v\r\n\r\n", 431)


def test_a_url_over_api_gateways_quota_is_414(address: tuple[str, int]) -> None:
    _one_refusal(address, b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414)


def test_repeated_fields_reach_the_application_as_received(address: tuple[str, int]) -> None:
    SEEN.clear()
    raw = b'GET /echo HTTP/1.1\r\nHost: x\r\nIf-Match: "1"\r\nif-match:  "2" \r\nX_Under: u\r\n\r\n'
    exchange(address, raw)
    assert SEEN[-1][HEADER_FIELDS] == [
        ("Host", "x"),
        ("If-Match", '"1"'),
        ("if-match", '"2"'),
        ("X_Under", "u"),
    ]


def test_an_encoded_slash_stays_encoded_in_the_path(address: tuple[str, int]) -> None:
    answers, _ = exchange(address, b"GET /users/abc%2F HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answers[0].body == b"GET /users/abc%2F "
    answers, _ = exchange(address, b"GET /users/a%20b%2fc%41 HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answers[0].body == b"GET /users/a b%2FcA "


def test_framing_fuzz_smuggles_nothing(address: tuple[str, int]) -> None:
    count = int(os.environ.get("FRAMING_FUZZ_REQUESTS", "1100"))
    seed = int(os.environ.get("FRAMING_FUZZ_SEED", "1809"))
    tally = {family: [0, 0] for family in FAMILIES}  # family -> [refused, answered normally]
    smuggled = server_errors = 0
    for case in cases(seed, count, start=b"POST /echo HTTP/1.1\r\n", hidden=HIDDEN):
        answers, closed = exchange(address, case.raw)
        smuggled += len(answers) > 1 or any(a.body.startswith(b"GET /smuggled") for a in answers)
        server_errors += any(a.status >= 500 for a in answers)
        assert len(answers) == 1, (case, answers)
        assert closed, case
        refused = answers[0].status >= 400
        assert refused == case.refused, (case, answers[0])
        tally[case.family][0 if refused else 1] += 1
    assert (smuggled, server_errors) == (0, 0)
    assert sum(sum(counts) for counts in tally.values()) == count
    assert all(sum(counts) >= count // len(FAMILIES) for counts in tally.values())
    assert tally["valid"] == [0, count // len(FAMILIES) + (count % len(FAMILIES) > FAMILIES.index("valid"))]

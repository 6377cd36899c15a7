"""tools/local_api/keep_alive: one connection carries request after request, whatever a body left unread
(requests that cannot be framed: test_http_framing.py)."""

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tools.local_api.keep_alive import KeepAliveRequestHandler
from tools.local_api.serving import WsgiServer


def _app(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Echoes method, path, the client's port and the body; /ignore never reads the body; /fail raises;
    /hop-by-hop answers with its own Connection header."""
    path = environ["PATH_INFO"]
    if path == "/fail":
        raise RuntimeError("the application failed")
    body = b"" if path == "/ignore" else environ["wsgi.input"].read()
    answer = f"{environ['REQUEST_METHOD']} {path} {environ['REMOTE_PORT']} ".encode() + body
    headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(answer)))]
    if path == "/hop-by-hop":  # an application may not decide the connection's fate (PEP 3333)
        headers.append(("Connection", "keep-alive"))
    start_response("200 OK", headers)
    return [answer]


@pytest.fixture
def server() -> Iterator[WsgiServer]:
    served = WsgiServer("127.0.0.1", 0, _app, threaded=True, request_handler=KeepAliveRequestHandler)
    served.start_in_thread("keep-alive-test")
    yield served
    served.stop()


class Connection:
    """A raw client: what goes over the wire is exactly what the test writes."""

    def __init__(self, server: WsgiServer) -> None:
        host, port = server.url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=5)
        self.reader = self.sock.makefile("rb")

    def send(self, raw: bytes) -> None:
        self.sock.sendall(raw)

    def response(self) -> tuple[int, dict[str, str], bytes]:
        status = int(self.reader.readline().split()[1])
        headers: dict[str, str] = {}
        while (line := self.reader.readline().decode()) not in ("\r\n", ""):
            name, _, value = line.partition(":")
            seen = headers.get(name.lower())  # repeated fields join into one list (RFC 9110, section 5.3)
            headers[name.lower()] = f"{seen}, {value.strip()}" if seen else value.strip()
        return status, headers, self.reader.read(int(headers.get("content-length", 0)))

    def closed_by_server(self) -> bool:
        return self.reader.read(1) == b""


@pytest.fixture
def connection(server: WsgiServer) -> Iterator[Connection]:
    opened = Connection(server)
    yield opened
    opened.sock.close()


def test_two_requests_share_one_connection(connection: Connection) -> None:
    connection.send(b"GET /one HTTP/1.1\r\nHost: x\r\n\r\n")
    first = connection.response()
    connection.send(b"GET /two HTTP/1.1\r\nHost: x\r\n\r\n")
    second = connection.response()
    assert (first[0], second[0]) == (200, 200)
    assert "connection" not in first[1]
    method, path, port, _ = second[2].split(b" ", 3)
    assert (method, path) == (b"GET", b"/two")
    assert port == first[2].split(b" ")[2]  # the same client socket: the connection was kept


def test_a_body_the_application_did_not_read_is_dropped_before_the_next_request(
    connection: Connection,
) -> None:
    # Both requests in one write: the second must be read where the first's body ends, not inside it.
    body = b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n"
    connection.send(
        b"POST /ignore HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        + b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
    )
    assert connection.response()[2].startswith(b"POST /ignore ")
    status, _, answer = connection.response()
    assert status == 200
    assert answer.startswith(b"POST /echo ")
    assert answer.endswith(b" hello")


def test_a_chunked_body_reaches_the_application_whole(connection: Connection) -> None:
    connection.send(
        b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
    )
    assert connection.response()[2].endswith(b" abcde")


def test_a_broken_chunk_is_a_400_that_closes_the_connection(connection: Connection) -> None:
    connection.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
    status, headers, _ = connection.response()
    assert status == 400
    assert headers["connection"] == "close"
    assert connection.closed_by_server()


def test_a_chunked_body_left_unread_is_dropped_too(connection: Connection) -> None:
    connection.send(
        b"POST /ignore HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
        b"GET /after HTTP/1.1\r\nHost: x\r\n\r\n"
    )
    connection.response()
    assert connection.response()[2].startswith(b"GET /after ")


@pytest.mark.parametrize(
    "request_head",
    [
        b"GET /bye HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",  # the client asks
        b"GET /hop-by-hop HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",  # whatever the app says
        b"GET /old HTTP/1.0\r\n\r\n",  # HTTP/1.0 closes unless it asks for keep-alive
    ],
    ids=["connection close", "app says keep-alive", "HTTP/1.0"],
)
def test_the_server_closes_when_it_must(connection: Connection, request_head: bytes) -> None:
    connection.send(request_head)
    status, headers, _ = connection.response()
    assert status == 200
    assert headers["connection"] == "close"
    assert connection.closed_by_server()


def test_a_failing_application_answers_500_and_the_connection_goes_on(connection: Connection) -> None:
    connection.send(b"GET /fail HTTP/1.1\r\nHost: x\r\n\r\n")
    assert connection.response()[0] == 500
    connection.send(b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
    assert connection.response()[2].startswith(b"GET /next ")


def test_head_sends_the_length_without_the_body(connection: Connection) -> None:
    connection.send(b"HEAD /page HTTP/1.1\r\nHost: x\r\n\r\n")
    status = connection.reader.readline()
    head = b""
    while (line := connection.reader.readline()) != b"\r\n":
        head += line
    assert b" 200 " in status
    assert b"Content-Length: " in head
    connection.send(b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n")  # had a body been sent, this would misparse
    assert connection.reader.readline().startswith(b"HTTP/1.1 200")


def test_a_kept_connection_ends_when_the_server_stops(server: WsgiServer, connection: Connection) -> None:
    connection.send(b"GET /before HTTP/1.1\r\nHost: x\r\n\r\n")
    assert "connection" not in connection.response()[1]
    server.stop()
    connection.send(b"GET /after HTTP/1.1\r\nHost: x\r\n\r\n")  # read by the thread already waiting on it
    assert connection.response()[1]["connection"] == "close"
    assert connection.closed_by_server()

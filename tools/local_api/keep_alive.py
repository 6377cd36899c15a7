"""HTTP/1.1 persistent connections for the local API, on requests framed strictly (http_framing.py).

werkzeug answers every request with `Connection: close` and then discards whatever the client sent next
(werkzeug/serving.py, `run_wsgi`), so each request costs a new connection and a new thread. In HTTP/1.1 a
connection persists unless either side says otherwise (RFC 9112, section 9.3), and clients such as the e2e
suite, schemathesis and `make bench` keep one per thread (what reusing it earns: tools/README.md). How long
API Gateway keeps an idle connection is not part of the API's contract, and this server does not claim to
match it: it closes one after IDLE_SECONDS.

A connection can carry a next request only once this one has been read to its end. The head is read and
judged by http_framing before http.server's lenient parser sees it, and the body is read whole (it is at most
API Gateway's 10 MB) before the application runs, so the next request starts exactly where this one ended.
A request that cannot be framed is a refusal: the application renders it (environ[REFUSAL], no body, no
headers of the client's) and the connection closes after the answer. So does a client that asks for that
(`Connection: close`, or HTTP/1.0 without keep-alive).
"""

from __future__ import annotations

import http.client
import io
import json
import re
import sys
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote, urlsplit

from werkzeug.exceptions import InternalServerError
from werkzeug.serving import WSGIRequestHandler

from tools.local_api import http_framing
from tools.local_api.http_framing import Framing, Head, Refusal

# An idle persistent connection is closed after this long; its thread ends with it.
IDLE_SECONDS = 60
# environ keys this server adds: a refusal to answer instead of the request; the header fields as received.
REFUSAL = "local_api.refusal"
HEADER_FIELDS = "local_api.header_fields"
_ENCODED_SLASH = re.compile("%2f", re.IGNORECASE)


class KeepAliveRequestHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS
    # The head and the body go out in two writes; with Nagle's algorithm the second waits for the client's
    # delayed ACK of the first: 48 ms per request on a kept connection here, 4.3 ms with TCP_NODELAY.
    disable_nagle_algorithm = True

    def handle_one_request(self) -> None:
        """http.server's loop step, the request line read within http_framing.HEAD_CAP and framed there."""
        try:
            self.raw_requestline = self.rfile.readline(http_framing.HEAD_CAP + 1)
            if self.raw_requestline == b"\r\n":  # one empty line before a request is ignored (RFC 9112, 2.2)
                self.raw_requestline = self.rfile.readline(http_framing.HEAD_CAP + 1)
            if not self.raw_requestline:
                self.close_connection = True
                return
            if self.parse_request():
                self.run_wsgi()
                self.wfile.flush()
        except TimeoutError as error:  # a read or a write timed out: discard this connection
            self.log_error("Request timed out: %r", error)
            self.close_connection = True

    def parse_request(self) -> bool:
        """The head, read strictly; a head that cannot be framed becomes a refusal to answer."""
        self.requestline = self.raw_requestline.decode("latin-1").rstrip("\r\n")[:200]
        self.command, self.request_version, self.path = "GET", "HTTP/1.1", "/"
        self.headers = http.client.HTTPMessage()
        self.close_connection = True
        self._refusal: Refusal | None = None
        self._head: Head | None = None
        self._framing = Framing(chunked=False, length=0)
        try:
            method, target, version = http_framing.parse_request_line(self.raw_requestline)
            self.command, self.path = method, "/" + target.lstrip("/")
            self.request_version = f"HTTP/{version[0]}.{version[1]}"
            self._head = http_framing.read_head(self.rfile, self.raw_requestline)
            self._framing = http_framing.framing(self._head)
        except Refusal as refusal:
            self._refusal = refusal
            return True
        self.headers = _message(self._head.fields)
        tokens = {t.strip().lower() for v in self._head.values("Connection") for t in v.split(",")}
        self.close_connection = "close" in tokens or (version == (1, 0) and "keep-alive" not in tokens)
        return True

    def make_environ(self) -> dict[str, Any]:
        """werkzeug's environ with the body read whole, an encoded slash kept encoded in PATH_INFO (API
        Gateway does not split a path parameter at %2F), and the header fields as received."""
        body = http_framing.read_body(self.rfile, self._framing)
        environ = super().make_environ()
        environ["PATH_INFO"] = _path_info(self.path)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["wsgi.input_terminated"] = True
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        if self._framing.chunked:
            environ["CONTENT_LENGTH"] = str(len(body))  # dechunked, as the integration receives it
        environ[HEADER_FIELDS] = list(self._head.fields) if self._head else []
        return environ

    def run_wsgi(self) -> None:
        if self._refusal is None:
            expect = self._head.values("Expect") if self._head else []
            wanted = expect and expect[-1].lower() == "100-continue" and self.request_version == "HTTP/1.1"
            if wanted and self._framing.length <= http_framing.BODY_LIMIT:
                self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            try:
                self.environ = environ = self.make_environ()  # werkzeug's access log reads it
            except Refusal as refusal:
                self._refusal = refusal
        if self._refusal is not None:
            self.close_connection = True  # where this request ends is unknown, or it was not read
            self.environ = environ = self._refusal_environ(self._refusal)
            self._send(environ["REQUEST_METHOD"], *self._refuse(environ, self._refusal))
            return
        try:
            status, headers, body = _respond(self.server.app, environ)
        except Exception as error:  # the application failed: 500, as werkzeug answers
            if self.server.passthrough_errors:
                raise
            self.server.log("error", f"Error on request: {error!r}")
            status, headers, body = _respond(InternalServerError(), environ)
        if self.server.socket.fileno() == -1:
            self.close_connection = True  # the server was stopped: a kept connection ends with this answer
        self._send(environ["REQUEST_METHOD"], status, headers, body)

    def _refusal_environ(self, refusal: Refusal) -> dict[str, Any]:
        """A request of the method and path only: nothing the client sent after the request line is used."""
        host, port = self.server.server_address[:2]
        return {
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.input_terminated": True,
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
            "SERVER_SOFTWARE": self.server_version,
            "REQUEST_METHOD": self.command,
            "SCRIPT_NAME": "",
            "PATH_INFO": _path_info(self.path),
            "QUERY_STRING": "",
            "REMOTE_ADDR": str(self.client_address[0]),
            "REMOTE_PORT": self.client_address[1],
            "SERVER_NAME": str(host),
            "SERVER_PORT": str(port),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "CONTENT_LENGTH": "0",
            REFUSAL: refusal,
            HEADER_FIELDS: [],
        }

    def _refuse(self, environ: dict[str, Any], refusal: Refusal) -> tuple[str, list[tuple[str, str]], bytes]:
        """The application's answer to the refusal; its own problem document when the application answers
        with another status (an application that does not know REFUSAL must not serve the request)."""
        try:
            status, headers, body = _respond(self.server.app, environ)
            if int(status.split(" ", 1)[0]) == refusal.status:
                return status, headers, body
        except Exception as error:
            self.server.log("error", f"Error on refusal: {error!r}")
        title = HTTPStatus(refusal.status).phrase
        problem = {"type": "about:blank", "title": title, "status": refusal.status, "detail": refusal.detail}
        headers = [("Content-Type", "application/problem+json")]
        return f"{refusal.status} {title}", headers, json.dumps(problem).encode()

    def _send(self, method: str, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        closing = self.close_connection  # decided by the request; the application has no say (hop-by-hop)
        code_text, _, reason = status.partition(" ")
        code = int(code_text)
        self.send_response(code, reason)
        names = {name.lower() for name, _ in headers}
        for name, value in headers:
            if name.lower() != "connection":
                self.send_header(name, value)
        no_body = method == "HEAD" or code in (204, 304) or 100 <= code < 200
        if "content-length" not in names and not no_body:
            self.send_header("Content-Length", str(len(body)))
        if closing:
            self.send_header("Connection", "close")  # http.server then ends the connection after this answer
        self.end_headers()
        if not no_body:
            self.wfile.write(body)
        self.wfile.flush()


def _message(fields: list[tuple[str, str]]) -> http.client.HTTPMessage:
    """http.server's view of the validated fields (werkzeug builds its environ from it)."""
    message = http.client.HTTPMessage()
    for name, value in fields:
        message[name] = value  # appends: a repeated field stays repeated
    return message


def _path_info(target: str) -> str:
    """PATH_INFO as WSGI carries it (UTF-8 bytes as latin-1), percent-decoded except %2F."""
    path = urlsplit(target).path if target.startswith("/") else "/"
    decoded = "%2F".join(unquote(part) for part in _ENCODED_SLASH.split(path))
    return decoded.encode("utf-8").decode("latin-1")


def _respond(app: Any, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """The application's whole answer: API responses are small, and a known length keeps the connection."""
    started: list[Any] = []
    written: list[bytes] = []  # WSGI's write() callable (PEP 3333), for applications that use it

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]
        return written.append

    chunks: Iterable[bytes] = app(environ, start_response)
    try:
        written.extend(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
    return started[0], started[1], b"".join(written)

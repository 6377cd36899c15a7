"""HTTP/1.1 persistent connections for the local API, which werkzeug's development server never keeps.

werkzeug answers every request with `Connection: close` and then discards whatever the client sent next
(werkzeug/serving.py, `run_wsgi`), so each request costs a new connection and a new thread. In HTTP/1.1 a
connection persists unless either side says otherwise (RFC 9112, section 9.3), and clients such as the e2e
suite, schemathesis and `make bench` keep one per thread: reusing it is most of the difference in requests
per second (docs/performance.md, "Local API"). How long API Gateway keeps an idle connection is not part
of the API's contract, and this server does not claim to match it: it closes one after IDLE_SECONDS.

A connection can carry a next request only once this one's body has been read to its end, so the body
reaches the application as a stream bounded by its Content-Length (or dechunked whole), and what the
application left unread is read and dropped after the response. A body whose end cannot be known closes
the connection: an invalid Content-Length after the answer, a broken chunk with a 400 before any API
logic. So does a client that asks for that (`Connection: close`, or HTTP/1.0 without keep-alive).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import IO, Any, cast

from werkzeug.exceptions import ClientDisconnected, InternalServerError
from werkzeug.serving import WSGIRequestHandler
from werkzeug.wsgi import LimitedStream

# An idle persistent connection is closed after this long; its thread ends with it.
IDLE_SECONDS = 60


class KeepAliveRequestHandler(WSGIRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_SECONDS
    # The head and the body go out in two writes; with Nagle's algorithm the second waits for the client's
    # delayed ACK of the first: 48 ms per request on a kept connection here, 4.3 ms with TCP_NODELAY.
    disable_nagle_algorithm = True

    def make_environ(self) -> dict[str, Any]:
        """werkzeug's environ, with a body stream that ends where the body does. A chunked body is read whole
        here (API Gateway takes a payload whole before it invokes anything); a broken chunk raises OSError."""
        environ = super().make_environ()
        if environ.get("wsgi.input_terminated"):  # werkzeug's dechunking stream
            environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read())
        else:
            length = _content_length(environ)
            if length is None:
                self.close_connection = True  # nothing tells where this body ends
                length = 0
            environ["wsgi.input"] = LimitedStream(cast(IO[bytes], self.rfile), length)
            environ["wsgi.input_terminated"] = True  # the stream ends where the body does
        return environ

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        try:
            self.environ = environ = self.make_environ()  # werkzeug's access log reads it
        except OSError:
            # Where this request ends is unknown: 400 and close (RFC 9112, section 6.3), before any API logic.
            self.close_connection = True
            self.send_error(400, "Malformed chunked body")
            return
        try:
            status, headers, body = _respond(self.server.app, environ)
        except Exception as error:  # the application failed: 500, as werkzeug answers
            if self.server.passthrough_errors:
                raise
            self.server.log("error", f"Error on request: {error!r}")
            status, headers, body = _respond(InternalServerError(), environ)
        self._finish_body(environ["wsgi.input"])
        if self.server.socket.fileno() == -1:
            self.close_connection = True  # the server was stopped: a kept connection ends with this answer
        self._send(environ["REQUEST_METHOD"], status, headers, body)

    def _finish_body(self, stream: Any) -> None:
        """Read what the application left of the body, so the next request starts where this one ended."""
        try:
            while stream.read(65536):
                pass
        except ClientDisconnected:
            self.close_connection = True  # the body ended early: the client is gone

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


def _content_length(environ: dict[str, Any]) -> int | None:
    value = environ.get("CONTENT_LENGTH", "")
    if value == "":
        return 0
    return int(value) if value.isdigit() and value.isascii() else None


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

"""Strict HTTP/1.1 request framing for the local API (RFC 9112), read before http.server or werkzeug parse it.

http.server hands the header section to email.parser, which ends a line at a bare CR, unfolds obs-folds and
keeps the last of two Content-Length fields: a request framed one way by a client or proxy reaches the
application framed another way, and its body runs as a second request (request smuggling). Here the request
line, every header line and every chunk line are read and judged byte by byte, and anything RFC 9112 does not
define is refused with 400 before any API logic; the connection then closes (RFC 9112, section 9.6):

- a line must end in CRLF: a bare LF or a bare CR anywhere is refused (section 2.2 lets a recipient refuse
  a bare CR instead of reading it as a space; reading it as a space would let the bytes after it run as the
  next request);
- no whitespace before the first field line (section 2.2), no obs-fold (section 5.2), no whitespace between a
  field name and its colon (section 5.1), names are tokens, values have no CTL but HTAB (NUL, CR and LF are
  "invalid and dangerous", RFC 9110 section 5.5);
- HTTP/1.1 has exactly one Host field (RFC 9112 section 3.2);
- one Content-Length of digits, or one Transfer-Encoding that is exactly `chunked`, never both, never a
  Transfer-Encoding in HTTP/1.0 (section 6.1, 6.3); a body that ends early or a chunk that is not well formed
  (section 7.1) is refused too.

https://www.rfc-editor.org/rfc/rfc9112
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

# What is read of a request head at most: beyond it the request is refused and the connection closed.
HEAD_CAP = 64 * 1024
# API Gateway's REST API quotas: 10,240 bytes of header values, 10,240 characters of URL for a regional API, a
# 10 MB payload; its HTTP API quotas word the 10,240 bytes as "request line and header values", the stricter
# reading, which is the one counted here (docs/local-internals.md).
# https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-execution-service-limits-table.html
# https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html
HEADER_QUOTA = 10240
URL_QUOTA = 10240
BODY_LIMIT = 10 * 1024 * 1024

_TOKEN = rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_REQUEST_LINE = re.compile(rb"(" + _TOKEN + rb") (/[\x21-\x7e]*) HTTP/([0-9])\.([0-9])\r\n")
_FIELD_NAME = re.compile(_TOKEN)
_BAD_VALUE_BYTE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")  # CTLs but HTAB; obs-text (0x80-0xFF) is allowed
_CHUNK_LINE = re.compile(rb"([0-9A-Fa-f]{1,8})(?:;[\x21-\x7e\t ]*)?\r\n")
_CHUNK_LINE_CAP = 1024


class Reader(Protocol):
    """The request's byte stream (http.server's rfile)."""

    def readline(self, size: int = -1, /) -> bytes: ...

    def read(self, size: int = -1, /) -> bytes: ...


class Refusal(Exception):  # noqa: N818 - a refusal, not an error of this server
    """A request answered before any API logic: the status, a detail for the client, and the connection
    closes after the answer."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@dataclass(frozen=True)
class Head:
    method: str
    target: str
    version: tuple[int, int]
    fields: list[tuple[str, str]]  # in the order received, names as the client spelled them

    def values(self, name: str) -> list[str]:
        wanted = name.lower()
        return [value for field, value in self.fields if field.lower() == wanted]


@dataclass(frozen=True)
class Framing:
    chunked: bool
    length: int  # of a Content-Length body; 0 when there is none


def parse_request_line(line: bytes) -> tuple[str, str, tuple[int, int]]:
    if not line.endswith(b"\n") and len(line) > URL_QUOTA:
        raise Refusal(414, f"The URL is longer than API Gateway's limit of {URL_QUOTA} characters")
    match = _REQUEST_LINE.fullmatch(line)
    if match is None:
        raise Refusal(400, _request_line_problem(line))
    version = (int(match[3]), int(match[4]))
    if version not in ((1, 0), (1, 1)):
        raise Refusal(400, f"HTTP/{version[0]}.{version[1]} is not served here; use HTTP/1.1")
    target = match[2].decode("ascii")
    if len(target) > URL_QUOTA:
        raise Refusal(414, f"The URL is longer than API Gateway's limit of {URL_QUOTA} characters")
    return match[1].decode("ascii"), target, version


def _request_line_problem(line: bytes) -> str:
    if not line.endswith(b"\r\n"):
        return "The request line does not end with CRLF"
    if b"\r" in line[:-2] or b"\x00" in line:
        return "The request line holds a bare CR or a NUL"
    return "The request line is not `METHOD /path HTTP/1.1`"


def read_head(rfile: Reader, request_line: bytes) -> Head:
    """The request head, whole and valid, else Refusal; reads exactly up to the blank line that ends it."""
    method, target, version = parse_request_line(request_line)
    size = len(request_line)
    fields: list[tuple[str, str]] = []
    while True:
        line = rfile.readline(HEAD_CAP + 1 - size)
        size += len(line)
        if size > HEAD_CAP:
            raise Refusal(431, f"The request head is larger than {HEAD_CAP} bytes")
        if not line:
            raise Refusal(400, "The header section ends before its blank line")
        if line == b"\r\n":
            break
        if not fields and line[:1] in (b" ", b"\t"):
            raise Refusal(400, "Whitespace between the request line and the first header field")
        fields.append(parse_field_line(line))
    head = Head(method, target, version, fields)
    quota = len(request_line) - 2 + sum(len(value) for _, value in fields)
    if quota > HEADER_QUOTA:
        raise Refusal(
            431, f"The request line and header values are {quota} bytes; API Gateway takes {HEADER_QUOTA}"
        )
    return head


def parse_field_line(line: bytes) -> tuple[str, str]:
    if not line.endswith(b"\r\n") or b"\r" in line[:-2]:
        raise Refusal(400, "A header line holds a bare LF or a bare CR; lines end with CRLF")
    content = line[:-2]
    if content[:1] in (b" ", b"\t"):
        raise Refusal(400, "Obsolete line folding (obs-fold) is not accepted; send the value on one line")
    name, colon, value = content.partition(b":")
    if not colon or not _FIELD_NAME.fullmatch(name):
        raise Refusal(400, "A header field name is not a token, or whitespace precedes its colon")
    value = value.strip(b" \t")
    if _BAD_VALUE_BYTE.search(value):
        raise Refusal(400, f"The value of {name.decode('ascii')} holds a control character (NUL, CR, LF)")
    return name.decode("ascii"), value.decode("latin-1")


def framing(head: Head) -> Framing:
    """Where the body ends (RFC 9112, section 6.3), else Refusal."""
    hosts = head.values("Host")
    if len(hosts) > 1 or (head.version == (1, 1) and len(hosts) != 1) or hosts == [""]:
        raise Refusal(400, "An HTTP/1.1 request has exactly one Host header field, not empty")
    codings = head.values("Transfer-Encoding")
    lengths = head.values("Content-Length")
    if codings:
        if head.version < (1, 1):
            raise Refusal(400, "Transfer-Encoding is not defined in HTTP/1.0")
        if lengths:
            raise Refusal(400, "Content-Length and Transfer-Encoding together leave the body's end in doubt")
        if len(codings) > 1 or codings[0].lower() != "chunked":
            raise Refusal(400, "The only transfer coding accepted is `Transfer-Encoding: chunked`")
        return Framing(chunked=True, length=0)
    if len(lengths) > 1:
        raise Refusal(400, "More than one Content-Length header field")
    if lengths:
        if not (lengths[0].isascii() and lengths[0].isdigit() and len(lengths[0]) <= 18):
            raise Refusal(400, "Content-Length is not a number of bytes")
        return Framing(chunked=False, length=int(lengths[0]))
    return Framing(chunked=False, length=0)


def read_body(rfile: Reader, framing: Framing) -> bytes:
    """The whole body, else Refusal (400: it ends early or its chunks are broken; 413: over BODY_LIMIT)."""
    if framing.chunked:
        return _read_chunked(rfile)
    if framing.length > BODY_LIMIT:
        raise Refusal(413, "Request Too Long")
    body = rfile.read(framing.length)
    if len(body) < framing.length:
        raise Refusal(400, "The body ends before its Content-Length")
    return body


def _read_chunked(rfile: Reader) -> bytes:
    body = bytearray()
    while True:
        match = _CHUNK_LINE.fullmatch(rfile.readline(_CHUNK_LINE_CAP))
        if match is None:
            raise Refusal(400, "A chunk size line is not hexadecimal digits ending in CRLF")
        size = int(match[1], 16)
        if size == 0:
            break
        if len(body) + size > BODY_LIMIT:
            raise Refusal(413, "Request Too Long")
        data = rfile.read(size)
        if len(data) < size or rfile.read(2) != b"\r\n":
            raise Refusal(400, "A chunk ends early or is not followed by CRLF")
        body += data
    trailer = 0
    while (line := rfile.readline(HEAD_CAP + 1 - trailer)) != b"\r\n":
        trailer += len(line)
        if not line or trailer > HEAD_CAP:
            raise Refusal(400, "The chunked body's trailer section does not end")
        parse_field_line(line)  # validated, then discarded (RFC 9112, section 7.1.2)
    return bytes(body)

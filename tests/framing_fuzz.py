"""Seeded request-smuggling cases over raw sockets (tests/local_api/test_http_framing.py, tests/e2e).

Every case is one request whose bytes carry a second, hidden request that a lenient parser would run: after
a bare CR or LF, an obs-fold, a second or conflicting Content-Length, Content-Length with Transfer-Encoding,
a NUL, a header over the quota, a non-ASCII byte, or a chunk that ends early. Framed as RFC 9112 frames it,
the hidden request is inside the body or after a refused head (the connection then closes), so the server
answers exactly once. A second answer on the connection is a smuggled request.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

FAMILIES = (
    "bare_cr",
    "bare_lf",
    "obs_fold",
    "duplicate_length",
    "conflicting_length",
    "length_and_chunked",
    "nul",
    "oversized_header",
    "non_ascii",
    "truncated_chunk",
    "valid",
)


@dataclass(frozen=True)
class Case:
    family: str
    raw: bytes
    refused: bool  # RFC 9112 framing (and API Gateway's header quota) refuse it


def cases(seed: int, count: int, *, start: bytes, hidden: bytes) -> list[Case]:
    """`count` cases, the families in turn; `start` is the outer request line (CRLF included), `hidden` the
    request a lenient parser would run as a second one."""
    rng = random.Random(seed)  # noqa: S311 - reproducible cases, not secrets
    return [_BUILDERS[FAMILIES[n % len(FAMILIES)]](rng, start, hidden) for n in range(count)]


def _head(start: bytes, *lines: bytes) -> bytes:
    return start + b"Host: x\r\n" + b"".join(lines) + b"\r\n"


def _length(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n" % len(body)


def _pad(rng: random.Random) -> bytes:
    return bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz0123456789-") for _ in range(rng.randint(1, 12)))


def _bare_cr(rng: random.Random, start: bytes, hidden: bytes) -> Case:
    line = [
        b"X-Pad: " + _pad(rng) + b"\r" + _pad(rng) + b"\r\n",  # inside a value
        b"X-Pad: " + _pad(rng) + b"\r\r\n",  # a lenient parser ends the head here
        b"X-Pad: " + _pad(rng) + b"\r",  # a CR for a line end: the next field joins this line
        b"X-Pad\r: " + _pad(rng) + b"\r\n",
    ][rng.randrange(4)]
    lines = [line, _length(hidden)] if rng.random() < 0.5 else [_length(hidden), line]
    return Case("bare_cr", _head(start, *lines) + hidden, True)


def _bare_lf(rng: random.Random, start: bytes, hidden: bytes) -> Case:
    lines = [b"X-Pad: " + _pad(rng) + b"\r\n", _length(hidden)]
    which = rng.randrange(len(lines))
    lines[which] = lines[which][:-2] + b"\n"
    if rng.random() < 0.3:  # a bare LF ending the request line
        return Case("bare_lf", start[:-2] + b"\n" + b"Host: x\r\n" + b"".join(lines) + b"\r\n" + hidden, True)
    return Case("bare_lf", _head(start, *lines) + hidden, True)


def _obs_fold(rng: random.Random, start: bytes, hidden: bytes) -> Case:
    fold = rng.choice([b" ", b"\t", b"  \t"])
    line = rng.choice(
        [
            b"X-Pad: " + _pad(rng) + b"\r\n" + fold + _pad(rng) + b"\r\n",
            b"Transfer-Encoding:\r\n" + fold + b"chunked\r\n",
            b"Content-Length:\r\n" + fold + b"%d\r\n" % len(hidden),
        ]
    )
    return Case("obs_fold", _head(start, line, _length(hidden)) + hidden, True)


def _duplicate_length(rng: random.Random, start: bytes, hidden: bytes) -> Case:
    same = _length(hidden)
    line = rng.choice([same + same, b"Content-Length: %d, %d\r\n" % (len(hidden), len(hidden))])
    return Case("duplicate_length", _head(start, line) + hidden, True)


def _conflicting_length(rng: random.Random, start: bytes, hidden: bytes) -> Case:
    lines = [b"Content-Length: 0\r\n", _length(hidden)]
    rng.shuffle(lines)
    if rng.random() < 0.3:
        lines = [b"Content-Length: 0, %d\r\n" % len(hidden)]
    if rng.random() < 0.3:
        lines = [rng.choice([b"Content-Length: +%d\r\n", b"Content-Length: 0x%x\r\n"]) % len(hidden)]
    return Case("conflicting_length", _head(start, *lines) + hidden, True)


def _length_and_chunked(rng: random.Random, start: bytes, hidden: bytes) -> Case:
    body = b"0\r\n\r\n" + hidden  # by Transfer-Encoding the body ends after "0"; by Content-Length it is all
    coding = rng.choice(
        [
            b"chunked",
            b"Chunked",
            b" chunked",
            b"chunked ",
            b"chunked, identity",
            b"identity, chunked",
            b"xchunked",
        ]
    )
    lines = [b"Transfer-Encoding: " + coding + b"\r\n", _length(body)]
    rng.shuffle(lines)
    if rng.random() < 0.25:  # no Content-Length, but a coding that is not exactly chunked, or twice
        lines = [
            b"Transfer-Encoding: "
            + rng.choice([b"gzip, chunked", b"chunked, chunked", b"xchunked"])
            + b"\r\n"
        ]
    if rng.random() < 0.15:  # chunked in HTTP/1.0, which has no Transfer-Encoding
        http10 = start.replace(b"HTTP/1.1", b"HTTP/1.0")
        return Case("length_and_chunked", _head(http10, b"Transfer-Encoding: chunked\r\n") + body, True)
    return Case("length_and_chunked", _head(start, *lines) + body, True)


def _nul(rng: random.Random, start: bytes, hidden: bytes) -> Case:
    where = rng.randrange(3)
    if where == 0:
        return Case(
            "nul", start[:-2] + b"\x00\r\n" + b"Host: x\r\n" + _length(hidden) + b"\r\n" + hidden, True
        )
    line = b"X-Pad: " + _pad(rng) + b"\x00" + _pad(rng) + b"\r\n" if where == 1 else b"X-\x00Pad: a\r\n"
    return Case("nul", _head(start, line, _length(hidden)) + hidden, True)


def _oversized_header(rng: random.Random, start: bytes, hidden: bytes) -> Case:
    size = rng.choice([rng.randint(9000, 10100), rng.randint(10300, 20000), rng.randint(65000, 70000)])
    line = b"X-Big: " + b"a" * size + b"\r\n"
    head = _head(start, line, _length(hidden))
    quota = len(start) - 2 + len(b"x") + size + len(str(len(hidden)))  # request line + header values
    return Case("oversized_header", head + hidden, quota > 10240)


def _non_ascii(rng: random.Random, start: bytes, hidden: bytes) -> Case:
    high = bytes(rng.randint(0x80, 0xFF) for _ in range(rng.randint(1, 8)))
    if rng.random() < 0.5:  # obs-text in a value is allowed by RFC 9110 (section 5.5)
        return Case("non_ascii", _head(start, b"X-Pad: " + high + b"\r\n", _length(hidden)) + hidden, False)
    return Case("non_ascii", _head(start, b"X-" + high + b": a\r\n", _length(hidden)) + hidden, True)


def _truncated_chunk(rng: random.Random, start: bytes, hidden: bytes) -> Case:
    chunk = rng.choice(
        [
            b"%x\r\n" % (len(hidden) + rng.randint(1, 4000))
            + hidden,  # ends before its size: the stream ends
            b"%x\r\n" % len(hidden) + hidden + b"XX",  # no CRLF after the data
            b"%x\n" % len(hidden) + hidden + b"\n0\n\n",  # bare LF line ends
            b"zz\r\n" + hidden,  # not a size
            b"%x;ext=\x00\r\n" % len(hidden) + hidden + b"\r\n0\r\n\r\n",  # NUL in an extension
        ]
    )
    return Case("truncated_chunk", _head(start, b"Transfer-Encoding: chunked\r\n") + chunk, True)


def _valid(rng: random.Random, start: bytes, hidden: bytes) -> Case:
    if rng.random() < 0.5:  # the hidden request is the body: framed right, it never runs
        return Case("valid", _head(start, b"X-Pad: " + _pad(rng) + b"\r\n", _length(hidden)) + hidden, False)
    chunks = b"%x\r\n" % len(hidden) + hidden + b"\r\n0\r\nX-Trailer: a\r\n\r\n"
    return Case("valid", _head(start, b"Transfer-Encoding: chunked\r\n") + chunks, False)


_BUILDERS: dict[str, Callable[[random.Random, bytes, bytes], Case]] = {
    "bare_cr": _bare_cr,
    "bare_lf": _bare_lf,
    "obs_fold": _obs_fold,
    "duplicate_length": _duplicate_length,
    "conflicting_length": _conflicting_length,
    "length_and_chunked": _length_and_chunked,
    "nul": _nul,
    "oversized_header": _oversized_header,
    "non_ascii": _non_ascii,
    "truncated_chunk": _truncated_chunk,
    "valid": _valid,
}

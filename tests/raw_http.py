"""A raw HTTP/1.1 client for the framing tests: what goes over the wire is exactly what the test writes, and
every answer the server sends on the connection is read back (a smuggled request shows as a second one)."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import BinaryIO

TIMEOUT = 10


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]  # names lowercased; a repeated field's values joined with ", "
    body: bytes


def read_answer(reader: BinaryIO) -> Answer | None:
    """The next answer on the connection, or None when the server closed it before one began."""
    status_line = reader.readline()
    if not status_line:
        return None
    parts = status_line.split()
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise AssertionError(f"not an HTTP/1.x status line: {status_line!r}")
    headers: dict[str, str] = {}
    while (line := reader.readline().decode("latin-1")) not in ("\r\n", ""):
        name, _, value = line.partition(":")
        seen = headers.get(name.lower())
        headers[name.lower()] = f"{seen}, {value.strip()}" if seen else value.strip()
    status = int(parts[1])
    no_body = status in (204, 304) or 100 <= status < 200
    return Answer(status, headers, b"" if no_body else reader.read(int(headers.get("content-length", 0))))


def exchange(address: tuple[str, int], raw: bytes, *, half_close: bool = True) -> tuple[list[Answer], bool]:
    """Send `raw` on a new connection, then read every answer until the server closes the connection.

    Returns (answers, closed by the server). With half_close the client ends its side after sending, so a
    server waiting for more body bytes sees the end of the stream instead of waiting for the idle timeout.
    """
    with socket.create_connection(address, timeout=TIMEOUT) as sock:
        sock.sendall(raw)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        reader = sock.makefile("rb")
        answers = []
        try:
            while (answer := read_answer(reader)) is not None:
                if answer.status != 100:
                    answers.append(answer)
            closed = True
        except TimeoutError:
            closed = False
        return answers, closed

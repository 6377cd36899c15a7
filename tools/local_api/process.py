"""`make local` as a child process on a free port, for the test suites (e2e, local_api, delivery) and bench.

The server verifies SigV4 against the key pair it is given in its environment (server.credentials_from_env);
the clients sign with the same pair.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
LOCAL_KEY, LOCAL_SECRET, LOCAL_REGION = "AKIAE2ELOCALTESTKEY1", "e2e-local-secret-key", "us-east-1"
START_TIMEOUT = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalServer:
    port: int  # on 127.0.0.1
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self, sig: int = signal.SIGINT) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return int(self.process.returncode)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start_local_server(log: Path, *extra: str, env: dict[str, str] | None = None) -> LocalServer:
    """`python -m tools.local_api` on 127.0.0.1:<free port>, signed with LOCAL_KEY; returns once it listens.

    `extra` is passed to the server's command line; `env` overrides its environment; its output goes to `log`.
    """
    port = free_port()
    environment = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": LOCAL_KEY,
        "AWS_SECRET_ACCESS_KEY": LOCAL_SECRET,
        "AWS_REGION": LOCAL_REGION,
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    environment.pop("AWS_SESSION_TOKEN", None)
    if "AWS_ENDPOINT_URL_DYNAMODB" not in (env or {}):  # the embedded backend unless the caller names one
        environment.pop("AWS_ENDPOINT_URL_DYNAMODB", None)
    with log.open("wb") as handle:
        process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
            [sys.executable, "-m", "tools.local_api", "--host", "127.0.0.1", "--port", str(port), *extra],
            cwd=PROJECT,
            env=environment,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    server = LocalServer(port, process, log)
    try:
        wait_until_listening(process, port, server.log_text, "local server")
    except RuntimeError:
        server.stop()
        raise
    return server


def wait_until_listening(
    process: subprocess.Popen[bytes], port: int, log_text: Callable[[], str], what: str
) -> None:
    """Return once `process` accepts connections on `port`; else RuntimeError with its log."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{log_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{what} did not start in {START_TIMEOUT} s:\n{log_text()[-3000:]}")

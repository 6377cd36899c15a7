"""Throughput of the Docker-free local API (`make local`): SigV4-signed requests, a fixed mix of routes."""

import http.client
import itertools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tools.bench.stats import percentile
from tools.local_api.process import (
    LOCAL_KEY,
    LOCAL_REGION,
    LOCAL_SECRET,
    free_port,
    start_local_server,
    wait_until_listening,
)

CREDENTIALS = Credentials(LOCAL_KEY, LOCAL_SECRET)


@dataclass(frozen=True)
class Call:
    route: str
    method: str
    path: str
    body: dict[str, Any] | None = None
    headers: tuple[tuple[str, str], ...] = ()
    expect: int = 200


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: Counter[tuple[str, int]]
    unexpected: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


@contextmanager
def moto_server() -> Iterator[str]:
    """moto's stand-alone server in a process of its own (the local API's AWS_ENDPOINT_URL_DYNAMODB)."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-moto-") as scratch:
        log = Path(scratch) / "moto.log"
        with log.open("wb") as handle:
            process = subprocess.Popen(
                [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                stdout=handle, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            wait_until_listening(process, port, lambda: log.read_text(errors="replace"), "moto_server")
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=15)


@contextmanager
def local_server(dynamodb_endpoint: str | None = None) -> Iterator[tuple[str, int]]:
    """`make local`'s command on a free port; the functions log at WARNING, so the load measures the API."""
    env = {"POWERTOOLS_LOG_LEVEL": "WARNING"}
    if dynamodb_endpoint:
        env["AWS_ENDPOINT_URL_DYNAMODB"] = dynamodb_endpoint
    with tempfile.TemporaryDirectory(prefix="bench-local-") as scratch:
        server = start_local_server(Path(scratch) / "server.log", env=env)
        try:
            yield "127.0.0.1", server.port
        finally:
            server.stop()


class Client:
    """A connection per worker thread, reopened when the server closes it; each request signed (SigV4)."""

    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._local = threading.local()
        self._signer = SigV4Auth(CREDENTIALS, "execute-api", LOCAL_REGION)

    def _connection(self) -> http.client.HTTPConnection:
        if not hasattr(self._local, "conn"):
            self._local.conn = http.client.HTTPConnection(self._host, self._port, timeout=30)
        connection: http.client.HTTPConnection = self._local.conn
        return connection

    def signed(self, call: Call) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(call.body).encode() if call.body is not None else b""
        headers = dict(call.headers)
        if call.body is not None:
            headers["Content-Type"] = "application/json"
        request = AWSRequest(call.method, f"http://{self._host}:{self._port}{call.path}", headers, body)
        self._signer.add_auth(request)
        return body, dict(request.headers.items())

    def send(self, call: Call, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request(call.method, call.path, body=body or None, headers=headers)
                response = conn.getresponse()
                return response.status, dict(response.getheaders()), response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                conn.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def __call__(self, call: Call) -> tuple[int, dict[str, str], bytes]:
        return self.send(call, *self.signed(call))


def _create(client: Client, collection: str, body: dict[str, Any]) -> str:
    status, _, payload = client(Call("setup", "POST", f"/{collection}", body, expect=201))
    if status != 201:
        raise RuntimeError(f"setup POST /{collection} answered {status}: {payload[:300]!r}")
    return str(json.loads(payload)["id"])


def _plan(client: Client, total: int) -> list[Call]:
    """Rounds of eight calls over the whole API; PUT and DELETE each get an item of their own."""
    rounds = -(-total // 8)
    with ThreadPoolExecutor(8) as pool:
        users = list(pool.map(lambda n: _create(client, "users", _user(f"setup{n}")), range(rounds + 1)))
        products = list(pool.map(lambda n: _create(client, "products", _product(n)), range(rounds + 1)))
    if_match = (("If-Match", '"1"'),)
    calls = []
    for n in range(rounds):
        calls += [
            Call("GET /users/{id}", "GET", f"/users/{users[-1]}"),
            Call("GET /products/{id}", "GET", f"/products/{products[-1]}"),
            Call("GET /users", "GET", "/users?limit=20"),
            Call("GET /products?category", "GET", "/products?category=bench&limit=20"),
            Call("POST /users", "POST", "/users", _user(f"load{n}"), expect=201),
            Call("POST /products", "POST", "/products", _product(n), expect=201),
            Call("PUT /products/{id}", "PUT", f"/products/{products[n]}", _product(n), if_match),
            Call("DELETE /users/{id}", "DELETE", f"/users/{users[n]}", headers=if_match, expect=204),
        ]
    return calls[:total]


def _user(tag: str) -> dict[str, Any]:
    return {"name": f"Bench {tag}", "email": f"{tag}-{os.getpid()}@bench.example.com"}


def _product(n: int) -> dict[str, Any]:
    return {"name": f"Bench product {n}", "price": 10.5, "category": "bench"}


def run_load(total: int, concurrency: int, dynamodb_endpoint: str | None = None) -> LoadResult:
    with local_server(dynamodb_endpoint) as (host, port):
        client = Client(host, port)
        calls = _plan(client, total)
        signed = [
            (call, *client.signed(call)) for call in calls
        ]  # signing is the client's cost, not the API's
        latencies: list[float] = []
        statuses: Counter[tuple[str, int]] = Counter()
        unexpected = itertools.count()
        lock = threading.Lock()

        def one(item: tuple[Call, bytes, dict[str, str]]) -> None:
            call, body, headers = item
            started = time.perf_counter()
            status, _, _ = client.send(call, body, headers)
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[(call.route, status)] += 1
                if status != call.expect:
                    next(unexpected)

        started = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(one, signed))
        seconds = time.perf_counter() - started
    return LoadResult(len(signed), seconds, latencies, statuses, next(unexpected))


def summary(result: LoadResult) -> dict[str, float]:
    return {
        "rps": result.rps,
        "p50_ms": percentile(result.latencies_ms, 50),
        "p99_ms": percentile(result.latencies_ms, 99),
    }

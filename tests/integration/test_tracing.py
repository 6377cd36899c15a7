"""The same spans in both tracing modes, and nothing recorded twice (api_common.tracing, template Tracing).

Each mode runs in an interpreter of its own (tracing_run.py): the X-Ray SDK's patch, OpenTelemetry's global
tracer provider and the botocore instrumentation are process-wide, and a mode must be seen from its first
import. The OpenTelemetry SDK with an in-memory exporter, and the upstream botocore instrumentation the ADOT
distro builds on, stand in for the layer, which cannot run here.
Attributes: the OpenTelemetry semantic conventions for the AWS SDK and DynamoDB
(https://opentelemetry.io/docs/specs/semconv/cloud-providers/aws-sdk/,
https://opentelemetry.io/docs/specs/semconv/database/dynamodb/) and for HTTP routes
(https://opentelemetry.io/docs/specs/semconv/http/http-spans/).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODES = ("xray-sdk", "otel")
# What each request makes AWS do, as its route span and the client spans under it.
EXPECTED = [
    ("POST /users", [("dynamodb", "TransactWriteItems")]),
    ("POST /users", [("dynamodb", "TransactWriteItems")]),
    ("GET /users", [("dynamodb", "Scan"), ("secretsmanager", "GetSecretValue")]),
    ("GET /users/{id}", [("dynamodb", "GetItem")]),
    ("GET /products", [("dynamodb", "Query")]),
]
TRACERS = {
    "xray-sdk": ["aws_xray_sdk.ext.botocore.patch"],
    "otel": ["opentelemetry.instrumentation.botocore"],
}


@cache
def run(mode: str) -> dict[str, Any]:
    """The mode's run, once per test process."""
    out = Path(tempfile.mkdtemp(prefix="tracing-")) / f"{mode}.json"
    paths = [".", "layers/api_common", "user_function", "product_function"]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(str(ROOT / p) for p in paths)}
    environment.pop("TRACING_MODE", None)
    subprocess.run(  # noqa: S603 - this interpreter, a module of this suite
        [sys.executable, "-m", "tests.integration.tracing_run", mode, str(out)],
        cwd=ROOT,
        env=environment,
        check=True,
        capture_output=True,
        timeout=300,
    )
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


@pytest.fixture(params=MODES)
def traced(request: pytest.FixtureRequest) -> tuple[str, Any]:
    return request.param, run(request.param)


def _service(name: str) -> str:
    return name.lower().replace(" ", "")


def requests_traced(mode: str, spans: list[dict[str, Any]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Per request, in order: its route span's name, and (service, operation) of each client span under it."""
    if mode == "otel":
        routes = [s for s in spans if s["scope"] == "api_common.tracing"]
        clients = [s for s in spans if s["kind"] == "CLIENT"]
        return [
            (
                route["name"],
                [
                    (_service(c["attributes"]["rpc.service"]), c["attributes"]["rpc.method"])
                    for c in clients
                    if c["parent"] == route["id"]
                ],
            )
            for route in sorted(routes, key=spans.index)
        ]
    routes = [s for s in spans if "http_route" in s.get("annotations", {})]
    return [
        (
            f"{route['annotations']['http_method']} {route['annotations']['http_route']}",
            [
                (_service(s["name"]), s["aws"]["operation"])
                for s in sorted(spans, key=lambda s: s["start_time"])
                if s.get("namespace") == "aws" and s["parent_id"] == route["id"]
            ],
        )
        for route in sorted(routes, key=lambda s: s["start_time"])
    ]


def test_each_request_gets_its_route_span_and_one_client_span_per_call(traced: tuple[str, Any]) -> None:
    mode, result = traced
    assert result["statuses"] == [201, 201, 200, 200, 200]
    assert requests_traced(mode, result["spans"]) == EXPECTED
    # As many client spans as requests botocore sent (counted below the call both instrumentations wrap).
    calls = [call for _, spans in EXPECTED for call in spans]
    sent = [request.rsplit(" ", 1) for request in result["requests"]]
    assert calls == [(_service(service), operation) for service, operation in sent]


def test_botocore_is_instrumented_once_by_the_modes_own_tracer(traced: tuple[str, Any]) -> None:
    mode, result = traced
    assert result["botocore_wrappers"] == TRACERS[mode]


def test_opentelemetry_is_imported_in_its_mode_only(traced: tuple[str, Any]) -> None:
    mode, result = traced
    assert result["opentelemetry_imported"] is (mode == "otel")


def test_otel_spans_carry_the_semantic_conventions() -> None:
    spans = run("otel")["spans"]
    by_id = {s["id"]: s for s in spans}
    routes = [s for s in spans if s["scope"] == "api_common.tracing"]
    for route in routes:
        method, path = route["name"].split(" ", 1)
        assert route["kind"] == "INTERNAL", "the layer's invocation span is the request's SERVER span"
        assert route["attributes"]["http.request.method"] == method
        assert route["attributes"]["http.route"] == path
        assert route["attributes"]["http.response.status_code"] in {200, 201}
    clients = [s for s in spans if s["kind"] == "CLIENT" and s["parent"] in by_id]
    assert clients
    assert all(by_id[c["parent"]] in routes for c in clients), "a call outside its request's span"
    for client in clients:
        assert client["attributes"]["rpc.system"] == "aws-api"
    scan, query = (
        next(c["attributes"] for c in clients if c["attributes"]["rpc.method"] == method)
        for method in ("Scan", "Query")
    )
    assert (scan["rpc.service"], scan["aws.dynamodb.table_names"]) == ("DynamoDB", ["unit-users"])
    assert query["aws.dynamodb.table_names"] == ["unit-products"]
    assert query["aws.dynamodb.index_name"] == "category-index"
    (secret,) = [c["attributes"] for c in clients if c["attributes"]["rpc.service"] == "Secrets Manager"]
    assert secret["rpc.method"] == "GetSecretValue"


def test_xray_route_subsegments_carry_the_route() -> None:
    spans = run("xray-sdk")["spans"]
    routes = [s for s in spans if "http_route" in s.get("annotations", {})]
    names = {s["id"]: s["name"] for s in spans}
    for route in routes:
        annotations = route["annotations"]
        # X-Ray names take no braces: {id} is written :id, the route itself is an annotation.
        assert route["name"] == f"{annotations['http_method']} {annotations['http_route']}".replace(
            "{id}", ":id"
        )
        assert annotations["http_status_code"] in {200, 201}
        assert names[route["parent_id"]] == "## lambda_handler", (
            "the route span sits in Powertools' handler span"
        )

"""api_common.tracing on its own: the mode read from the environment, the route named from the event, the
X-Ray subsegment it opens; and what the function code may import of OpenTelemetry (the API, lazily, never an
SDK), with the CommonLayer shipping none of it: the ADOT layer provides the API with the SDK it configures,
and two copies under /opt/python would be merged file by file, in layer order
(https://docs.aws.amazon.com/lambda/latest/dg/adding-layers.html).
Both modes at work: tests/integration/test_tracing.py.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from api_common import tracing
from tools.lambda_doubles import api_event

ROOT = Path(__file__).resolve().parents[2]
FUNCTION_CODE = [
    ROOT / "layers" / "api_common" / "api_common",
    ROOT / "user_function" / "users",
    ROOT / "product_function" / "products",
    ROOT / "pre_traffic_hook" / "pre_traffic",
]
# The OpenTelemetry API's modules (the opentelemetry-api distribution); anything else is an SDK, an exporter
# or an instrumentation, which are the layer's.
API_MODULES = ("opentelemetry", "opentelemetry.trace", "opentelemetry.context", "opentelemetry.propagate")


@pytest.mark.parametrize(
    ("environ", "mode"),
    [({}, tracing.Mode.XRAY_SDK), ({"TRACING_MODE": ""}, tracing.Mode.XRAY_SDK)]
    + [({"TRACING_MODE": mode.value}, mode) for mode in tracing.Mode],
)
def test_the_mode_is_the_templates_and_defaults_to_the_xray_sdk(
    environ: dict[str, str], mode: tracing.Mode
) -> None:
    assert tracing.mode_of(environ) is mode


def test_an_unknown_mode_fails_the_cold_start_loudly() -> None:
    with pytest.raises(RuntimeError, match="TRACING_MODE='opentelemetry'"):
        tracing.mode_of({"TRACING_MODE": "opentelemetry"})


@pytest.mark.parametrize(
    ("method", "path", "route"),
    [("GET", "/users", "GET /users"), ("PUT", "/products/abc", "PUT /products/{id}")],
)
def test_the_route_is_the_resource_api_gateway_matched_not_the_path(
    method: str, path: str, route: str
) -> None:
    assert tracing.route_of(api_event(method, path)) == route


def test_an_event_without_a_resource_is_named_by_its_method() -> None:
    assert tracing.route_of({"httpMethod": "GET"}) == "GET"


class Subsegment:
    def __init__(self, name: str) -> None:
        self.name = name
        self.annotations: dict[str, Any] = {}

    def put_annotation(self, key: str, value: Any) -> None:
        self.annotations[key] = value


class Recorder:
    """What the seam uses of the X-Ray recorder: in_subsegment, as a context manager."""

    def __init__(self) -> None:
        self.opened: list[Subsegment] = []

    @contextmanager
    def in_subsegment(self, name: str | None = None, **_: Any) -> Iterator[Subsegment]:
        self.opened.append(Subsegment(str(name)))
        yield self.opened[-1]


def test_in_the_xray_mode_a_request_is_one_subsegment_named_after_its_route() -> None:
    recorder = Recorder()
    spans = tracing.RequestSpans(tracing.Mode.XRAY_SDK, recorder)
    with spans.request(api_event("DELETE", "/users/abc")) as record_status:
        record_status(204)
    (subsegment,) = recorder.opened
    assert subsegment.name == "DELETE /users/:id", "X-Ray names take no braces"
    assert subsegment.annotations == {
        "http_method": "DELETE",
        "http_route": "/users/{id}",
        "http_status_code": 204,
    }


def test_without_a_recorder_nothing_is_recorded_and_nothing_fails() -> None:
    spans = tracing.RequestSpans(tracing.Mode.XRAY_SDK, None)
    with spans.request(api_event("GET", "/users")) as record_status:
        record_status(200)


@cache
def exporter() -> Any:
    """OpenTelemetry's SDK as this process's global tracer provider (it can be set once), as the ADOT layer
    sets it before the handler's import, exporting to memory."""
    # Imported here: the other tests of this process never load OpenTelemetry.
    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    trace.set_tracer_provider(provider)
    return memory


def test_in_the_otel_mode_a_request_is_one_internal_span_named_after_its_route() -> None:
    memory = exporter()
    memory.clear()
    spans = tracing.RequestSpans(tracing.Mode.OTEL, None)
    with spans.request(api_event("PUT", "/products/abc")) as record_status:
        record_status(412)
    (span,) = memory.get_finished_spans()
    assert (span.name, span.kind.name, span.instrumentation_scope.name) == (
        "PUT /products/{id}",
        "INTERNAL",
        "api_common.tracing",
    )
    assert dict(span.attributes) == {
        "http.request.method": "PUT",
        "http.route": "/products/{id}",
        "http.response.status_code": 412,
    }


def test_in_the_otel_mode_a_failed_request_marks_its_span() -> None:
    memory = exporter()
    memory.clear()
    spans = tracing.RequestSpans(tracing.Mode.OTEL, None)
    with pytest.raises(ZeroDivisionError), spans.request(api_event("GET", "/users")):
        _ = 1 / 0
    (span,) = memory.get_finished_spans()
    assert span.status.status_code.name == "ERROR"
    assert [event.name for event in span.events] == ["exception"]


def _opentelemetry_imports(tree: ast.Module) -> Iterator[tuple[str, bool]]:
    """(module, imported at the module's import) of every OpenTelemetry import in a source file."""
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            if name.split(".")[0] == "opentelemetry":
                yield name, id(node) in top_level


def test_function_code_imports_only_the_opentelemetry_api_and_only_when_called() -> None:
    found = []
    for folder in FUNCTION_CODE:
        for source in sorted(folder.rglob("*.py")):
            tree = ast.parse(source.read_text(encoding="utf-8"))
            for module, at_import in _opentelemetry_imports(tree):
                found.append(module)
                assert module in API_MODULES, f"{source.name} imports {module}: the layer's, not the API"
                assert not at_import, f"{source.name} imports {module} at import time, in every mode"
    assert found, "the otel mode's route span goes through the OpenTelemetry API"


def test_the_common_layer_ships_no_opentelemetry() -> None:
    lines = (ROOT / "layers" / "api_common" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    pinned = {line.split("==")[0].strip().lower() for line in lines if line and not line.startswith("#")}
    assert not {name for name in pinned if name.startswith("opentelemetry")}, "the ADOT layer provides it"

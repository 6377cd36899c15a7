"""One fresh interpreter per tracing mode: `python -m tests.integration.tracing_run {xray-sdk,otel} OUT.json`.

Sets the function environment the template gives that mode, stands in for what Lambda and the layers do
before the handler's module is imported, runs the same requests through both functions against moto, and
prints one JSON document: the spans recorded, the AWS requests sent, what wraps botocore's API call, and
whether OpenTelemetry was imported (to the file named: the functions' logs and metrics go to stdout).
Both run as in a Lambda execution environment with active tracing (LAMBDA_TASK_ROOT, a sampled
_X_AMZN_TRACE_ID), with the X-Ray recorder's emitter swapped for one that keeps what it would send, and the
variables the template gives the mode (so in the otel mode only POWERTOOLS_TRACE_DISABLED keeps Powertools'
Tracer from patching botocore).
- otel: also what the ADOT layer's otel-instrument wrapper does before the handler: the OpenTelemetry SDK as
  the global tracer provider (an in-memory exporter here) and the botocore instrumentation on.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

MODE = sys.argv[1] if __name__ == "__main__" else "xray-sdk"
TRACE_HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


# What the template sets in each mode (template.yaml, the functions' Environment).
MODE_VARIABLES = {
    "xray-sdk": {"TRACING_MODE": "xray-sdk", "POWERTOOLS_TRACE_DISABLED": "false"},
    "otel": {"TRACING_MODE": "otel", "POWERTOOLS_TRACE_DISABLED": "true"},
}


def _lambda_environment(mode: str) -> None:
    """A Lambda execution environment with active tracing (both modes), and the mode's variables."""
    os.environ.update(
        {
            "LAMBDA_TASK_ROOT": os.getcwd(),
            "_X_AMZN_TRACE_ID": TRACE_HEADER,
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            **MODE_VARIABLES[mode],
        }
    )


class KeptEntities:
    """An X-Ray emitter that keeps the documents it is given instead of sending them over UDP."""

    def __init__(self) -> None:
        self.documents: list[dict[str, Any]] = []

    def send_entity(self, entity: Any) -> None:
        self.documents.append(json.loads(entity.serialize()))

    def set_daemon_address(self, address: str) -> None:
        pass


def _otel_provider() -> Any:
    from opentelemetry import trace
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    BotocoreInstrumentor().instrument()
    return exporter


def _wrappers(function: Any) -> list[str]:
    """The modules of the wrapt wrappers around a function, outermost first."""
    found = []
    while hasattr(function, "_self_wrapper"):  # wrapt's FunctionWrapper, which both instrumentations use
        found.append(function._self_wrapper.__module__)
        function = function.__wrapped__
    return found


def _requests_sent() -> list[str]:
    """Every AWS request botocore sends, counted below the API call that instrumentations wrap."""
    from botocore.endpoint import Endpoint

    sent: list[str] = []
    original = Endpoint.make_request

    def counted(self: Endpoint, operation_model: Any, request_dict: Any) -> Any:
        sent.append(f"{operation_model.service_model.service_id} {operation_model.name}")
        return original(self, operation_model, request_dict)

    Endpoint.make_request = counted  # type: ignore[method-assign]
    return sent


def _otel_spans(exporter: Any) -> list[dict[str, Any]]:
    return [
        {
            "name": span.name,
            "kind": span.kind.name,
            "scope": span.instrumentation_scope.name,
            "id": format(span.context.span_id, "016x"),
            "parent": format(span.parent.span_id, "016x") if span.parent else None,
            "attributes": {k: list(v) if isinstance(v, tuple) else v for k, v in span.attributes.items()},
        }
        for span in exporter.get_finished_spans()
    ]


def _run() -> dict[str, Any]:
    import tests.integration.conftest as harness  # the suite's environment, set at its import: first

    _lambda_environment(MODE)
    from aws_xray_sdk.core import xray_recorder  # type: ignore[import-untyped]  # ships no types

    kept = KeptEntities()
    xray_recorder.configure(emitter=kept)
    if MODE == "otel":
        exporter = _otel_provider()

    import boto3
    from moto import mock_aws

    from tests.integration.support import api_event
    from tools.local_api.tables_from_template import create_tables

    with mock_aws():
        create_tables(boto3.client("dynamodb"), harness.TABLES)
        boto3.client("secretsmanager").create_secret(Name=os.environ["CURSOR_SECRET_ID"], SecretString="k")
        from botocore.client import BaseClient

        from products import handler as products
        from users import handler as users

        sent = _requests_sent()
        statuses = []

        def call(module: Any, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
            response: dict[str, Any] = module.lambda_handler(
                api_event(method, path, **kwargs), harness.FakeLambdaContext()
            )
            statuses.append(response["statusCode"])
            return response

        created = call(users, "POST", "/users", body={"name": "Ada", "email": "ada@example.com"})
        call(users, "POST", "/users", body={"name": "Bob", "email": "bob@example.com"})
        call(users, "GET", "/users", query={"limit": "1"})  # a next page: its cursor is signed
        call(users, "GET", f"/users/{json.loads(created['body'])['id']}")
        call(products, "GET", "/products", query={"category": "office"})
    spans = _otel_spans(exporter) if MODE == "otel" else kept.documents
    return {
        "statuses": statuses,
        "requests": sent,
        "spans": spans,
        "botocore_wrappers": _wrappers(BaseClient.__dict__["_make_api_call"]),
        "opentelemetry_imported": "opentelemetry" in sys.modules,
    }


if __name__ == "__main__":
    with open(sys.argv[2], "w", encoding="utf-8") as out:
        json.dump(_run(), out, default=str)

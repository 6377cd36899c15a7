"""The traces of a request, the same in both modes of the template's Tracing parameter (TRACING_MODE).

Each request gets one span named after the route API Gateway matched ("GET /users/{id}"), with its method,
route and status. Each DynamoDB or Secrets Manager call gets one client span from the one instrumentation of
botocore the mode runs, and never from this module, so that no call is recorded twice:
- xray-sdk (default): Powertools' Tracer patches botocore with the AWS X-Ray SDK (observability.py); the route
  span is an X-Ray subsegment.
- otel: the AWS Distro for OpenTelemetry layer instruments botocore (its otel-instrument wrapper leaves the
  botocore instrumentation on and wraps the handler in the invocation's span), and Powertools' Tracer is off
  (POWERTOOLS_TRACE_DISABLED). The route span goes through the OpenTelemetry API alone, which the layer
  provides with the SDK it configures: never an SDK here, and the API is imported only in this mode.
https://github.com/aws-observability/aws-otel-python-instrumentation/blob/main/lambda-layer/src/otel-instrument
"""

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from enum import StrEnum
from typing import Any, Protocol

MODE_VARIABLE = "TRACING_MODE"
# OpenTelemetry's HTTP semantic conventions: https://opentelemetry.io/docs/specs/semconv/http/http-spans/
METHOD, ROUTE, STATUS = "http.request.method", "http.route", "http.response.status_code"
# X-Ray names may hold letters, digits, white space and _ . : / % & # = + \ - @ only (no braces):
# https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html
_XRAY_NAME = str.maketrans({"{": ":", "}": None})

RecordStatus = Callable[[int], None]


class Mode(StrEnum):
    XRAY_SDK = "xray-sdk"
    OTEL = "otel"


def mode_of(environ: Mapping[str, str]) -> Mode:
    """The mode the template chose; unset (a local run, a test) is the default."""
    value = environ.get(MODE_VARIABLE) or Mode.XRAY_SDK
    try:
        return Mode(value)
    except ValueError:
        choices = ", ".join(mode.value for mode in Mode)
        raise RuntimeError(f"{MODE_VARIABLE}={value!r}: expected one of {choices}") from None


def route_of(event: Mapping[str, Any]) -> str:
    """`METHOD /resource` of a REST proxy event: the route API Gateway matched, never the requested path."""
    method = str(event.get("httpMethod") or "")
    resource = event.get("resource")
    return f"{method} {resource}" if resource else method


class Subsegments(Protocol):
    """What the seam uses of the X-Ray recorder Powertools' Tracer holds."""

    def in_subsegment(self, name: str | None = None, **kwargs: Any) -> AbstractContextManager[Any]: ...


class RequestSpans:
    """Opens the route span around one request; `xray` is None when nothing records X-Ray subsegments."""

    def __init__(self, mode: Mode, xray: Subsegments | None) -> None:
        self.mode = mode
        self._xray = xray
        self._tracer: Any = None
        if mode is Mode.OTEL:
            # The layer has imported and configured OpenTelemetry before the handler's module; without the
            # layer (a local run) the API's tracer records nothing.
            from opentelemetry import trace  # noqa: PLC0415 - only this mode pays for the import

            self._tracer = trace.get_tracer(__name__)

    @contextmanager
    def request(self, event: Mapping[str, Any]) -> Iterator[RecordStatus]:
        """Around one request; call the yielded function with the response's status code."""
        route = route_of(event)
        if self._tracer is not None:
            with self._otel_span(route, event) as record:
                yield record
        elif self._xray is not None:
            with _xray_subsegment(self._xray, route, event) as record:
                yield record
        else:
            yield _ignore

    @contextmanager
    def _otel_span(self, route: str, event: Mapping[str, Any]) -> Iterator[RecordStatus]:
        from opentelemetry.trace import SpanKind  # noqa: PLC0415 - imported with the API, in this mode only

        attributes = {METHOD: str(event.get("httpMethod") or ""), ROUTE: str(event.get("resource") or "")}
        # INTERNAL: the layer's invocation span is the SERVER span of the request.
        with self._tracer.start_as_current_span(route, kind=SpanKind.INTERNAL, attributes=attributes) as span:
            yield lambda status: span.set_attribute(STATUS, status)


@contextmanager
def _xray_subsegment(xray: Subsegments, route: str, event: Mapping[str, Any]) -> Iterator[RecordStatus]:
    with xray.in_subsegment(name=route.translate(_XRAY_NAME)) as subsegment:
        # Annotations are indexed for X-Ray filter expressions; their keys allow letters, digits and _ only.
        subsegment.put_annotation("http_method", str(event.get("httpMethod") or ""))
        subsegment.put_annotation("http_route", str(event.get("resource") or ""))
        yield lambda status: subsegment.put_annotation("http_status_code", status)


def _ignore(_status: int) -> None:
    """No recorder: nothing to write the status to."""

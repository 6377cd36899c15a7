"""What API Gateway reads from openapi.yaml besides the Lambda routes: IAM auth per operation, request
validators and models, mock integrations (CORS preflight) and gateway responses."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from referencing import Registry
from referencing.jsonschema import DRAFT4

from tools.local_api.request_models import ExactDraft4Validator
from tools.local_api.sigv4_verifier import HeaderLookup

# API Gateway's default status of each gateway response type this server can produce.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html
DEFAULT_STATUS = {
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "INVALID_SIGNATURE": 403,
    "ACCESS_DENIED": 403,
    "WAF_FILTERED": 403,
    "BAD_REQUEST_BODY": 400,
    "BAD_REQUEST_PARAMETERS": 400,
    "REQUEST_TOO_LARGE": 413,
    "INTEGRATION_TIMEOUT": 504,
    "INTEGRATION_FAILURE": 504,
}
# "Customizing the default gateway response for 413 REQUEST_TOO_LARGE isn't currently supported."
# https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html#api-gateway-known-issues-rest-apis
NOT_CUSTOMIZABLE = frozenset({"REQUEST_TOO_LARGE"})
DEFAULT_TEMPLATE = '{"message":$context.error.messageString}'
_VARIABLE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z0-9_.]+)\}|(?P<bare>context(?:\.[A-Za-z][A-Za-z0-9_]*)+))")
_DOCUMENT_URI = "urn:local-api:openapi"


@dataclass(frozen=True)
class RenderedResponse:
    status: int
    headers: dict[str, str]
    body: str


@dataclass(frozen=True)
class Operation:
    resource: str
    method: str
    spec: Mapping[str, Any]
    path_item: Mapping[str, Any]


class OpenApi:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self._registry: Registry[Any] = Registry().with_resource(
            _DOCUMENT_URI, DRAFT4.create_resource(document)
        )
        self._validators: dict[tuple[str, str, str], Any] = {}

    # ---- operations
    def operation(self, resource: str, method: str) -> Operation | None:
        path_item = (self.document.get("paths") or {}).get(resource)
        if not isinstance(path_item, Mapping):
            return None
        spec = path_item.get(method.lower())
        return Operation(resource, method.upper(), spec, path_item) if isinstance(spec, Mapping) else None

    def requires_sigv4(self, operation: Operation) -> bool:
        requirements = operation.spec.get("security", self.document.get("security", []))
        schemes = (self.document.get("components") or {}).get("securitySchemes") or {}
        for requirement in requirements or []:
            for name in requirement:
                if (
                    str((schemes.get(name) or {}).get("x-amazon-apigateway-authtype", "")).lower()
                    == "awssigv4"
                ):
                    return True
        return False

    def integration_type(self, operation: Operation) -> str:
        return str((operation.spec.get("x-amazon-apigateway-integration") or {}).get("type", "")).lower()

    # ---- request validation
    def validator_settings(self, operation: Operation) -> tuple[bool, bool]:
        name = operation.spec.get(
            "x-amazon-apigateway-request-validator",
            self.document.get("x-amazon-apigateway-request-validator"),
        )
        settings = (self.document.get("x-amazon-apigateway-request-validators") or {}).get(name) or {}
        return bool(settings.get("validateRequestBody")), bool(settings.get("validateRequestParameters"))

    def required_parameters(self, operation: Operation) -> list[tuple[str, str]]:
        """(location, name) of required query strings and headers (path parameters always match a route)."""
        parameters = list(operation.path_item.get("parameters") or []) + list(
            operation.spec.get("parameters") or []
        )
        return [
            (str(p["in"]), str(p["name"]))
            for p in (self._deref(p) for p in parameters)
            if p.get("required") and p.get("in") in ("query", "header")
        ]

    def body_validator(self, operation: Operation, content_type: str) -> Any:
        """The model for this media type ($default as fallback); None: API Gateway skips validation."""
        body = operation.spec.get("requestBody")
        if not body:
            return None
        content = self._deref(body).get("content") or {}
        media, _, parameters = content_type.partition(";")
        media = media.strip().lower()
        if _charset(parameters) not in (None, "utf-8"):
            # A model is chosen "for a given content type"; whether a charset parameter takes part in the
            # match is not documented (docs/api.md, "Limits and known edges"). JSON is UTF-8 (RFC 8259,
            # section 8.1): a body labelled otherwise is not the media type the model describes, so the local
            # validator skips it and the function answers 415, the API's documented answer.
            return None
        chosen = next(
            (key for key in content if key.lower() == media), "$default" if "$default" in content else None
        )
        if chosen is None or "schema" not in content[chosen]:
            return None
        key = (operation.resource, operation.method, chosen)
        if key not in self._validators:
            body_pointer = f"/paths/{_escape(operation.resource)}/{operation.method.lower()}/requestBody"
            if "$ref" in body:
                body_pointer = str(body["$ref"]).lstrip("#")
            pointer = f"{body_pointer}/content/{_escape(chosen)}/schema"
            self._validators[key] = ExactDraft4Validator(
                {"$ref": f"{_DOCUMENT_URI}#{pointer}"}, registry=self._registry
            )
        return self._validators[key]

    def body_required(self, operation: Operation) -> bool:
        body = operation.spec.get("requestBody")
        return bool(body and self._deref(body).get("required"))

    def _deref(self, node: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = node.get("$ref") if isinstance(node, Mapping) else None
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return node
        target: Any = self.document
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        return target  # type: ignore[no-any-return]

    # ---- mock integrations (OPTIONS preflight)
    def render_mock(self, operation: Operation, request_headers: HeaderLookup) -> RenderedResponse:
        integration = operation.spec.get("x-amazon-apigateway-integration") or {}
        templates = integration.get("requestTemplates") or {}
        template = templates.get("application/json") or next(iter(templates.values()), '{"statusCode": 200}')
        try:
            selector = str(json.loads(template).get("statusCode", 200))
        except (ValueError, AttributeError):
            selector = "200"
        responses = integration.get("responses") or {}
        chosen = next(
            (
                spec
                for pattern, spec in responses.items()
                if pattern != "default" and re.fullmatch(pattern, selector)
            ),
            responses.get("default", {"statusCode": selector}),
        )
        headers = {
            name.removeprefix("method.response.header."): value
            for name, source in (chosen.get("responseParameters") or {}).items()
            if name.startswith("method.response.header.")
            and (value := _parameter_value(source, request_headers)) is not None
        }
        body_templates = chosen.get("responseTemplates") or {}
        body = body_templates.get("application/json") or next(iter(body_templates.values()), "")
        return RenderedResponse(int(chosen.get("statusCode", selector)), headers, body or "")

    # ---- gateway responses
    def render_gateway_response(
        self,
        response_type: str,
        message: str,
        context: Mapping[str, str],
        request_headers: HeaderLookup,
        *,
        status: int | None = None,
        validation_errors: str = "",
    ) -> RenderedResponse:
        own, fallback = self._gateway_response_specs(response_type, status)
        spec = own or fallback
        # A statusCode on DEFAULT_4XX/DEFAULT_5XX is the status of every other 4XX/5XX response that does
        # not set its own (supported-gateway-response-types.html, rows DEFAULT_4XX and DEFAULT_5XX).
        code = int(
            own.get("statusCode")
            or fallback.get("statusCode")
            or status
            or DEFAULT_STATUS.get(response_type)
            or 500
        )
        variables = {
            **{f"context.{key}": value for key, value in context.items()},
            "context.error.message": message,
            "context.error.messageString": json.dumps(message),
            "context.error.responseType": response_type,
            "context.error.validationErrorString": validation_errors,
        }
        templates = spec.get("responseTemplates") or {}
        accept = request_headers.get("Accept") or ""
        media = next((key for key in templates if key in accept), None) or (
            "application/json"
            if "application/json" in templates
            else next(iter(templates), "application/json")
        )
        template = templates.get(media, DEFAULT_TEMPLATE)
        body = _VARIABLE.sub(lambda m: variables.get(m["braced"] or m["bare"], ""), template)
        headers = {"Content-Type": media}
        for name, source in (spec.get("responseParameters") or {}).items():
            if name.startswith("gatewayresponse.header."):
                value = _parameter_value(source, request_headers, context)
                if value is not None:
                    headers[name.removeprefix("gatewayresponse.header.")] = value
        return RenderedResponse(code, headers, body)

    def _gateway_response_specs(
        self, response_type: str, status: int | None
    ) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
        """(the type's own definition, its DEFAULT_4XX/DEFAULT_5XX fallback); both empty for a type that API
        Gateway does not let anyone customize."""
        if response_type in NOT_CUSTOMIZABLE:
            return {}, {}
        configured = self.document.get("x-amazon-apigateway-gateway-responses") or {}
        own = configured.get(response_type) or {}
        if response_type in ("DEFAULT_4XX", "DEFAULT_5XX"):
            return own, {}
        family = "DEFAULT_5XX" if (status or DEFAULT_STATUS.get(response_type, 500)) >= 500 else "DEFAULT_4XX"
        return own, configured.get(family) or {}


def _parameter_value(
    source: Any, request_headers: HeaderLookup, context: Mapping[str, str] | None = None
) -> str | None:
    """A response parameter mapping: a 'literal', a request header, or a context variable."""
    text = str(source)
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1]
    if text.startswith("method.request.header."):
        return request_headers.get(text.removeprefix("method.request.header."))
    if text.startswith("context.") and context is not None:
        return context.get(text.removeprefix("context."))
    return None


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def _charset(parameters: str) -> str | None:
    """The charset parameter of a Content-Type's parameters (RFC 9110, section 8.3), lower-cased."""
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').lower()
    return None

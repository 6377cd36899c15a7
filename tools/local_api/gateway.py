"""API Gateway parity for what SAM CLI's emulator skips, as hooks on its own Flask app.

before_request, in the order AWS applies them: what the HTTP layer refused (http_framing.py: framing and
API Gateway's quotas -> DEFAULT_4XX with that status, 413 REQUEST_TOO_LARGE); AWS WAF (waf.py: the WebACL's
own rules); unknown resource/method -> 403 MISSING_AUTHENTICATION_TOKEN; OPTIONS -> the OpenAPI mock
integration; IAM auth (SigV4) -> 403 MISSING_AUTHENTICATION_TOKEN / INVALID_SIGNATURE / ACCESS_DENIED; the
query string (proxy_event.py) and request validators -> 400 BAD_REQUEST_PARAMETERS / BAD_REQUEST_BODY. The
runner's hooks fill requestContext.identity, headers and query as API Gateway shapes them, and record
crashes and timeouts, which after_request turns into 502 and 504. Every refusal is WAF's custom response or
the gateway response openapi.yaml configures, rendered from its own template.
"""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.credentials import Credentials
from flask import Flask, Response, current_app, g, request
from werkzeug.exceptions import MethodNotAllowed, NotFound

from tools.local_api import proxy_event, sam, sigv4_verifier
from tools.local_api.http_framing import BODY_LIMIT, Refusal
from tools.local_api.keep_alive import HEADER_FIELDS, REFUSAL
from tools.local_api.openapi import OpenApi, Operation, RenderedResponse
from tools.local_api.request_models import body_validation_errors
from tools.local_api.runner import Outcome
from tools.local_api.waf import Blocked, WebAcl, WebRequest

LOG = logging.getLogger(__name__)
MAX_PAYLOAD = BODY_LIMIT  # API Gateway's REST payload quota
LOCAL_ACCOUNT = "123456789012"
# Read by the gateway itself to judge the signature: two of one is ambiguous, so it is refused (400).
SIGNATURE_HEADERS = ("Authorization", "X-Amz-Date", "X-Amz-Security-Token", "X-Amz-Content-Sha256")


@dataclass(frozen=True)
class GatewaySettings:
    region: str
    credentials: Credentials
    auth: bool
    stage: str


class Gateway:
    def __init__(self, openapi: OpenApi, settings: GatewaySettings, waf: WebAcl | None = None) -> None:
        self.openapi = openapi
        self.settings = settings
        self.waf = waf

    def install(self, app: Flask) -> None:
        app.before_request(self.before_request)
        app.after_request(self.after_request)

    # ---- runner hooks (called inside the request, on the request's thread)
    def event_hook(self, event: dict[str, Any]) -> dict[str, Any]:
        context = event.setdefault("requestContext", {})
        context["requestId"] = g.request_id
        context["accountId"] = LOCAL_ACCOUNT
        context["stage"] = self.settings.stage
        proxy_event.reshape(event, request.environ.get(HEADER_FIELDS), g.get("query"))
        identity = context.setdefault("identity", {})
        identity["sourceIp"] = request.remote_addr
        identity["userAgent"] = request.headers.get("User-Agent")
        caller = getattr(g, "caller", None)
        if caller is not None:
            user = f"AIDALOCAL{caller.access_key[-8:].upper()}"
            identity.update(
                {
                    "accessKey": caller.access_key,
                    "accountId": LOCAL_ACCOUNT,
                    "caller": user,
                    "user": user,
                    "userArn": f"arn:aws:iam::{LOCAL_ACCOUNT}:user/local-developer",
                }
            )
        return event

    def outcome_hook(self, outcome: Outcome) -> None:
        g.outcome = outcome

    # ---- Flask hooks
    def before_request(self) -> Response | None:
        g.request_id = str(uuid.uuid4())
        g.outcome = g.query = None
        refusal = request.environ.get(REFUSAL)
        if isinstance(refusal, Refusal):  # the payload quota's 413 is API Gateway's own (not customizable)
            kind = "REQUEST_TOO_LARGE" if refusal.status == 413 else "DEFAULT_4XX"
            return self._gateway(kind, refusal.detail, status=refusal.status)
        try:
            return self._admit()
        except Exception:  # a parity bug must look like API Gateway's own 500, and be logged
            LOG.exception("local gateway failed on %s %s", request.method, request.path)
            return self._gateway("DEFAULT_5XX", "Internal server error", status=500)

    def _admit(self) -> Response | None:
        if (request.content_length or 0) > MAX_PAYLOAD:
            return self._gateway("REQUEST_TOO_LARGE", "Request Too Long")
        # WAF rules run before any other access control of API Gateway (IAM auth included):
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-aws-waf.html
        # WAF sees the path with the stage in front, as the execute-api endpoint receives it.
        blocked = self.waf.evaluate(self._web_request()) if self.waf else None
        if blocked is not None:
            return self._blocked(blocked)
        operation = self._operation() if _method_token() == request.method else None
        if operation is None:
            return self._gateway("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token")
        if self.openapi.integration_type(operation) == "mock":
            return self._respond(self.openapi.render_mock(operation, request.headers))
        signed = self.settings.auth and self.openapi.requires_sigv4(operation)
        refused = self._authenticate() if signed else None
        if refused is None:
            refused = self._read_query()
        if refused is None:
            refused = self._validate(operation)
        if refused is None:
            _text_body()
        return refused

    def after_request(self, response: Response) -> Response:
        outcome = getattr(g, "outcome", None)
        if outcome == "timeout":
            response = self._gateway("INTEGRATION_TIMEOUT", "Endpoint request timed out", status=504)
        elif outcome == "crash" or (
            outcome == "ok" and response.status_code == 500 and _is_sam_failure(response)
        ):
            # Lambda error or a malformed proxy result: API Gateway answers 502 "Internal server error".
            response = self._gateway("DEFAULT_5XX", "Internal server error", status=502)
        response.headers.setdefault("x-amzn-RequestId", g.get("request_id", ""))
        return response

    # ---- steps
    def _web_request(self) -> WebRequest:
        path = f"/{self.settings.stage}{_raw_path()}"
        return WebRequest(_method_token(), path, request.query_string, request.get_data(cache=True))

    def _operation(self) -> Operation | None:
        """The OpenAPI operation for this request, found through the routes SAM registered in Flask."""
        rule = request.url_rule
        if rule is None:
            error = request.routing_exception
            if not isinstance(error, MethodNotAllowed) or not error.valid_methods:
                return None
            adapter = current_app.url_map.bind_to_environ(request.environ)
            try:
                rule, _ = adapter.match(method=sorted(error.valid_methods)[0], return_rule=True)
            except (NotFound, MethodNotAllowed):
                return None
        resource = sam.PathConverter.convert_path_to_api_gateway(rule.rule)
        return self.openapi.operation(resource, request.method)

    def _authenticate(self) -> Response | None:
        repeated = proxy_event.repeated(request.environ.get(HEADER_FIELDS) or [], SIGNATURE_HEADERS)
        if repeated is not None:
            return self._gateway("DEFAULT_4XX", f"Header {repeated} given more than once", status=400)
        try:
            g.caller = sigv4_verifier.verify(
                method=request.method,
                host=request.host,
                raw_path=_raw_path(),
                raw_query=request.query_string.decode("latin-1"),
                headers=request.headers,
                body=request.get_data(cache=True),
                credentials=self.settings.credentials,
                region=self.settings.region,
            )
        except sigv4_verifier.MissingTokenError:
            return self._gateway("MISSING_AUTHENTICATION_TOKEN", "Missing Authentication Token")
        except sigv4_verifier.InvalidSignatureError as refusal:
            return self._gateway("INVALID_SIGNATURE", str(refusal))
        except sigv4_verifier.UnrecognizedClientError as refusal:
            return self._gateway("ACCESS_DENIED", str(refusal))
        return None

    def _read_query(self) -> Response | None:
        try:
            g.query = proxy_event.parse_query(str(request.environ.get("QUERY_STRING", "")))
        except proxy_event.QueryError as error:
            detail = str(error)
            return self._gateway("BAD_REQUEST_PARAMETERS", detail, validation_errors=json.dumps(detail)[1:-1])
        return None

    def _validate(self, operation: Operation) -> Response | None:
        check_body, check_parameters = self.openapi.validator_settings(operation)
        if check_parameters:
            query = dict(g.query or [])
            missing = [
                name
                for location, name in self.openapi.required_parameters(operation)
                if not (query.get(name) if location == "query" else request.headers.get(name, "").strip())
            ]
            if missing:
                return self._gateway(
                    "BAD_REQUEST_PARAMETERS", f"Missing required request parameters: [{', '.join(missing)}]"
                )
        if check_body:
            validator = self.openapi.body_validator(
                operation, request.headers.get("Content-Type", "application/json")
            )
            if validator is not None:
                body = request.get_data(cache=True)
                if not body and not self.openapi.body_required(operation):
                    return None
                errors = body_validation_errors(validator, body)
                if errors:
                    return self._gateway("BAD_REQUEST_BODY", "Invalid request body", validation_errors=errors)
        return None

    # ---- responses
    def _gateway(
        self, response_type: str, message: str, status: int | None = None, validation_errors: str = ""
    ) -> Response:
        rule = request.url_rule
        context = {
            "requestId": g.get("request_id", ""),
            "extendedRequestId": g.get("request_id", ""),
            "httpMethod": _method_token(),
            "path": request.path,
            "resourcePath": sam.PathConverter.convert_path_to_api_gateway(rule.rule)
            if rule
            else request.path,
            "stage": self.settings.stage,
            "accountId": LOCAL_ACCOUNT,
            "requestTime": datetime.now(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
        }
        rendered = self.openapi.render_gateway_response(
            response_type,
            message,
            context,
            request.headers,
            status=status,
            validation_errors=validation_errors,
        )
        return self._respond(rendered)

    def _blocked(self, blocked: Blocked) -> Response:
        """WAF's custom response replaces any response API Gateway defines; without one, API Gateway answers
        with its WAF_FILTERED gateway response.
        https://docs.aws.amazon.com/waf/latest/developerguide/customizing-the-response-for-blocked-requests.html
        """
        if blocked.response is None:
            return self._gateway("WAF_FILTERED", "Forbidden")
        return self._respond(blocked.response)

    @staticmethod
    def _respond(rendered: RenderedResponse) -> Response:
        response = Response(rendered.body, status=rendered.status)
        response.headers.clear()
        response.headers.update(rendered.headers)
        if "Content-Type" not in response.headers:
            response.headers["Content-Type"] = "application/json"
        response.headers.setdefault("x-amzn-RequestId", g.get("request_id", ""))
        return response


def _text_body() -> None:
    """API Gateway hands a non-binary body to Lambda as text; SAM's event builder would fail (502) on bytes
    that are not UTF-8, so they reach the function as U+FFFD, and the function answers (e.g. 415)."""
    body = request.get_data(cache=True)
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        # werkzeug keeps the body it read here; SAM's event builder reads it back from there
        request._cached_data = body.decode("utf-8", "replace").encode("utf-8")


def _method_token() -> str:
    """The method as the client sent it. Methods are case-sensitive (RFC 9110, section 9.1) and werkzeug
    upper-cases request.method, so `get` would otherwise be served as GET; API Gateway has no method `get`."""
    return str(request.environ.get("REQUEST_METHOD", request.method))


def _raw_path() -> str:
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path
    return str(raw).split("?", 1)[0]


def _is_sam_failure(response: Response) -> bool:
    return response.get_json(silent=True) == {"message": "Internal server error"}

"""The API as openapi.yaml defines it: SigV4 on every method, open CORS preflights, validation at the gateway,
and every error (the functions' and the gateway's) in the one problem+json shape with the same CORS headers.

The rules read openapi.yaml and the function code; they restate neither the routes nor the schemas.
"""

from __future__ import annotations

import json
from typing import Any

from api_common.problems import PROBLEM_JSON, FieldError, invalid
from api_common.responses import EXPOSED_HEADERS
from tests.templates.rules.base import Check, Mutation, Mutations, operation, operations, signed_operations
from tests.templates.stack import Sources, Stack

# The headers a browser sends to sign with SigV4, which a preflight must therefore allow
# (https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-cors.html).
SIGV4_HEADERS = {"Authorization", "Content-Type", "X-Amz-Date", "X-Amz-Security-Token"}
# What API Gateway itself may answer on any route: a refused signature or WAF block, throttling, a failed or
# timed-out integration (https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html).
GATEWAY_STATUSES = {403, 429, 502, 504}
# ... and on a route with a body: an invalid body, WAF's body limit, an unsupported media type.
BODY_STATUSES = {400, 413, 415}
ALLOWED_ORIGIN = {"Fn::Sub": "'${AllowedOrigin}'"}


def render_gateway_template(template: str, message: str, validation: str) -> str:
    """Substitute the variables as API Gateway does: messageString arrives quoted, the others bare."""
    escaped = json.dumps(validation)[1:-1]
    return (
        template.replace("$context.error.messageString", json.dumps(message))
        .replace("$context.error.validationErrorString", escaped)
        .replace("$context.error.message", message)
    )


def check_sigv4_on_every_method(stack: Stack) -> None:
    body = stack.body
    scheme = body["components"]["securitySchemes"]["sigv4"]
    assert {key: scheme.get(key) for key in ("type", "name", "in", "x-amazon-apigateway-authtype")} == {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        "x-amazon-apigateway-authtype": "awsSigv4",
    }, "the sigv4 scheme must be API Gateway's awsSigv4 on the Authorization header"
    assert "security" not in body or body["security"] == [{"sigv4": []}], "a global default could open routes"
    signed = list(signed_operations(body))
    assert signed, "no operations"
    for path, method, spec in signed:
        assert spec.get("security") == [{"sigv4": []}], f"{method.upper()} {path} is not AWS_IAM"


def check_preflights_are_open_mocks(stack: Stack) -> None:
    body = stack.body
    for path, item in body["paths"].items():
        options = item.get("options")
        assert options, f"{path} has no CORS preflight"
        assert options.get("security") == [], f"OPTIONS {path} must be unauthenticated"
        integration = options["x-amazon-apigateway-integration"]
        assert integration["type"] == "mock", f"OPTIONS {path} must not reach a function"
        params = integration["responses"]["default"]["responseParameters"]
        assert params["method.response.header.Access-Control-Allow-Origin"] == ALLOWED_ORIGIN
        methods = params["method.response.header.Access-Control-Allow-Methods"].strip("'").split(",")
        assert set(methods) == {m.upper() for _, m, _ in operations({"paths": {path: item}})}, path
        allowed = set(params["method.response.header.Access-Control-Allow-Headers"].strip("'").split(","))
        sent = {
            p["name"]
            for _, _, spec in signed_operations({"paths": {path: item}})
            for p in spec.get("parameters", [])
            if p["in"] == "header"
        }
        assert SIGV4_HEADERS | sent <= allowed, (
            f"{path}: a browser may not send {sorted((SIGV4_HEADERS | sent) - allowed)}"
        )
        declared = options["responses"]["204"]["headers"]
        for name in params:
            assert name.removeprefix("method.response.header.") in declared, f"{path}: undeclared {name}"


def check_gateway_validates_requests(stack: Stack) -> None:
    body = stack.body
    validators = body["x-amazon-apigateway-request-validators"]
    schemas = body["components"]["schemas"]
    for path, method, spec in signed_operations(body):
        route = f"{method.upper()} {path}"
        settings = validators.get(spec.get("x-amazon-apigateway-request-validator"))
        assert settings, f"{route} has no request validator"
        assert settings["validateRequestParameters"] is True, f"{route} skips its parameters"
        assert settings["validateRequestBody"] is (method in ("post", "put")), f"{route} body validation"
        parameters = spec.get("parameters", []) + body["paths"][path].get("parameters", [])
        for parameter in parameters:
            if parameter["in"] != "path":
                assert parameter.get("required") is False, f"{route}: the function answers a missing one"
        for name in path.replace("}", "{").split("{")[1::2]:
            assert any(p["name"] == name and p["in"] == "path" for p in parameters), f"{route}: {name}?"
        if method not in ("post", "put"):
            assert "requestBody" not in spec, f"{route} takes no body"
            continue
        assert spec.get("requestBody", {}).get("required") is True, f"{route} accepts an empty body"
        ref = spec["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        model = schemas[ref.removeprefix("#/components/schemas/")]
        assert model.get("additionalProperties") is False, f"{route}: its model accepts unknown fields"


def check_errors_are_documented_problems(stack: Stack) -> None:
    body = stack.body
    for path, method, spec in signed_operations(body):
        route = f"{method.upper()} {path}"
        responses = {int(code): response for code, response in spec["responses"].items()}
        errors = {code for code in responses if code >= 400}
        expected = GATEWAY_STATUSES | (BODY_STATUSES if method in ("post", "put") else set())
        assert expected <= errors, f"{route} leaves {sorted(expected - errors)} undocumented"
        for code in errors:
            content = responses[code]["content"]
            assert content == {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}, (
                f"{route} {code} is not problem+json"
            )
            if code in (429, 503):
                assert "Retry-After" in responses[code]["headers"], f"{route} {code} without Retry-After"
        (success,) = [code for code in responses if code < 300]
        headers = responses[success].get("headers", {})
        if method == "post" or ("{" in path and method != "delete"):
            assert headers.get("ETag", {}).get("required") is True, f"{route} lacks a required ETag"
        if method == "post":
            assert headers.get("Location", {}).get("required") is True, f"{route} lacks a required Location"
    # DEFAULT_4XX/5XX cannot know the status they are sent with, so a problem may lack one.
    assert "status" not in body["components"]["schemas"]["Problem"]["required"]


def _problem(spec: dict[str, Any], message: str, validation: str) -> dict[str, Any]:
    rendered = render_gateway_template(spec["responseTemplates"]["application/json"], message, validation)
    try:
        return json.loads(rendered)
    except ValueError as error:
        raise AssertionError(f"renders invalid JSON when a message has quotes: {rendered}") from error


def check_gateway_responses_are_the_functions_problems(stack: Stack) -> None:
    configured = stack.body["x-amazon-apigateway-gateway-responses"]
    assert configured
    for response_type, spec in configured.items():
        headers = spec["responseParameters"]
        assert headers.get("gatewayresponse.header.Access-Control-Allow-Origin") == ALLOWED_ORIGIN, (
            response_type
        )
        # The same list, spelled the same, as the functions send: a browser sees one API, not two.
        exposed = headers["gatewayresponse.header.Access-Control-Expose-Headers"]
        assert exposed == f"'{EXPOSED_HEADERS}'", f"{response_type} exposes {exposed}"
        assert headers["gatewayresponse.header.Content-Type"] == f"'{PROBLEM_JSON}'", response_type
        problem = _problem(spec, 'Invalid "request" body', '[object has ("x")]')
        assert problem["type"], response_type
        assert problem["title"], response_type
        assert isinstance(problem["detail"], str), response_type
    # A request the gateway validates gets the problem the function would have sent for it.
    functions_own = invalid([FieldError("body", 'a "quoted" reason')]).body()
    for response_type in ("BAD_REQUEST_BODY", "BAD_REQUEST_PARAMETERS"):
        problem = _problem(configured[response_type], "m", 'a "quoted" reason')
        assert set(problem) == set(functions_own), f"{response_type} has members {sorted(problem)}"
        for member in ("type", "title", "status"):
            assert problem[member] == functions_own[member], f"{response_type}.{member}"
        assert problem["errors"][0]["message"] == 'a "quoted" reason', f"{response_type} hides the reason"


CHECKS: list[Check] = [
    check_sigv4_on_every_method,
    check_preflights_are_open_mocks,
    check_gateway_validates_requests,
    check_errors_are_documented_problems,
    check_gateway_responses_are_the_functions_problems,
]


def _gateway_template(response_type: str, template: str) -> Mutation:
    def mutate(sources: Sources) -> None:
        responses = sources.openapi["x-amazon-apigateway-gateway-responses"]
        responses[response_type]["responseTemplates"]["application/json"] = template

    return mutate


def _gateway_header(response_type: str, header: str) -> Mutation:
    def mutate(sources: Sources) -> None:
        responses = sources.openapi["x-amazon-apigateway-gateway-responses"]
        responses[response_type]["responseParameters"].pop(f"gatewayresponse.header.{header}")

    return mutate


MUTATIONS: Mutations = {
    "GET /users unsigned": (
        lambda s: operation(s, "/users", "get").pop("security"),
        check_sigv4_on_every_method,
    ),
    "sigv4 scheme is a plain API key": (
        lambda s: s.openapi["components"]["securitySchemes"]["sigv4"].pop("x-amazon-apigateway-authtype"),
        check_sigv4_on_every_method,
    ),
    "OPTIONS requires a signature": (
        lambda s: operation(s, "/users", "options").update(security=[{"sigv4": []}]),
        check_preflights_are_open_mocks,
    ),
    "preflight disallows If-Match": (
        lambda s: operation(s, "/users/{id}", "options")["x-amazon-apigateway-integration"]["responses"][
            "default"
        ]["responseParameters"].update(
            {"method.response.header.Access-Control-Allow-Headers": f"'{','.join(sorted(SIGV4_HEADERS))}'"}
        ),
        check_preflights_are_open_mocks,
    ),
    "POST /users without validator": (
        lambda s: operation(s, "/users", "post").pop("x-amazon-apigateway-request-validator"),
        check_gateway_validates_requests,
    ),
    "PUT /products without model": (
        lambda s: operation(s, "/products/{id}", "put").pop("requestBody"),
        check_gateway_validates_requests,
    ),
    "UserIn accepts unknown fields": (
        lambda s: s.openapi["components"]["schemas"]["UserIn"].pop("additionalProperties"),
        check_gateway_validates_requests,
    ),
    "POST /users without 415": (
        lambda s: operation(s, "/users", "post")["responses"].pop("415"),
        check_errors_are_documented_problems,
    ),
    "POST /users 201 without Location": (
        lambda s: operation(s, "/users", "post")["responses"]["201"]["headers"].pop("Location"),
        check_errors_are_documented_problems,
    ),
    "404 as plain JSON": (
        lambda s: operation(s, "/products/{id}", "get")["responses"]["404"].update(
            content={"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
        ),
        check_errors_are_documented_problems,
    ),
    "THROTTLED without CORS": (
        _gateway_header("THROTTLED", "Access-Control-Allow-Origin"),
        check_gateway_responses_are_the_functions_problems,
    ),
    "BAD_REQUEST_BODY without validationErrorString": (
        _gateway_template(
            "BAD_REQUEST_BODY", '{"type":"about:blank","title":"Bad Request","status":400,"detail":"x"}'
        ),
        check_gateway_responses_are_the_functions_problems,
    ),
    "gateway body breaks JSON when the message has quotes": (
        _gateway_template(
            "ACCESS_DENIED",
            '{"type":"about:blank","title":"Forbidden","status":403,"detail":"$context.error.message"}',
        ),
        check_gateway_responses_are_the_functions_problems,
    ),
}

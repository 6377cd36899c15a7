"""The properties the templates must have, one function per property.

Each check raises AssertionError when its property is missing. test_templates.py runs them on the real
templates; test_mutations.py removes each property from a copy and proves the matching check then fails.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from samcli.commands.local.lib.swagger.integration_uri import LambdaUri

from tests.templates.stack import Stack, as_list, condition, evaluate, walk

FUNCTIONS = {"UserFunction": "UsersTable", "ProductFunction": "ProductsTable"}
# What the functions send too (api_common.responses.EXPOSED_HEADERS; tests/unit checks that side).
EXPOSED_HEADERS = "ETag, Location, Retry-After"
TABLES = ("UsersTable", "ProductsTable", "IdempotencyTable")
API_TIMEOUT_SECONDS = 29
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")
PROBLEM_REF = "#/components/schemas/Problem"
# AWS offers no resource-level permissions for these actions.
RESOURCE_STAR_ALLOWED = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
}

# The request models of docs/architecture.md, verbatim (JSON Schema draft 4). Whitespace is spelled out so
# that ECMA-262 and Python's re read the patterns alike (api_common.models says why).
WHITESPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
NOT_BLANK = f"[^{WHITESPACE}]"
REQUEST_MODELS = {
    "UserIn": {
        "type": "object",
        "required": ["name", "email"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": NOT_BLANK},
            "email": {
                "type": "string",
                "minLength": 3,
                "maxLength": 254,
                "pattern": f"^[^@{WHITESPACE}]+@[^@.{WHITESPACE}]+(\\.[^@.{WHITESPACE}]+)+(?![\\s\\S])",
            },
        },
    },
    "ProductIn": {
        "type": "object",
        "required": ["name", "price"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": NOT_BLANK},
            "price": {"type": "number", "minimum": 0, "maximum": 1000000000, "multipleOf": 0.01},
            "description": {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": NOT_BLANK},
            "category": {"type": "string", "minLength": 1, "maxLength": 50, "pattern": NOT_BLANK},
        },
    },
}
# Every gateway response type and the status it is sent with (openapi.yaml's comment has the rules). None: no
# statusCode, because on DEFAULT_4XX/DEFAULT_5XX one would change every other 4XX/5XX without its own.
# There is no
# REQUEST_TOO_LARGE: AWS does not apply a customization of it.
GATEWAY_RESPONSES: dict[str, int | None] = {
    "BAD_REQUEST_BODY": 400,
    "BAD_REQUEST_PARAMETERS": 400,
    "ACCESS_DENIED": 403,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "INVALID_SIGNATURE": 403,
    "EXPIRED_TOKEN": 403,
    "INVALID_API_KEY": 403,
    "WAF_FILTERED": 403,
    "UNAUTHORIZED": 401,
    "RESOURCE_NOT_FOUND": 404,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "THROTTLED": 429,
    "QUOTA_EXCEEDED": 429,
    "API_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_FAILURE": 500,
    "INTEGRATION_FAILURE": 502,
    "INTEGRATION_TIMEOUT": 504,
    "DEFAULT_4XX": None,
    "DEFAULT_5XX": None,
}
# Statuses each route can answer besides its success (function and gateway alike).
EXPECTED_ERRORS = {
    ("/users", "get"): {400, 403, 429, 500, 502, 503, 504},
    ("/users", "post"): {400, 403, 409, 413, 415, 422, 429, 500, 502, 503, 504},
    ("/users/{id}", "get"): {403, 404, 429, 500, 502, 503, 504},
    ("/users/{id}", "put"): {400, 403, 404, 409, 412, 413, 415, 429, 500, 502, 503, 504},
    ("/users/{id}", "delete"): {400, 403, 404, 409, 412, 429, 500, 502, 503, 504},
    ("/products", "get"): {400, 403, 429, 500, 502, 503, 504},
    ("/products", "post"): {400, 403, 409, 413, 415, 422, 429, 500, 502, 503, 504},
    ("/products/{id}", "get"): {403, 404, 429, 500, 502, 503, 504},
    # A product's PUT and DELETE are one conditional write each: no race to lose, so no 409.
    ("/products/{id}", "put"): {400, 403, 404, 412, 413, 415, 429, 500, 502, 503, 504},
    ("/products/{id}", "delete"): {400, 403, 404, 412, 429, 500, 502, 503, 504},
}
SUCCESS = {"get": "200", "post": "201", "put": "200", "delete": "204"}


# ============================================================================================== helpers
def operations(document: Mapping[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, spec in item.items():
            if method in HTTP_METHODS:
                yield path, method, spec


def sub_text(value: Any) -> str:
    """The string of a Fn::Sub (short or long form), or the value itself."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return str(sub[0] if isinstance(sub, list) else sub)
    return str(value)


def function(stack: Stack, name: str) -> dict[str, Any]:
    return stack.resources[name]["Properties"]  # type: ignore[no-any-return]


def role_statements(stack: Stack, role_name: str) -> list[dict[str, Any]]:
    """Every statement a role grants: its inline policies and the managed policies of this template."""
    role = stack.resources[role_name]["Properties"]
    statements = [s for p in role.get("Policies", []) for s in as_list(p["PolicyDocument"]["Statement"])]
    for arn in role.get("ManagedPolicyArns", []):
        assert isinstance(arn, dict), f"{role_name} attaches a managed policy from outside: {arn}"
        assert "Ref" in arn, f"{role_name} attaches a managed policy from outside: {arn}"
        policy = stack.resources[arn["Ref"]]["Properties"]
        statements += as_list(policy["PolicyDocument"]["Statement"])
    return statements


def refers_to(value: Any, logical_id: str) -> bool:
    """Whether an intrinsic (Ref, GetAtt, Sub) points at a resource."""
    for node in walk(value):
        if isinstance(node, dict):
            if node.get("Ref") == logical_id:
                return True
            get_att = node.get("Fn::GetAtt")
            if get_att and (get_att[0] if isinstance(get_att, list) else get_att.split(".")[0]) == logical_id:
                return True
            if "Fn::Sub" in node and re.search(r"\$\{" + logical_id + r"[.}]", sub_text(node)):
                return True
    return False


def render_gateway_template(template: str, message: str, validation: str) -> str:
    """Substitute the variables as API Gateway does: messageString arrives quoted, the others bare."""
    escaped = json.dumps(validation)[1:-1]
    return (
        template.replace("$context.error.messageString", json.dumps(message))
        .replace("$context.error.validationErrorString", escaped)
        .replace("$context.error.message", message)
    )


# ============================================================================================== API
def check_sigv4_on_every_method(stack: Stack) -> None:
    body = stack.body
    scheme = body["components"]["securitySchemes"]["sigv4"]
    assert scheme == {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        "x-amazon-apigateway-authtype": "awsSigv4",
        "description": scheme.get("description"),
    }, "the SigV4 scheme must be apiKey/Authorization/header with authtype awsSigv4"
    found = 0
    for path, method, spec in operations(body):
        if method == "options":
            continue
        assert spec.get("security") == [{"sigv4": []}], f"{method.upper()} {path} is not AWS_IAM"
        found += 1
    assert found == 10, f"expected 10 signed operations, found {found}"


def check_options_are_open_mocks(stack: Stack) -> None:
    body = stack.body
    for path, item in body["paths"].items():
        options = item.get("options")
        assert options, f"{path} has no CORS preflight"
        assert options.get("security") == [], f"OPTIONS {path} must be unauthenticated"
        integration = options["x-amazon-apigateway-integration"]
        assert integration["type"] == "mock"
        params = integration["responses"]["default"]["responseParameters"]
        assert params["method.response.header.Access-Control-Allow-Origin"] == {
            "Fn::Sub": "'${AllowedOrigin}'"
        }
        methods = params["method.response.header.Access-Control-Allow-Methods"].strip("'").split(",")
        assert set(methods) == {m.upper() for m in item if m in HTTP_METHODS}, (
            f"{path}: wrong allowed methods"
        )
        headers = params["method.response.header.Access-Control-Allow-Headers"].strip("'").split(",")
        assert {"Authorization", "Content-Type", "X-Amz-Date", "X-Amz-Security-Token"} <= set(headers)
        assert {"Idempotency-Key", "If-Match"} <= set(headers)
        declared = options["responses"]["204"]["headers"]
        for name in params:
            assert name.removeprefix("method.response.header.") in declared, f"{path}: undeclared {name}"


def check_validators_and_models(stack: Stack) -> None:
    body = stack.body
    validators = body["x-amazon-apigateway-request-validators"]
    for path, method, spec in operations(body):
        if method == "options":
            continue
        name = spec.get("x-amazon-apigateway-request-validator")
        assert name in validators, f"{method.upper()} {path} has no request validator"
        settings = validators[name]
        assert settings["validateRequestParameters"] is True, f"{method.upper()} {path} skips parameters"
        if method in ("post", "put"):
            assert settings["validateRequestBody"] is True, f"{method.upper()} {path} skips the body"
            schema = spec["requestBody"]["content"]["application/json"]["schema"]
            model = "UserIn" if path.startswith("/users") else "ProductIn"
            assert schema == {"$ref": f"#/components/schemas/{model}"}, (
                f"{method.upper()} {path} has no model"
            )
            assert spec["requestBody"].get("required") is True
        else:
            assert settings["validateRequestBody"] is False
            assert "requestBody" not in spec


def check_request_models_match_contract(stack: Stack) -> None:
    schemas = stack.body["components"]["schemas"]
    for name, expected in REQUEST_MODELS.items():
        actual = {key: value for key, value in schemas[name].items() if key not in ("title", "description")}
        assert actual == expected, f"{name} differs from docs/architecture.md: {actual}"


def check_parameters_declared(stack: Stack) -> None:
    body = stack.body
    for path, method, spec in operations(body):
        if method == "options":
            continue
        names = {p["name"] for p in spec.get("parameters", []) + body["paths"][path].get("parameters", [])}
        expected = set()
        if "{id}" in path:
            expected.add("id")
        if method == "get" and "{id}" not in path:
            expected |= {"limit", "cursor"} | ({"category"} if path == "/products" else set())
        if method == "post":
            expected.add("Idempotency-Key")
        if method in ("put", "delete"):
            expected.add("If-Match")
        assert names == expected, (
            f"{method.upper()} {path} declares {sorted(names)}, expected {sorted(expected)}"
        )
        for parameter in spec.get("parameters", []):
            assert parameter.get("required") is False, f"{parameter['name']} must stay optional"


def check_responses_documented(stack: Stack) -> None:
    body = stack.body
    for path, method, spec in operations(body):
        if method == "options":
            continue
        responses = spec["responses"]
        success = SUCCESS[method]
        errors = {int(code) for code in responses if code != success}
        assert errors == EXPECTED_ERRORS[(path, method)], (
            f"{method.upper()} {path} documents {sorted(errors)}"
        )
        for code in errors:
            content = responses[str(code)]["content"]
            assert content == {"application/problem+json": {"schema": {"$ref": PROBLEM_REF}}}, (
                f"{method.upper()} {path} {code} is not problem+json"
            )
        for code in (503, 429):
            if code in errors:
                assert "Retry-After" in responses[str(code)]["headers"]
        ok = responses[success]
        if method == "delete":
            assert "content" not in ok, "204 has no body"
            continue
        assert set(ok["content"]) == {"application/json"}
        if "{id}" in path or method == "post":
            assert ok["headers"]["ETag"]["required"] is True, f"{method.upper()} {path} lacks a required ETag"
        if method == "post":
            assert ok["headers"]["Location"]["required"] is True, f"POST {path} lacks a required Location"
    schemas = body["components"]["schemas"]
    # status is not required: the DEFAULT_4XX/5XX gateway responses cannot know the status they are sent with.
    assert schemas["Problem"]["required"] == ["type", "title"]
    for page in ("UserPage", "ProductPage"):
        assert schemas[page]["properties"]["nextCursor"]["nullable"] is True


def check_gateway_responses(stack: Stack) -> None:
    configured = stack.body["x-amazon-apigateway-gateway-responses"]
    assert set(configured) == set(GATEWAY_RESPONSES), f"gateway responses differ: {sorted(configured)}"
    for response_type, status in GATEWAY_RESPONSES.items():
        spec = configured[response_type]
        assert spec.get("statusCode") == (None if status is None else str(status)), f"{response_type} status"
        headers = spec["responseParameters"]
        assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == {
            "Fn::Sub": "'${AllowedOrigin}'"
        }
        # The same list, spelled the same, as the functions send: a browser sees one API, not two.
        exposed = headers["gatewayresponse.header.Access-Control-Expose-Headers"]
        assert exposed == f"'{EXPOSED_HEADERS}'", f"{response_type} exposes {exposed}"
        assert headers["gatewayresponse.header.Content-Type"] == "'application/problem+json'"
        template = spec["responseTemplates"]["application/json"]
        rendered = render_gateway_template(template, 'Invalid "request" body', '[object has ("x")]')
        try:
            problem = json.loads(rendered)
        except ValueError as error:
            raise AssertionError(f"{response_type} renders invalid JSON when a message has quotes") from error
        assert problem.get("status") == status, f"{response_type} body claims status {problem.get('status')}"
        assert problem["title"]
        assert problem["type"]
        assert isinstance(problem["detail"], str)
    for response_type in ("BAD_REQUEST_BODY", "BAD_REQUEST_PARAMETERS"):
        template = configured[response_type]["responseTemplates"]["application/json"]
        assert "$context.error.validationErrorString" in template, (
            f"{response_type} hides the validation error"
        )
        problem = json.loads(render_gateway_template(template, "m", 'a "quoted" reason'))
        assert problem["type"] == "urn:users-products-api:problem:validation-error"
        assert problem["errors"][0]["message"] == 'a "quoted" reason'


def check_integrations_target_live_alias(stack: Stack) -> None:
    for path, method, spec in operations(stack.body):
        if method == "options":
            continue
        integration = spec["x-amazon-apigateway-integration"]
        assert integration["type"] == "aws_proxy"
        assert integration["httpMethod"] == "POST"
        expected = "UserFunction" if path.startswith("/users") else "ProductFunction"
        uri = sub_text(integration["uri"])
        assert f"${{{expected}.Arn}}:live/invocations" in uri, (
            f"{method.upper()} {path} misses the live alias"
        )
        assert uri.startswith("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/")
        # SAM CLI's local emulator maps the route back to the function from this very string.
        assert LambdaUri.get_function_name(integration["uri"]) == expected
        assert integration["timeoutInMillis"] <= API_TIMEOUT_SECONDS * 1000


def check_lambda_permissions(stack: Stack) -> None:
    permissions = stack.of_type("AWS::Lambda::Permission")
    for name in FUNCTIONS:
        alias = f"{name}Aliaslive"
        granted = [
            p["Properties"] for p in permissions.values() if p["Properties"]["FunctionName"] == {"Ref": alias}
        ]
        assert len(granted) == 1, f"{name}: no API Gateway permission on its live alias"
        permission = granted[0]
        assert permission["Principal"] == "apigateway.amazonaws.com"
        assert "${Api}/" in sub_text(permission["SourceArn"]), "the permission must be scoped to this API"
    for permission in permissions.values():
        assert "SourceArn" in permission["Properties"], "every invoke permission is scoped with SourceArn"


# ============================================================================================== stage
def _stage(stack: Stack) -> dict[str, Any]:
    stages = stack.of_type("AWS::ApiGateway::Stage")
    assert list(stages) == ["ApiStage"], f"expected exactly the ApiStage stage, got {list(stages)}"
    return stages["ApiStage"]["Properties"]  # type: ignore[no-any-return]


def check_stage_throttling_logging_tracing(stack: Stack) -> None:
    stage = _stage(stack)
    assert stage["StageName"] == {"Ref": "Environment"}
    assert stage["TracingEnabled"] is True, "X-Ray tracing is off on the stage"
    (setting,) = stage["MethodSettings"]
    assert setting["ResourcePath"] == "/*"
    assert setting["HttpMethod"] == "*"
    assert setting["ThrottlingRateLimit"] == {"Ref": "ApiThrottlingRateLimit"}
    assert setting["ThrottlingBurstLimit"] == {"Ref": "ApiThrottlingBurstLimit"}
    assert setting["LoggingLevel"] == "ERROR"
    assert setting["DataTraceEnabled"] is False, "data trace logs request and response bodies"
    assert setting["MetricsEnabled"] is True
    access = stage["AccessLogSetting"]
    assert access["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    record = json.loads(access["Format"])
    assert {"requestId", "status", "httpMethod", "resourcePath", "responseLatency"} <= set(record)
    assert not any("body" in key.lower() for key in record), "access logs must not carry bodies"
    parameters = stack.sources.template["Parameters"]
    assert parameters["ApiThrottlingRateLimit"]["Default"] == 1000
    assert parameters["ApiThrottlingBurstLimit"]["Default"] == 1000


def check_api_is_regional_openapi_include(stack: Stack) -> None:
    api = stack.sources.template["Resources"]["Api"]["Properties"]
    assert api["EndpointConfiguration"] == {"Type": "REGIONAL"}
    assert api["DefinitionBody"] == {
        "Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "openapi.yaml"}}
    }
    rest_api = stack.resources["Api"]["Properties"]
    assert rest_api["EndpointConfiguration"] == {"Types": ["REGIONAL"]}


def check_log_groups_encrypted_with_retention(stack: Stack) -> None:
    groups = stack.of_type("AWS::Logs::LogGroup")
    assert {
        "UserFunctionLogGroup",
        "ProductFunctionLogGroup",
        "ApiAccessLogGroup",
        "ApiExecutionLogGroup",
    } <= set(groups)
    for name, group in groups.items():
        properties = group["Properties"]
        assert properties.get("RetentionInDays") == {"Ref": "LogRetentionDays"}, f"{name} keeps logs forever"
        assert properties.get("KmsKeyId") == {"Fn::GetAtt": ["EncryptionKey", "Arn"]}, (
            f"{name} is not on the CMK"
        )
    execution = sub_text(groups["ApiExecutionLogGroup"]["Properties"]["LogGroupName"])
    assert execution == "API-Gateway-Execution-Logs_${Api}/${Environment}"


def check_api_gateway_account(stack: Stack) -> None:
    template = stack.sources.template
    account = stack.resources["ApiGatewayAccount"]
    assert account["Condition"] == "CreateAccountRole"
    assert account["Properties"]["CloudWatchRoleArn"] == {"Fn::GetAtt": ["ApiGatewayCloudWatchRole", "Arn"]}
    assert stack.resources["ApiGatewayCloudWatchRole"]["Condition"] == "CreateAccountRole"
    assert condition("CreateAccountRole", template, {}) is True
    assert condition("CreateAccountRole", template, {"CreateApiGatewayAccountRole": "false"}) is False
    ready = stack.resources["ApiGatewayAccountReady"]["Metadata"]
    assert ready == {
        "AccountSetting": {"Fn::If": ["CreateAccountRole", {"Ref": "ApiGatewayAccount"}, "none"]}
    }
    assert "ApiGatewayAccountReady" in as_list(stack.resources["Api"].get("DependsOn", [])), (
        "the API must wait for the account's CloudWatch role"
    )


# ============================================================================================== functions
def check_function_settings(stack: Stack) -> None:
    for name in FUNCTIONS:
        properties = function(stack, name)
        assert properties["Runtime"] == "python3.13"
        assert properties["Architectures"] == ["arm64"]
        assert properties["MemorySize"] == 256
        assert properties["TracingConfig"] == {"Mode": "Active"}, f"{name} is not traced"
        assert properties["KmsKeyArn"] == {"Fn::GetAtt": ["EncryptionKey", "Arn"]}
        assert next(layer["Ref"] for layer in properties["Layers"]).startswith("CommonLayer")
    assert function(stack, "UserFunction")["Handler"] == "users.handler.lambda_handler"
    assert function(stack, "ProductFunction")["Handler"] == "products.handler.lambda_handler"


def check_timeouts_under_api_limit(stack: Stack) -> None:
    for name in FUNCTIONS:
        timeout = function(stack, name)["Timeout"]
        assert isinstance(timeout, int), f"{name} timeout {timeout!r}"
        assert timeout < API_TIMEOUT_SECONDS, f"{name} timeout {timeout}s"


def check_function_environment(stack: Stack) -> None:
    common = {
        "POWERTOOLS_METRICS_NAMESPACE": "UsersProductsApi",
        "POWERTOOLS_LOG_LEVEL": {"Ref": "LogLevel"},
        "ENVIRONMENT": {"Ref": "Environment"},
        "ALLOWED_ORIGIN": {"Ref": "AllowedOrigin"},
        "IDEMPOTENCY_TABLE_NAME": {"Ref": "IdempotencyTable"},
        "CURSOR_SECRET_ID": {"Ref": "CursorSigningSecret"},
        # Empty in AWS; local/env.json sets them for `sam local` (docs/local.md).
        "AWS_ENDPOINT_URL_DYNAMODB": "",
        "AWS_ENDPOINT_URL_SECRETS_MANAGER": "",
    }
    expected = {
        "UserFunction": {
            **common,
            "POWERTOOLS_SERVICE_NAME": "users",
            "USERS_TABLE_NAME": {"Ref": "UsersTable"},
        },
        "ProductFunction": {
            **common,
            "POWERTOOLS_SERVICE_NAME": "products",
            "PRODUCTS_TABLE_NAME": {"Ref": "ProductsTable"},
            "PRODUCTS_CATEGORY_INDEX": "category-index",
        },
    }
    for name, variables in expected.items():
        assert function(stack, name)["Environment"]["Variables"] == variables, f"{name} environment"


def check_function_log_groups(stack: Stack) -> None:
    for name in FUNCTIONS:
        config = function(stack, name).get("LoggingConfig", {})
        group = config.get("LogGroup", {}).get("Ref")
        assert group == f"{name}LogGroup", f"{name} writes to a log group this stack does not manage"
        properties = stack.resources[group]["Properties"]
        assert "RetentionInDays" in properties
        assert "KmsKeyId" in properties


def check_event_invoke_config(stack: Stack) -> None:
    configs = stack.of_type("AWS::Lambda::EventInvokeConfig")
    for name in FUNCTIONS:
        (config,) = [
            c["Properties"] for c in configs.values() if c["Properties"]["FunctionName"] == {"Ref": name}
        ]
        assert config["Qualifier"] == "live"
        destination = config["DestinationConfig"]["OnFailure"]["Destination"]
        assert destination == {"Fn::GetAtt": ["FailedEventsBucket", "Arn"]}, f"{name} failures go nowhere"
        assert 0 <= config["MaximumRetryAttempts"] <= 2
        assert 60 <= config["MaximumEventAgeInSeconds"] <= 21600


def check_reserved_concurrency_optional(stack: Stack) -> None:
    template = stack.sources.template
    assert template["Parameters"]["ReservedConcurrency"]["Default"] == 0
    for name in FUNCTIONS:
        value = function(stack, name).get("ReservedConcurrentExecutions")
        assert value == {
            "Fn::If": ["HasReservedConcurrency", {"Ref": "ReservedConcurrency"}, {"Ref": "AWS::NoValue"}]
        }
    assert condition("HasReservedConcurrency", template, {}) is False
    assert condition("HasReservedConcurrency", template, {"ReservedConcurrency": "50"}) is True


def check_deployment_preference(stack: Stack) -> None:
    template = stack.sources.template
    for name in FUNCTIONS:
        alias = stack.resources[f"{name}Aliaslive"]
        assert alias["Properties"]["Name"] == "live"
        group = stack.resources[f"{name}DeploymentGroup"]["Properties"]
        dev = evaluate(group["DeploymentConfigName"], template, {"Environment": "dev"})
        prod = evaluate(group["DeploymentConfigName"], template, {"Environment": "prod"})
        assert "AllAtOnce" in json.dumps(dev), "outside prod, deployments are all at once"
        assert "Canary" in json.dumps(prod), "prod deploys as a canary"
        alarms = group["AlarmConfiguration"]
        assert alarms["Enabled"] is True
        assert alarms["Alarms"] == [
            {"Name": {"Fn::GetAtt": ["Monitoring", f"Outputs.{name}ErrorRateAlarmName"]}}
        ]
        assert group["AutoRollbackConfiguration"]["Enabled"] is True
        assert "DEPLOYMENT_STOP_ON_ALARM" in group["AutoRollbackConfiguration"]["Events"]


# ============================================================================================== IAM
def check_iam_resources_scoped(stack: Stack) -> None:
    documents = []
    for name, role in stack.of_type("AWS::IAM::Role").items():
        documents += [(name, p["PolicyDocument"]) for p in role["Properties"].get("Policies", [])]
    for name, policy in stack.of_type("AWS::IAM::ManagedPolicy").items():
        documents.append((name, policy["Properties"]["PolicyDocument"]))
    assert documents
    for name, document in documents:
        for statement in as_list(document["Statement"]):
            resources = as_list(statement["Resource"])
            if "*" in resources:
                actions = set(as_list(statement["Action"]))
                assert actions <= RESOURCE_STAR_ALLOWED, f"{name}: {sorted(actions)} on Resource '*'"
            for action in as_list(statement["Action"]):
                assert "*" not in action, f"{name}: wildcard action {action}"


def check_least_privilege_tables(stack: Stack) -> None:
    for name, own_table in FUNCTIONS.items():
        role = function(stack, name)["Role"]["Fn::GetAtt"][0]
        touched = set()
        for statement in role_statements(stack, role):
            if any(str(action).startswith("dynamodb:") for action in as_list(statement["Action"])):
                for resource in as_list(statement["Resource"]):
                    tables = [t for t in TABLES if refers_to(resource, t)]
                    assert tables, f"{name}: DynamoDB access to {resource}"
                    touched.update(tables)
        assert touched == {own_table, "IdempotencyTable"}, f"{name} reaches {sorted(touched)}"
        # The lazily read cursor key: the secret and the CMK it is encrypted with.
        statements = role_statements(stack, role)
        secret = [s for s in statements if "secretsmanager:GetSecretValue" in as_list(s["Action"])]
        assert secret
        assert all(s["Resource"] == {"Ref": "CursorSigningSecret"} for s in secret)
        decrypt = [s for s in statements if "kms:Decrypt" in as_list(s["Action"])]
        assert decrypt
        assert all(s["Resource"] == {"Fn::GetAtt": ["EncryptionKey", "Arn"]} for s in decrypt)


# ============================================================================================== data
def check_tables(stack: Stack) -> None:
    template = stack.sources.template
    keys = {name: stack.resources[name]["Properties"]["KeySchema"] for name in TABLES}
    for name in TABLES:
        resource = stack.resources[name]
        properties = resource["Properties"]
        assert keys[name] == [{"AttributeName": "id", "KeyType": "HASH"}], f"{name} key"
        assert properties["BillingMode"] == "PAY_PER_REQUEST"
        assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert properties["SSESpecification"] == {
            "SSEEnabled": True,
            "SSEType": "KMS",
            "KMSMasterKeyId": {"Ref": "EncryptionKey"},
        }, f"{name} is not encrypted with the CMK"
        assert resource["DeletionPolicy"] == "Retain"
        assert resource["UpdateReplacePolicy"] == "Retain"
        protection = properties["DeletionProtectionEnabled"]
        assert evaluate(protection, template, {"Environment": "prod"}) is True, f"{name} unprotected in prod"
        assert evaluate(protection, template, {"Environment": "dev"}) is False
    (index,) = stack.resources["ProductsTable"]["Properties"]["GlobalSecondaryIndexes"]
    assert index["IndexName"] == "category-index"
    assert index["KeySchema"] == [
        {"AttributeName": "category", "KeyType": "HASH"},
        {"AttributeName": "id", "KeyType": "RANGE"},
    ]
    assert index["Projection"] == {"ProjectionType": "ALL"}
    ttl = stack.resources["IdempotencyTable"]["Properties"]["TimeToLiveSpecification"]
    assert ttl == {"AttributeName": "expiration", "Enabled": True}


def check_kms_key(stack: Stack) -> None:
    key = stack.resources["EncryptionKey"]["Properties"]
    assert key["EnableKeyRotation"] is True, "KMS key rotation is off"
    alias = stack.resources["EncryptionKeyAlias"]["Properties"]
    assert sub_text(alias["AliasName"]) == "alias/${AWS::StackName}-${Environment}"
    statements = {s["Sid"]: s for s in key["KeyPolicy"]["Statement"]}
    logs = statements["CloudWatchLogsForThisStack"]
    assert sub_text(logs["Principal"]["Service"]) == "logs.${AWS::Region}.amazonaws.com"
    contexts = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert contexts, "CloudWatch Logs may use the key for any encryption context"
    assert all(":log-group:" in sub_text(c) for c in contexts), "logs use is not tied to log groups"
    alarms = statements["CloudWatchAlarmsPublishToEncryptedTopic"]
    assert alarms["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert set(alarms["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert alarms["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    for statement in statements.values():
        assert statement["Principal"] != "*"
        assert statement["Principal"] != {"AWS": "*"}


def check_key_policy_covers_every_log_group(stack: Stack) -> None:
    """CloudWatch Logs may use the key for exactly the log groups this stack creates (else creation fails)."""
    key = stack.resources["EncryptionKey"]["Properties"]["KeyPolicy"]
    logs = next(s for s in key["Statement"] if s.get("Sid") == "CloudWatchLogsForThisStack")
    prefix = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"
    patterns = [
        sub_text(p).removeprefix(prefix)
        for p in logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    ]
    names = [sub_text(g["Properties"]["LogGroupName"]) for g in stack.of_type("AWS::Logs::LogGroup").values()]
    names.append(sub_text(stack.resources["Waf"]["Properties"]["Parameters"]["LogGroupName"]))
    for name in names:
        assert any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns), (
            f"the key policy does not cover {name}"
        )


def check_cursor_secret(stack: Stack) -> None:
    secret = stack.resources["CursorSigningSecret"]["Properties"]
    assert secret["KmsKeyId"] == {"Ref": "EncryptionKey"}
    assert secret["GenerateSecretString"]["PasswordLength"] >= 32


def check_failed_events_bucket(stack: Stack) -> None:
    bucket = stack.resources["FailedEventsBucket"]["Properties"]
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    (expiry,) = bucket["LifecycleConfiguration"]["Rules"]
    assert expiry["Status"] == "Enabled"
    assert expiry["ExpirationInDays"] == 30
    assert expiry["NoncurrentVersionExpiration"]["NoncurrentDays"] <= 30


def check_bucket_tls_only(stack: Stack) -> None:
    (policy,) = [
        p["Properties"]
        for p in stack.of_type("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": "FailedEventsBucket"}
    ]
    denies = [
        s
        for s in policy["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny"
        and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    assert denies, "the bucket accepts plain HTTP"
    (deny,) = denies
    assert deny["Principal"] == "*"
    assert deny["Action"] == "s3:*"
    resources = [sub_text(r) if "Fn::Sub" in r else r for r in deny["Resource"]]
    assert {"Fn::GetAtt": ["FailedEventsBucket", "Arn"]} in resources
    assert "${FailedEventsBucket.Arn}/*" in resources


# ============================================================================================== governance
def check_config_rule(stack: Stack) -> None:
    template = stack.sources.template
    rule = stack.resources["LambdaSettingsConfigRule"]
    assert rule["Condition"] == "CreateConfigRule"
    assert condition("CreateConfigRule", template, {}) is False, (
        "the Config rule needs a recorder: off by default"
    )
    assert condition("CreateConfigRule", template, {"EnableConfigRule": "true"}) is True
    properties = rule["Properties"]
    assert properties["Source"] == {"Owner": "AWS", "SourceIdentifier": "LAMBDA_FUNCTION_SETTINGS_CHECK"}
    inputs = properties["InputParameters"]
    runtime = function(stack, "UserFunction")["Runtime"]
    assert inputs.get("runtime") == runtime, "LAMBDA_FUNCTION_SETTINGS_CHECK requires its runtime input"
    assert inputs["timeout"] == str(function(stack, "UserFunction")["Timeout"])
    assert inputs["memorySize"] == str(function(stack, "UserFunction")["MemorySize"])


def check_ssm_parameters(stack: Stack) -> None:
    values = {
        sub_text(p["Properties"]["Name"]).rsplit("/", 1)[-1]: p["Properties"]["Value"]
        for p in stack.of_type("AWS::SSM::Parameter").values()
    }
    assert values["user-function-arn"] == {"Fn::GetAtt": ["UserFunction", "Arn"]}
    assert values["product-function-arn"] == {"Fn::GetAtt": ["ProductFunction", "Arn"]}
    assert "${Api}.execute-api" in sub_text(values["api-url"])
    assert values["web-acl-arn"] == {"Fn::GetAtt": ["Waf", "Outputs.WebAclArn"]}
    for parameter in stack.of_type("AWS::SSM::Parameter").values():
        assert sub_text(parameter["Properties"]["Name"]).startswith("/${AWS::StackName}/${Environment}/")


def check_outputs(stack: Stack) -> None:
    outputs = stack.cfn["Outputs"]
    expected = {
        "ApiUrl",
        "UserFunctionName",
        "UserFunctionArn",
        "ProductFunctionName",
        "ProductFunctionArn",
        "UsersTableName",
        "ProductsTableName",
        "IdempotencyTableName",
        "WebAclArn",
        "AlarmTopicArn",
        "DashboardUrl",
    }
    assert expected <= set(outputs), f"missing outputs: {sorted(expected - set(outputs))}"
    assert outputs["AlarmTopicArn"]["Value"] == {"Fn::GetAtt": ["Monitoring", "Outputs.AlarmTopicArn"]}


def check_parameters_documented(stack: Stack) -> None:
    parameters = stack.sources.template["Parameters"]
    defaults = {
        "Environment": "dev",
        "AllowedOrigin": "*",
        "AlarmEmail": "",
        "LogRetentionDays": 30,
        "ReservedConcurrency": 0,
        "EnableConfigRule": "false",
        "CreateApiGatewayAccountRole": "true",
        "ApiThrottlingRateLimit": 1000,
        "ApiThrottlingBurstLimit": 1000,
    }
    for name, default in defaults.items():
        assert parameters[name]["Default"] == default, f"{name} default"
    assert parameters["Environment"]["AllowedValues"] == ["dev", "staging", "prod"]
    constraints = {"AllowedValues", "AllowedPattern", "MinValue", "MaxValue"}
    for name, parameter in parameters.items():
        assert parameter.get("Description"), f"{name} has no description"
        assert constraints & set(parameter), f"{name} is unconstrained"


def check_named_from_stack_and_environment(stack: Stack) -> None:
    names = {
        "UserFunction": ("FunctionName",),
        "ProductFunction": ("FunctionName",),
        "Api": ("Name",),
        "CursorSigningSecret": ("Name",),
        "LambdaSettingsConfigRule": ("ConfigRuleName",),
        "EncryptionKeyAlias": ("AliasName",),
    }
    for name, keys in names.items():
        for key in keys:
            text = sub_text(stack.resources[name]["Properties"][key])
            assert "${AWS::StackName}" in text, f"{name}.{key} = {text}"
            assert "${Environment}" in text, f"{name}.{key} = {text}"


# ============================================================================================== nested stacks
def check_waf_association_depends_on_stage(stack: Stack) -> None:
    waf = stack.resources["Waf"]
    assert waf["Type"] == "AWS::CloudFormation::Stack"
    assert waf["Properties"]["TemplateURL"] == "waf.yaml"
    assert not refers_to(waf, "ApiStage"), "the WebACL need not wait for the stage; only its association must"
    association = stack.resources["WebAclAssociation"]
    assert association["Type"] == "AWS::WAFv2::WebACLAssociation"
    properties = association["Properties"]
    assert (
        sub_text(properties["ResourceArn"])
        == "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${Api}/stages/${ApiStage}"
    ), "the association must reference the stage resource, so that it waits for it"
    assert properties["WebACLArn"] == {"Fn::GetAtt": ["Waf", "Outputs.WebAclArn"]}
    assert "WebAclAssociation" not in stack.sources.waf["Resources"], "one association, in the root stack"


def check_waf_rules(stack: Stack) -> None:
    waf = stack.sources.waf
    acl = waf["Resources"]["WebAcl"]["Properties"]
    assert acl["Scope"] == "REGIONAL"
    assert acl["DefaultAction"] == {"Allow": {}}
    assert acl["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True
    rules = {rule["Name"]: rule for rule in acl["Rules"]}
    rate = rules["RateLimitPerIp"]
    assert rate["Action"] == {"Block": {}}
    statement = rate["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "IP"
    assert statement["Limit"] == {"Ref": "RateLimit"}
    assert statement.get("EvaluationWindowSec", 300) == 300
    assert waf["Parameters"]["RateLimit"]["Default"] == 60000
    assert stack.sources.template["Parameters"]["WafRateLimit"]["Default"] == 60000
    assert stack.resources["Waf"]["Properties"]["Parameters"]["RateLimit"] == {"Ref": "WafRateLimit"}
    managed = {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for rule in acl["Rules"]
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }
    assert managed == {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesSQLiRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    }
    for rule in acl["Rules"]:
        assert rule["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True, f"{rule['Name']} has no metrics"
    assert len({rule["Priority"] for rule in acl["Rules"]}) == len(acl["Rules"])


def check_waf_logging(stack: Stack) -> None:
    waf = stack.sources.waf
    logging = waf["Resources"]["WebAclLogging"]["Properties"]
    assert logging["RedactedFields"] == [{"SingleHeader": {"Name": "authorization"}}]
    assert "${WebAclLogGroup}" in sub_text(logging["LogDestinationConfigs"][0])
    group = waf["Resources"]["WebAclLogGroup"]["Properties"]
    assert group["LogGroupName"] == {"Ref": "LogGroupName"}
    assert "RetentionInDays" in group
    assert "KmsKeyId" in group
    assert waf["Parameters"]["LogGroupName"]["AllowedPattern"].startswith("^aws-waf-logs-")
    passed = sub_text(stack.resources["Waf"]["Properties"]["Parameters"]["LogGroupName"])
    assert passed.startswith("aws-waf-logs-")


def check_monitoring_topic(stack: Stack) -> None:
    monitoring = stack.sources.monitoring
    topic = monitoring["Resources"]["AlarmTopic"]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Ref": "KmsKeyArn"}, "the alarm topic is not encrypted"
    parameters = stack.resources["Monitoring"]["Properties"]["Parameters"]
    assert parameters["KmsKeyArn"] == {"Fn::GetAtt": ["EncryptionKey", "Arn"]}
    subscription = monitoring["Resources"]["AlarmEmailSubscription"]
    assert subscription["Condition"] == "HasAlarmEmail"
    assert condition("HasAlarmEmail", monitoring, {}) is False
    assert condition("HasAlarmEmail", monitoring, {"AlarmEmail": "ops@example.com"}) is True
    for name, resource in monitoring["Resources"].items():
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            assert resource["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], (
                f"{name} notifies no one"
            )
            assert sub_text(resource["Properties"]["AlarmName"]).startswith("${NamePrefix}-")


def _alarms(stack: Stack) -> dict[str, dict[str, Any]]:
    return {
        name: resource["Properties"]
        for name, resource in stack.sources.monitoring["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }


def _metric_dimensions(alarm: Mapping[str, Any]) -> list[dict[str, Any]]:
    dimensions = list(alarm.get("Dimensions", []))
    for query in alarm.get("Metrics", []):
        dimensions += query.get("MetricStat", {}).get("Metric", {}).get("Dimensions", [])
    return dimensions


def check_alarms_per_function(stack: Stack) -> None:
    alarms = _alarms(stack)
    for name in FUNCTIONS:
        parameter = f"{name}Name"
        watching = {
            alarm_name
            for alarm_name, alarm in alarms.items()
            if {"Name": "FunctionName", "Value": {"Ref": parameter}} in _metric_dimensions(alarm)
        }
        assert {f"{name}ErrorRateAlarm", f"{name}ThrottleRateAlarm", f"{name}DurationAlarm"} <= watching, (
            f"{name} is watched by {sorted(watching)}"
        )
        output = stack.sources.monitoring["Outputs"][f"{name}ErrorRateAlarmName"]
        assert output["Value"] == {"Ref": f"{name}ErrorRateAlarm"}
        assert stack.resources["Monitoring"]["Properties"]["Parameters"][parameter] == {"Ref": name}


def check_alarms_are_rates(stack: Stack) -> None:
    alarms = _alarms(stack)
    expected = {
        "ApiServerErrorRateAlarm",
        "ApiClientErrorRateAlarm",
        "ApiLatencyP99Alarm",
        "UsersTableThrottleRateAlarm",
        "ProductsTableThrottleRateAlarm",
        "IdempotencyTableThrottleRateAlarm",
        "UsersTableSystemErrorsAlarm",
        "ProductsTableSystemErrorsAlarm",
        "IdempotencyTableSystemErrorsAlarm",
        "WafBlockedRateAlarm",
    }
    assert expected <= set(alarms), f"missing alarms: {sorted(expected - set(alarms))}"
    for name, alarm in alarms.items():
        if "ExtendedStatistic" in alarm:  # percentiles are already normalised
            continue
        returned = [q for q in alarm.get("Metrics", []) if q.get("ReturnData")]
        assert len(returned) == 1, f"{name} returns {len(returned)} series"
        assert "Expression" in returned[0], f"{name} alarms on a raw count"
    for name in ("ApiServerErrorRateAlarm", "ApiClientErrorRateAlarm", "WafBlockedRateAlarm"):
        expression = next(q["Expression"] for q in alarms[name]["Metrics"] if q.get("ReturnData"))
        assert "/" in expression, f"{name} is not a ratio"


def check_monitoring_inputs_are_names(stack: Stack) -> None:
    """Names, not refs, where a ref would tie monitoring to the API or the WAF (and risk a cycle)."""
    parameters = stack.resources["Monitoring"]["Properties"]["Parameters"]
    api_name = stack.sources.template["Resources"]["Api"]["Properties"]["Name"]
    assert parameters["ApiName"] == api_name
    waf_name = stack.resources["Waf"]["Properties"]["Parameters"]["WebAclName"]
    assert parameters["WebAclName"] == waf_name
    assert not refers_to(parameters, "Api")
    assert not refers_to(parameters, "Waf")
    assert parameters["ApiStage"] == {"Ref": "Environment"}
    timeout_ms = int(parameters["FunctionTimeoutMs"])
    assert all(function(stack, name)["Timeout"] * 1000 == timeout_ms for name in FUNCTIONS)


def check_dashboard(stack: Stack) -> None:
    body = sub_text(stack.sources.monitoring["Resources"]["Dashboard"]["Properties"]["DashboardBody"])
    for namespace in ("AWS/ApiGateway", "AWS/Lambda", "AWS/DynamoDB", "AWS/WAFV2"):
        assert namespace in body, f"the dashboard has no {namespace} widget"
    rendered = re.sub(r"\$\{[^}]+\}", "x", body)
    assert json.loads(rendered)["widgets"]


# ============================================================================================== literals
LITERALS = {
    "partition": re.compile(r"arn:aws(-[a-z]+)*:"),
    "account id": re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])"),
    "region": re.compile(
        r"\b(us|eu|ap|sa|ca|me|af|il|mx|cn)-(north|south|east|west|central)+(east|west)?-[0-9]\b"
    ),
}


def check_no_literals(texts: Mapping[str, str]) -> None:
    for name, text in texts.items():
        for kind, pattern in LITERALS.items():
            match = pattern.search(text)
            assert match is None, f"{name} contains a {kind} literal: {match.group(0) if match else ''}"


Check = Callable[[Stack], None]
STACK_CHECKS: list[Check] = [
    check_sigv4_on_every_method,
    check_options_are_open_mocks,
    check_validators_and_models,
    check_request_models_match_contract,
    check_parameters_declared,
    check_responses_documented,
    check_gateway_responses,
    check_integrations_target_live_alias,
    check_lambda_permissions,
    check_stage_throttling_logging_tracing,
    check_api_is_regional_openapi_include,
    check_log_groups_encrypted_with_retention,
    check_api_gateway_account,
    check_function_settings,
    check_timeouts_under_api_limit,
    check_function_environment,
    check_function_log_groups,
    check_event_invoke_config,
    check_reserved_concurrency_optional,
    check_deployment_preference,
    check_iam_resources_scoped,
    check_least_privilege_tables,
    check_tables,
    check_kms_key,
    check_key_policy_covers_every_log_group,
    check_cursor_secret,
    check_failed_events_bucket,
    check_bucket_tls_only,
    check_config_rule,
    check_ssm_parameters,
    check_outputs,
    check_parameters_documented,
    check_named_from_stack_and_environment,
    check_waf_association_depends_on_stage,
    check_waf_rules,
    check_waf_logging,
    check_monitoring_topic,
    check_alarms_per_function,
    check_alarms_are_rates,
    check_monitoring_inputs_are_names,
    check_dashboard,
]

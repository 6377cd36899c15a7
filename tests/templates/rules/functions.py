"""The functions behind the API: served through the `live` alias, finished before API Gateway gives up on
them, told everything their config requires, logging where this stack controls retention and encryption."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from tests.templates.rules.base import (
    Check,
    Mutations,
    function,
    function_globals,
    functions,
    operation,
    resource,
    signed_operations,
    sub_text,
)
from tests.templates.stack import ROOT, Stack, condition, evaluate

# API Gateway's default (and, for edge-optimized APIs, maximum) integration timeout for REST APIs
# (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
API_TIMEOUT_SECONDS = 29
ALIAS = "live"
SHARED_CONFIG = ROOT / "layers" / "api_common" / "api_common" / "config.py"


def package(stack: Stack, name: str) -> Path:
    """The function's package directory: its CodeUri plus the first part of its handler."""
    properties = stack.sources.template["Resources"][name]["Properties"]
    return ROOT / str(properties["CodeUri"]) / str(properties["Handler"]).split(".")[0]


def required_variables(config: Path) -> set[str]:
    """The environment variables a config module requires: the names passed to api_common.config.load."""
    names = set()
    for node in ast.walk(ast.parse(config.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "load":
            names |= {str(k.value.value) for k in node.keywords if isinstance(k.value, ast.Constant)}
    return names


def check_integrations_call_the_live_alias(stack: Stack) -> None:
    """Traffic follows CodeDeploy's shifting of the alias, not $LATEST."""
    targets = set()
    for path, method, spec in signed_operations(stack.body):
        integration = spec["x-amazon-apigateway-integration"]
        assert (integration["type"], integration["httpMethod"]) == ("aws_proxy", "POST"), path
        uri = sub_text(integration["uri"])
        assert uri.startswith("arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/"), uri
        target = [name for name in functions(stack) if f"${{{name}.Arn}}:{ALIAS}/invocations" in uri]
        assert target, f"{method.upper()} {path} misses the {ALIAS} alias: {uri}"
        targets.update(target)
    assert targets == set(functions(stack)), f"functions no route calls: {set(functions(stack)) - targets}"
    for name in functions(stack):
        alias = stack.resources[f"{name}Alias{ALIAS}"]["Properties"]
        assert alias["Name"] == ALIAS


def check_invoke_permissions_are_on_the_alias_and_this_api(stack: Stack) -> None:
    permissions = [p["Properties"] for p in stack.of_type("AWS::Lambda::Permission").values()]
    for name in functions(stack):
        granted = [p for p in permissions if p["FunctionName"] == {"Ref": f"{name}Alias{ALIAS}"}]
        assert len(granted) == 1, f"{name}: no API Gateway permission on its {ALIAS} alias"
        assert granted[0]["Principal"] == "apigateway.amazonaws.com"
    for permission in permissions:
        assert "${Api}/" in sub_text(permission.get("SourceArn")), (
            "every invoke permission is scoped to this API"
        )


def check_deployments_shift_the_alias_with_rollback(stack: Stack) -> None:
    template = stack.sources.template
    for name in functions(stack):
        group = stack.resources[f"{name}DeploymentGroup"]["Properties"]
        dev = json.dumps(evaluate(group["DeploymentConfigName"], template, {"Environment": "dev"}))
        prod = json.dumps(evaluate(group["DeploymentConfigName"], template, {"Environment": "prod"}))
        assert "AllAtOnce" in dev, "outside prod, deployments are all at once"
        assert "Canary" in prod, "prod deploys as a canary"
        alarms = group.get("AlarmConfiguration", {})
        assert alarms.get("Enabled") is True, f"{name} rolls back on no alarm"
        assert alarms["Alarms"] == [
            {"Name": {"Fn::GetAtt": ["Monitoring", f"Outputs.{name}RollbackAlarmName"]}}
        ], f"{name} rolls back on no alarm of its own (rules.deployments checks what it watches)"
        assert "DEPLOYMENT_STOP_ON_ALARM" in group["AutoRollbackConfiguration"]["Events"]
        config = next(
            c["Properties"]
            for c in stack.of_type("AWS::Lambda::EventInvokeConfig").values()
            if c["Properties"]["FunctionName"] == {"Ref": name}
        )
        assert config["Qualifier"] == ALIAS
        assert config["DestinationConfig"]["OnFailure"]["Destination"], f"{name}: async failures go nowhere"


def check_timeouts_under_api_limit(stack: Stack) -> None:
    for name in functions(stack):
        timeout = function(stack, name)["Timeout"]
        assert isinstance(timeout, int), f"{name} timeout {timeout!r}"
        assert timeout < API_TIMEOUT_SECONDS, (
            f"{name} runs on after API Gateway has answered 504 ({timeout}s)"
        )
    for path, method, spec in signed_operations(stack.body):
        timeout_ms = spec["x-amazon-apigateway-integration"].get(
            "timeoutInMillis", API_TIMEOUT_SECONDS * 1000
        )
        assert timeout_ms <= API_TIMEOUT_SECONDS * 1000, f"{method.upper()} {path} {timeout_ms} ms"


def check_environment_has_what_the_config_requires(stack: Stack) -> None:
    """A variable the typed config requires and the template omits fails every cold start."""
    for name in functions(stack):
        required = required_variables(SHARED_CONFIG) | required_variables(package(stack, name) / "config.py")
        variables = function(stack, name)["Environment"]["Variables"]
        assert required - set(variables) == set(), f"{name} lacks {sorted(required - set(variables))}"
        for variable in required:
            assert variables[variable] != "", f"{name}: {variable} is empty"


def check_functions_log_to_their_own_groups(stack: Stack) -> None:
    """Otherwise Lambda creates /aws/lambda/<name> itself, without retention or the CMK."""
    for name in functions(stack):
        group = function(stack, name).get("LoggingConfig", {}).get("LogGroup", {}).get("Ref")
        assert stack.of_type("AWS::Logs::LogGroup").get(group), (
            f"{name} logs to a group this stack does not manage"
        )


def check_functions_are_traced(stack: Stack) -> None:
    """X-Ray on the functions too (checkov checks the stage's, CKV_AWS_73, but not the functions')."""
    for name in functions(stack):
        assert function(stack, name).get("TracingConfig") == {"Mode": "Active"}, f"{name} is not traced"


def check_reserved_concurrency_is_optional(stack: Stack) -> None:
    """Reserving fails on accounts with a low concurrency limit: off by default, one parameter to turn on."""
    template = stack.sources.template
    for name in functions(stack):
        value = function(stack, name).get("ReservedConcurrentExecutions")
        assert value == {
            "Fn::If": ["HasReservedConcurrency", {"Ref": "ReservedConcurrency"}, {"Ref": "AWS::NoValue"}]
        }, f"{name} reserves {value}"
    assert condition("HasReservedConcurrency", template, {}) is False
    assert condition("HasReservedConcurrency", template, {"ReservedConcurrency": "50"}) is True


def check_config_rule_checks_the_functions_settings(stack: Stack) -> None:
    template = stack.sources.template
    rule = stack.resources["LambdaSettingsConfigRule"]
    assert condition(rule["Condition"], template, {}) is False, (
        "the Config rule needs a recorder: off by default"
    )
    assert condition(rule["Condition"], template, {"EnableConfigRule": "true"}) is True
    inputs = rule["Properties"]["InputParameters"]
    for name in functions(stack):
        settings = function(stack, name)
        assert inputs.get("runtime") == settings["Runtime"], (
            "LAMBDA_FUNCTION_SETTINGS_CHECK requires its runtime"
        )
        assert inputs["timeout"] == str(settings["Timeout"]), f"{name}'s timeout"
        assert inputs["memorySize"] == str(settings["MemorySize"]), f"{name}'s memory"


CHECKS: list[Check] = [
    check_integrations_call_the_live_alias,
    check_invoke_permissions_are_on_the_alias_and_this_api,
    check_deployments_shift_the_alias_with_rollback,
    check_timeouts_under_api_limit,
    check_environment_has_what_the_config_requires,
    check_functions_log_to_their_own_groups,
    check_functions_are_traced,
    check_reserved_concurrency_is_optional,
    check_config_rule_checks_the_functions_settings,
]

MUTATIONS: Mutations = {
    "integration bypasses the live alias": (
        lambda s: operation(s, "/users", "get")["x-amazon-apigateway-integration"].update(
            uri={
                "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                "${UserFunction.Arn}/invocations"
            }
        ),
        check_integrations_call_the_live_alias,
    ),
    "invoke permission not scoped to the API": (
        lambda s: resource(s, "UserFunctionApiPermission").pop("SourceArn"),
        check_invoke_permissions_are_on_the_alias_and_this_api,
    ),
    "canary everywhere": (
        lambda s: function_globals(s).update(DeploymentPreference={"Type": "Canary10Percent5Minutes"}),
        check_deployments_shift_the_alias_with_rollback,
    ),
    "no rollback alarm": (
        lambda s: resource(s, "ProductFunction").pop("DeploymentPreference"),
        check_deployments_shift_the_alias_with_rollback,
    ),
    "timeout beyond the API limit": (
        lambda s: function_globals(s).update(Timeout=30),
        check_timeouts_under_api_limit,
    ),
    "integration waits beyond the API limit": (
        lambda s: operation(s, "/products", "post")["x-amazon-apigateway-integration"].update(
            timeoutInMillis=60000
        ),
        check_timeouts_under_api_limit,
    ),
    "cursor secret not in the environment": (
        lambda s: function_globals(s)["Environment"]["Variables"].pop("CURSOR_SECRET_ID"),
        check_environment_has_what_the_config_requires,
    ),
    "category index not in the environment": (
        lambda s: resource(s, "ProductFunction")["Environment"]["Variables"].pop("PRODUCTS_CATEGORY_INDEX"),
        check_environment_has_what_the_config_requires,
    ),
    "function logs to an unmanaged group": (
        lambda s: resource(s, "UserFunction").pop("LoggingConfig"),
        check_functions_log_to_their_own_groups,
    ),
    "functions not traced": (lambda s: function_globals(s).pop("Tracing"), check_functions_are_traced),
    "reserved concurrency always on": (
        lambda s: function_globals(s).update(ReservedConcurrentExecutions=100),
        check_reserved_concurrency_is_optional,
    ),
    "Config rule checks another memory size": (
        lambda s: resource(s, "LambdaSettingsConfigRule")["InputParameters"].update(memorySize="512"),
        check_config_rule_checks_the_functions_settings,
    ),
}

"""The Tracing parameter in each of its modes, on the translated template: layers, variables and IAM.

- xray-sdk (default): Powertools' Tracer on, no ADOT layer, no wrapper.
- otel: the ADOT layer (AdotLayerArn) merged after the CommonLayer, its wrapper
  (AWS_LAMBDA_EXEC_WRAPPER=/opt/otel-instrument), Powertools' Tracer off so that botocore is instrumented
  once, Application Signals off unless asked (the layer's wrapper turns it on when the variable is unset:
  https://github.com/aws-observability/aws-otel-python-instrumentation/blob/main/lambda-layer/src/otel-instrument).
  Active tracing stays: on Lambda the layer sends its spans to the X-Ray daemon endpoint that Lambda runs for
  active tracing (AWS_XRAY_DAEMON_ADDRESS; aws_opentelemetry_configurator.py in the same repository).
- Application Signals: what AWS's managed policy for it adds to X-Ray, on this account's log group only
  (https://docs.aws.amazon.com/aws-managed-policy/latest/reference/CloudWatchLambdaApplicationSignalsExecutionRolePolicy.html).
- The PreTraffic hook is left out of it: it is invoked once per deployment and has no route or client span.
- Switching any of it publishes a new version: a version keeps the configuration it was published with.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.templates.rules.base import (
    Check,
    Mutations,
    function_globals,
    functions,
    resource,
    role_statements,
)
from tests.templates.stack import Sources, Stack, as_list, condition, evaluate, translate

LAYER = "arn:aws:lambda:us-east-1:111122223333:layer:AWSOpenTelemetryDistroPython:7"
OTEL = {"Tracing": "otel", "AdotLayerArn": LAYER}
SIGNALS = {**OTEL, "EnableApplicationSignals": "true"}
OTEL_VARIABLES = ("AWS_LAMBDA_EXEC_WRAPPER", "OTEL_AWS_APPLICATION_SIGNALS_ENABLED")
HOOK = "PreTrafficHook"
SIGNALS_LOG_GROUP = (
    "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/application-signals/data:*"
)
NO_VALUE = {"Ref": "AWS::NoValue"}


def _resolved(stack: Stack, node: Any, parameters: Mapping[str, str]) -> Any:
    """A node with its conditions and parameters resolved, and what AWS::NoValue removes removed."""
    value = evaluate(node, stack.cfn, parameters)
    if isinstance(value, dict):
        return {k: _drop(v) for k, v in value.items() if v != NO_VALUE}
    if isinstance(value, list):
        return [_drop(v) for v in value if v != NO_VALUE]
    return value


def _drop(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop(v) for k, v in value.items() if v != NO_VALUE}
    if isinstance(value, list):
        return [_drop(v) for v in value if v != NO_VALUE]
    return value


def _configuration(stack: Stack, name: str, parameters: Mapping[str, str]) -> dict[str, Any]:
    props = stack.resources[name]["Properties"]
    return {
        "layers": _resolved(stack, props.get("Layers", []), parameters),
        "variables": _resolved(stack, props.get("Environment", {}).get("Variables", {}), parameters),
        "tracing": props.get("TracingConfig"),
    }


def _common_layer(stack: Stack) -> dict[str, str]:
    (layer,) = stack.of_type("AWS::Lambda::LayerVersion")
    return {"Ref": layer}


def _signals_policies(stack: Stack, parameters: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    return {
        name: r["Properties"]
        for name, r in stack.of_type("AWS::IAM::Policy").items()
        if "Condition" not in r or condition(r["Condition"], stack.cfn, parameters)
    }


def check_tracing_defaults_to_the_xray_sdk(stack: Stack) -> None:
    parameters = stack.sources.template["Parameters"]
    assert parameters["Tracing"]["Default"] == "xray-sdk"
    assert parameters["AdotLayerArn"]["Default"] == ""
    assert parameters["EnableApplicationSignals"]["Default"] == "false"
    for name in functions(stack):
        config = _configuration(stack, name, {})
        assert config["layers"] == [_common_layer(stack)], f"{name} layers by default: {config['layers']}"
        assert config["variables"]["TRACING_MODE"] == "xray-sdk"
        assert config["variables"]["POWERTOOLS_TRACE_DISABLED"] == "false", (
            f"{name}: Powertools' Tracer is off"
        )
        assert not set(OTEL_VARIABLES) & set(config["variables"]), f"{name} carries ADOT settings by default"
        assert config["tracing"] == {"Mode": "Active"}
    assert _signals_policies(stack, {}) == {}


def check_otel_mode_runs_the_adot_layer_and_nothing_twice(stack: Stack) -> None:
    translated = translate(stack.sources, OTEL)
    for name in functions(translated):
        config = _configuration(translated, name, OTEL)
        # Merged in this order: the layer's files win, and its wrapper lies in /opt where it expects.
        assert config["layers"] == [_common_layer(translated), LAYER], config["layers"]
        variables = config["variables"]
        assert variables["TRACING_MODE"] == "otel"
        assert variables["POWERTOOLS_TRACE_DISABLED"] == "true", f"{name}: botocore would be patched twice"
        assert variables.get("AWS_LAMBDA_EXEC_WRAPPER") == "/opt/otel-instrument"
        assert variables.get("OTEL_AWS_APPLICATION_SIGNALS_ENABLED") == "false", (
            "the layer's own default is on"
        )
        assert config["tracing"] == {"Mode": "Active"}, "the layer sends its spans to Lambda's X-Ray endpoint"
        role = translated.resources[name]["Properties"]["Role"]["Fn::GetAtt"][0]
        granted = {a for s in role_statements(translated, role) for a in as_list(s["Action"])}
        assert {"xray:PutTraceSegments", "xray:PutTelemetryRecords"} <= granted
    hook = _configuration(translated, HOOK, OTEL)
    assert hook["layers"] == [_common_layer(translated)], "the PreTraffic hook takes no ADOT layer"
    assert not set(OTEL_VARIABLES) & set(hook["variables"]), "the PreTraffic hook runs no wrapper"
    assert _signals_policies(translated, OTEL) == {}, "Application Signals permissions without the signals"


def check_application_signals_only_when_asked(stack: Stack) -> None:
    translated = translate(stack.sources, SIGNALS)
    names = functions(translated)
    for name in names:
        assert _configuration(translated, name, SIGNALS)["variables"][
            "OTEL_AWS_APPLICATION_SIGNALS_ENABLED"
        ] == ("true")
    (policy,) = _signals_policies(translated, SIGNALS).values()
    roles = {translated.resources[name]["Properties"]["Role"]["Fn::GetAtt"][0] for name in names}
    assert sorted(r["Ref"] for r in policy["Roles"]) == sorted(roles), "attached to the functions' roles only"
    (grant,) = as_list(policy["PolicyDocument"]["Statement"])
    assert set(as_list(grant["Action"])) == {
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }
    assert grant["Resource"] == {"Fn::Sub": SIGNALS_LOG_GROUP}, f"beyond the signals log group: {grant}"


def _version_description(stack: Stack, name: str, parameters: Mapping[str, str]) -> str:
    """What the live alias's version is published with, as CloudFormation renders it."""
    alias = stack.resources[f"{name}Aliaslive"]["Properties"]
    version = stack.resources[alias["FunctionVersion"]["Fn::GetAtt"][0]]["Properties"]
    node = evaluate(version["Description"], stack.cfn, parameters)
    text, variables = node["Fn::Sub"] if isinstance(node, dict) else (node, {})
    values = {**{k: str(v.get("Default")) for k, v in stack.cfn["Parameters"].items()}, **parameters}
    for key, value in {**values, **{k: _sub(v, values) for k, v in variables.items()}}.items():
        text = text.replace("${" + key + "}", value)
    assert "${" not in text, text
    return str(text)


def _sub(node: Any, values: Mapping[str, str]) -> str:
    text = node["Fn::Sub"] if isinstance(node, dict) else node
    for key, value in values.items():
        text = text.replace("${" + key + "}", value)
    return str(text)


def check_switching_tracing_publishes_a_version(stack: Stack) -> None:
    other_layer = {**OTEL, "AdotLayerArn": LAYER.replace(":7", ":8")}
    for name in functions(stack):
        seen = [_version_description(stack, name, p) for p in ({}, OTEL, SIGNALS, other_layer)]
        assert len(set(seen)) == len(seen), f"{name}: a tracing switch would keep the old version: {seen}"


CHECKS: list[Check] = [
    check_tracing_defaults_to_the_xray_sdk,
    check_otel_mode_runs_the_adot_layer_and_nothing_twice,
    check_application_signals_only_when_asked,
    check_switching_tracing_publishes_a_version,
]


def _variables(sources: Sources, name: str) -> dict[str, Any]:
    variables: dict[str, Any] = resource(sources, name)["Environment"]["Variables"]
    return variables


def _layer_in_globals(sources: Sources) -> None:
    layer = resource(sources, "UserFunction").pop("Layers")
    resource(sources, "ProductFunction").pop("Layers")
    function_globals(sources)["Layers"] += layer


MUTATIONS: Mutations = {
    "Powertools' Tracer off in the default mode": (
        lambda s: _variables(s, "UserFunction").update(POWERTOOLS_TRACE_DISABLED="true"),
        check_tracing_defaults_to_the_xray_sdk,
    ),
    "ADOT layer on by default": (
        lambda s: resource(s, "ProductFunction").update(Layers=[{"Ref": "AdotLayerArn"}]),
        check_tracing_defaults_to_the_xray_sdk,
    ),
    "Powertools' Tracer left on beside the ADOT layer": (
        lambda s: _variables(s, "UserFunction").update(POWERTOOLS_TRACE_DISABLED="false"),
        check_otel_mode_runs_the_adot_layer_and_nothing_twice,
    ),
    "ADOT layer without its wrapper": (
        lambda s: _variables(s, "ProductFunction").pop("AWS_LAMBDA_EXEC_WRAPPER"),
        check_otel_mode_runs_the_adot_layer_and_nothing_twice,
    ),
    "Application Signals left to the layer's default": (
        lambda s: _variables(s, "UserFunction").pop("OTEL_AWS_APPLICATION_SIGNALS_ENABLED"),
        check_otel_mode_runs_the_adot_layer_and_nothing_twice,
    ),
    "ADOT layer in Globals, so on the PreTraffic hook too": (
        _layer_in_globals,
        check_otel_mode_runs_the_adot_layer_and_nothing_twice,
    ),
    "active tracing off in the otel mode": (
        lambda s: function_globals(s).update(Tracing={"Fn::If": ["OtelTracing", "PassThrough", "Active"]}),
        check_otel_mode_runs_the_adot_layer_and_nothing_twice,
    ),
    "signals permissions on every log group": (
        lambda s: resource(s, "ApplicationSignalsPolicy")["PolicyDocument"]["Statement"][0].update(
            Resource={"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*"}
        ),
        check_application_signals_only_when_asked,
    ),
    "signals permissions on the PreTraffic hook": (
        lambda s: resource(s, "ApplicationSignalsPolicy")["Roles"].append({"Ref": "PreTrafficHookRole"}),
        check_application_signals_only_when_asked,
    ),
    "version kept when tracing switches": (
        lambda s: resource(s, "UserFunction").update(
            VersionDescription={"Fn::If": ["SnapStartEnabled", "SnapStart on", "SnapStart off"]}
        ),
        check_switching_tracing_publishes_a_version,
    ),
}

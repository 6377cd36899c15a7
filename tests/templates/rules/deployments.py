"""What rolls a deployment back (docs/deployments.md): each function's rollback alarm watches the version
being deployed, the PreTraffic hook checks that version before any traffic moves, both are updated before
CodeDeploy starts on the alias, and the hook and CodeDeploy may do what that takes and no more."""

from __future__ import annotations

from typing import Any

import networkx
from cfnlint.graph import Graph
from cfnlint.template import Template

from api_common import server_errors
from tests.templates.rules.base import (
    Check,
    Mutations,
    deployment_hooks,
    function,
    function_globals,
    functions,
    nested,
    resource,
    role_statements,
    statement,
    sub_text,
)
from tests.templates.rules.functions import ALIAS, package, required_variables
from tests.templates.stack import Sources, Stack, as_list

LAMBDA_VERSION_METRICS = {"Errors", "Throttles", "Invocations"}
HOOK_ACTIONS = {
    "lambda:InvokeFunction",
    "codedeploy:PutLifecycleEventHookExecutionStatus",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
}


# ---------------------------------------------------------------------------------------------- readers
def version_of(stack: Stack, name: str) -> str:
    """The logical id of the AWS::Lambda::Version published for the function (its alias's target)."""
    target = stack.resources[f"{name}Alias{ALIAS}"]["Properties"]["FunctionVersion"]["Fn::GetAtt"]
    assert target[1] == "Version", target
    return str(target[0])


def monitoring_inputs(stack: Stack) -> dict[str, Any]:
    return dict(stack.resources["Monitoring"]["Properties"]["Parameters"])


def rollback_alarm(stack: Stack, name: str) -> dict[str, Any]:
    """The alarm the function's deployment group rolls back on, as monitoring.yaml declares it."""
    group = stack.resources[f"{name}DeploymentGroup"]["Properties"]
    ((alarm,),) = [[a["Name"] for a in group["AlarmConfiguration"]["Alarms"]]]
    _, output = alarm["Fn::GetAtt"]
    reference = stack.sources.monitoring["Outputs"][output.removeprefix("Outputs.")]["Value"]
    return nested(stack.sources.monitoring, reference["Ref"])


def metric_stats(alarm: dict[str, Any]) -> list[dict[str, Any]]:
    return [query["MetricStat"]["Metric"] for query in alarm.get("Metrics", []) if "MetricStat" in query]


def hook_of(stack: Stack) -> str:
    hooks = deployment_hooks(stack)
    assert len(hooks) == 1, f"deployment hooks: {sorted(hooks)}"
    return hooks.pop()


def _input(stack: Stack, value: Any) -> Any:
    """What the root template passes for a monitoring.yaml `!Ref Parameter`."""
    assert isinstance(value, dict), f"a literal where the deployment's value belongs: {value}"
    assert set(value) == {"Ref"}, value
    return monitoring_inputs(stack)[value["Ref"]]


# ---------------------------------------------------------------------------------------------- checks
def check_rollback_alarms_watch_the_version_being_deployed(stack: Stack) -> None:
    """Every metric of the rollback alarm is the new version's: handled 5xx, Lambda errors, throttles."""
    for name in functions(stack):
        alarm = rollback_alarm(stack, name)
        new_version = {"Fn::GetAtt": [version_of(stack, name), "Version"]}
        namespace = function(stack, name)["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"]
        seen = set()
        for metric in metric_stats(alarm):
            dimensions = {d["Name"]: d["Value"] for d in metric["Dimensions"]}
            assert _input(stack, dimensions.get("ExecutedVersion")) == new_version, (
                f"{name}'s rollback alarm counts {metric['MetricName']} of every version, not the new one"
            )
            assert _input(stack, dimensions["FunctionName"]) == {"Ref": name}
            if metric["Namespace"] == "AWS/Lambda":
                # Per-version metrics of alias invocations: FunctionName + Resource (<function>:<alias>) +
                # ExecutedVersion (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-view.html).
                assert set(dimensions) == {"FunctionName", "Resource", "ExecutedVersion"}, dimensions
                function_name, alias = sub_text(dimensions["Resource"]).split(":")
                assert _input(stack, {"Ref": function_name.strip("${}")}) == {"Ref": name}
                assert _input(stack, {"Ref": alias.strip("${}")}) == ALIAS
                seen.add(metric["MetricName"])
            else:
                assert _input(stack, metric["Namespace"]) == namespace, (
                    f"{name}: not the functions' namespace"
                )
                assert metric["MetricName"] == server_errors.METRIC_NAME
                assert set(dimensions) == {server_errors.FUNCTION_DIMENSION, server_errors.VERSION_DIMENSION}
                seen.add(server_errors.METRIC_NAME)
        assert seen == LAMBDA_VERSION_METRICS | {server_errors.METRIC_NAME}, f"{name} watches {sorted(seen)}"


def check_pre_traffic_hook_checks_the_new_versions(stack: Stack) -> None:
    """One hook runs before traffic moves on every alias, knows the new versions, is not deployed itself."""
    hook = hook_of(stack)
    for name in functions(stack):
        update = stack.resources[f"{name}Alias{ALIAS}"]["UpdatePolicy"]["CodeDeployLambdaAliasUpdate"]
        assert update.get("BeforeAllowTrafficHook") == {"Ref": hook}, f"{name} shifts traffic unchecked"
    variables = function(stack, hook)["Environment"]["Variables"]
    told = {value["Ref"] for value in variables.values() if isinstance(value, dict) and "Ref" in value}
    versions = {version_of(stack, name) for name in functions(stack)}
    assert versions <= told, f"the hook is not told the new versions {sorted(versions - told)}"
    missing = required_variables(package(stack, hook) / "config.py") - set(variables)
    assert not missing, f"the hook's config requires {sorted(missing)}"
    assert f"{hook}DeploymentGroup" not in stack.resources, "the hook is deployed through CodeDeploy itself"
    aliases = stack.of_type("AWS::Lambda::Alias").values()
    assert not [a for a in aliases if a["Properties"]["FunctionName"] == {"Ref": hook}], (
        "CodeDeploy calls it by name"
    )


def check_hook_may_invoke_only_the_new_versions(stack: Stack) -> None:
    hook = hook_of(stack)
    role = function(stack, hook)["Role"]["Fn::GetAtt"][0]
    assert not stack.resources[role]["Properties"].get("ManagedPolicyArns"), (
        f"{role} attaches managed policies"
    )
    invoked = []
    for grant in role_statements(stack, role):
        actions = set(as_list(grant["Action"]))
        assert actions <= HOOK_ACTIONS, f"{role} may also {sorted(actions - HOOK_ACTIONS)}"
        if "lambda:InvokeFunction" in actions:
            invoked += as_list(grant["Resource"])
    expected = [{"Ref": version_of(stack, name)} for name in functions(stack)]
    assert sorted(map(str, invoked)) == sorted(map(str, expected)), f"{role} may invoke {invoked}"


def update_order(stack: Stack) -> networkx.MultiDiGraph:
    """CloudFormation's ordering as AWS's cfn-lint models it: an edge for every Ref, GetAtt and Sub anywhere
    in a resource, UpdatePolicy included, where SAM names the deployment group and the hook of an alias."""
    graph: networkx.MultiDiGraph = Graph(Template("", stack.cfn, ["us-east-1"])).graph
    return graph.subgraph(stack.resources)


def check_alarm_and_hook_change_before_the_alias(stack: Stack) -> None:
    """The alias update starts CodeDeploy's traffic shifting; by then the rollback alarm and the hook must
    know the new version. Both depend on the new AWS::Lambda::Version, and the alias depends on both."""
    graph = update_order(stack)
    assert not list(networkx.simple_cycles(graph)), "CloudFormation would refuse the template"
    hook = hook_of(stack)
    for name in functions(stack):
        alias, version, group = f"{name}Alias{ALIAS}", version_of(stack, name), f"{name}DeploymentGroup"
        before_alias = networkx.descendants(graph, alias)
        assert {group, "Monitoring", hook} <= before_alias, (
            f"{alias} may update before {group}, Monitoring, {hook}"
        )
        assert "Monitoring" in networkx.descendants(graph, group), f"{group} may not wait for the alarm"
        for dependent in ("Monitoring", hook):
            assert version in networkx.descendants(graph, dependent), (
                f"{dependent} does not wait for {version}"
            )


CHECKS: list[Check] = [
    check_rollback_alarms_watch_the_version_being_deployed,
    check_pre_traffic_hook_checks_the_new_versions,
    check_hook_may_invoke_only_the_new_versions,
    check_alarm_and_hook_change_before_the_alias,
]


# ---------------------------------------------------------------------------------------------- mutations
def _metrics(sources: Sources, alarm: str) -> list[dict[str, Any]]:
    return [
        q["MetricStat"]["Metric"] for q in nested(sources.monitoring, alarm)["Metrics"] if "MetricStat" in q
    ]


def _every_version(sources: Sources) -> None:
    for metric in _metrics(sources, "ProductFunctionVersionFailureRateAlarm"):
        metric["Dimensions"] = [d for d in metric["Dimensions"] if d["Name"] != "ExecutedVersion"]


def _hook_statements(sources: Sources) -> list[dict[str, Any]]:
    return list(resource(sources, "PreTrafficHookRole")["Policies"][0]["PolicyDocument"]["Statement"])


def _fixed_version_arns(sources: Sources) -> None:
    fixed = {"Fn::Sub": "${ProductFunction.Arn}:1"}
    resource(sources, "PreTrafficHook")["Environment"]["Variables"].update(PRODUCTS_VERSION_ARN=fixed)
    statement(_hook_statements(sources), "InvokeNewVersions").update(
        Resource=[{"Ref": "UserFunction.Version"}, fixed]
    )


MUTATIONS: Mutations = {
    "rollback alarm counts every version": (
        _every_version,
        check_rollback_alarms_watch_the_version_being_deployed,
    ),
    "rollback alarm watches a fixed version": (
        lambda s: resource(s, "Monitoring")["Parameters"].update(UserFunctionVersion="1"),
        check_rollback_alarms_watch_the_version_being_deployed,
    ),
    "rollback alarm counts a metric nobody emits": (
        lambda s: _metrics(s, "UserFunctionVersionFailureRateAlarm")[0].update(MetricName="Http5xx"),
        check_rollback_alarms_watch_the_version_being_deployed,
    ),
    "deployment rolls back on the all-versions error rate": (
        lambda s: s.monitoring["Outputs"]["UserFunctionRollbackAlarmName"].update(
            Value={"Ref": "UserFunctionErrorRateAlarm"}
        ),
        check_rollback_alarms_watch_the_version_being_deployed,
    ),
    "no PreTraffic hook": (
        lambda s: function_globals(s)["DeploymentPreference"].pop("Hooks"),
        check_pre_traffic_hook_checks_the_new_versions,
    ),
    "hook checks the function, not the new version": (
        lambda s: resource(s, "PreTrafficHook")["Environment"]["Variables"].update(
            USERS_VERSION_ARN={"Fn::GetAtt": ["UserFunction", "Arn"]}
        ),
        check_pre_traffic_hook_checks_the_new_versions,
    ),
    "hook deployed through CodeDeploy": (
        lambda s: resource(s, "PreTrafficHook").update(
            AutoPublishAlias="live", DeploymentPreference={"Enabled": True}
        ),
        check_pre_traffic_hook_checks_the_new_versions,
    ),
    "hook may invoke every version": (
        lambda s: statement(_hook_statements(s), "InvokeNewVersions").update(
            Resource=[{"Fn::Sub": "${UserFunction.Arn}:*"}, {"Ref": "ProductFunction.Version"}]
        ),
        check_hook_may_invoke_only_the_new_versions,
    ),
    "hook reads a table": (
        lambda s: resource(s, "PreTrafficHookRole")["Policies"][0]["PolicyDocument"]["Statement"].append(
            {
                "Effect": "Allow",
                "Action": "dynamodb:GetItem",
                "Resource": {"Fn::GetAtt": ["UsersTable", "Arn"]},
            }
        ),
        check_hook_may_invoke_only_the_new_versions,
    ),
    "alarm updated without waiting for the new version": (
        lambda s: resource(s, "Monitoring")["Parameters"].update(ProductFunctionVersion="1"),
        check_alarm_and_hook_change_before_the_alias,
    ),
    "hook updated without waiting for the new version": (
        _fixed_version_arns,
        check_alarm_and_hook_change_before_the_alias,
    ),
}

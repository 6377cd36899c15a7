"""monitoring.yaml: alarms computed as rates, every function watched (its error rate also rolls a deployment
back), every alarm notifying the topic, and inputs passed by name so monitoring never waits on the API."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from tests.templates.rules.base import (
    Check,
    Mutations,
    alarms,
    function,
    functions,
    nested,
    refers_to,
    sub_text,
)
from tests.templates.stack import Sources, Stack, condition


def _dimensions(alarm: Mapping[str, Any]) -> list[dict[str, Any]]:
    dimensions = list(alarm.get("Dimensions", []))
    for query in alarm.get("Metrics", []):
        dimensions += query.get("MetricStat", {}).get("Metric", {}).get("Dimensions", [])
    return dimensions


def check_alarms_are_rates(stack: Stack) -> None:
    """A count alarm fires on traffic, not on trouble: each alarm is a percentile or one metric-math series,
    and an alarm called a rate divides by the traffic it is a share of."""
    found = alarms(stack)
    assert found
    for name, alarm in found.items():
        if "ExtendedStatistic" in alarm:
            continue
        returned = [q for q in alarm.get("Metrics", []) if q.get("ReturnData")]
        assert len(returned) == 1, f"{name} returns {len(returned)} series"
        assert "Expression" in returned[0], f"{name} alarms on a raw count"
        if name.endswith("RateAlarm"):
            assert "/" in sub_text(returned[0]["Expression"]), f"{name} is not a ratio"


def check_every_alarm_notifies(stack: Stack) -> None:
    monitoring = stack.sources.monitoring
    for name, alarm in alarms(stack).items():
        assert alarm.get("AlarmActions") == [{"Ref": "AlarmTopic"}], f"{name} notifies no one"
        assert sub_text(alarm["AlarmName"]).startswith("${NamePrefix}-"), (
            f"{name} is not named after the stack"
        )
    subscription = next(r for r in monitoring["Resources"].values() if r["Type"] == "AWS::SNS::Subscription")
    assert condition(subscription["Condition"], monitoring, {}) is False, "an empty address cannot subscribe"
    assert condition(subscription["Condition"], monitoring, {"AlarmEmail": "ops@example.com"}) is True


def check_every_function_is_watched(stack: Stack) -> None:
    found = alarms(stack)
    inputs = stack.resources["Monitoring"]["Properties"]["Parameters"]
    for name in functions(stack):
        (parameter,) = [key for key, value in inputs.items() if value == {"Ref": name}]
        watching = {
            alarm_name
            for alarm_name, alarm in found.items()
            if {"Name": "FunctionName", "Value": {"Ref": parameter}} in _dimensions(alarm)
        }
        expected = {"ErrorRate", "ThrottleRate", "Duration", "VersionFailureRate"}
        kinds = {kind for kind in expected if f"{name}{kind}Alarm" in watching}
        assert kinds == expected, f"{name} is watched by {sorted(watching)}"
        # The rollback alarm of the deployment (rules.functions, rules.deployments) is this output.
        output = stack.sources.monitoring["Outputs"][f"{name}RollbackAlarmName"]
        assert output["Value"] == {"Ref": f"{name}VersionFailureRateAlarm"}


def check_monitoring_inputs_are_names(stack: Stack) -> None:
    """Names, not refs, where a ref would tie monitoring to the API or the WAF (and risk a cycle)."""
    inputs = stack.resources["Monitoring"]["Properties"]["Parameters"]
    assert inputs["ApiName"] == stack.sources.template["Resources"]["Api"]["Properties"]["Name"]
    assert inputs["WebAclName"] == stack.resources["Waf"]["Properties"]["Parameters"]["WebAclName"]
    assert not refers_to(inputs, "Api")
    assert not refers_to(inputs, "Waf")
    timeout_ms = int(inputs["FunctionTimeoutMs"])
    for name in functions(stack):
        assert function(stack, name)["Timeout"] * 1000 == timeout_ms, f"the duration alarm misjudges {name}"


def check_dashboard_covers_every_service(stack: Stack) -> None:
    body = sub_text(nested(stack.sources.monitoring, "Dashboard")["DashboardBody"])
    rendered = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))
    assert rendered["widgets"]
    namespaces = {
        # A namespace passed as a parameter appears in the dashboard as that parameter.
        f"${{{namespace['Ref']}}}" if isinstance(namespace, dict) else namespace
        for alarm in alarms(stack).values()
        for namespace in [alarm.get("Namespace")]
        + [q.get("MetricStat", {}).get("Metric", {}).get("Namespace") for q in alarm.get("Metrics", [])]
        if namespace
    }
    assert namespaces
    for namespace in namespaces:
        assert namespace in body, f"the dashboard shows nothing of {namespace}, which is alarmed"


CHECKS: list[Check] = [
    check_alarms_are_rates,
    check_every_alarm_notifies,
    check_every_function_is_watched,
    check_monitoring_inputs_are_names,
    check_dashboard_covers_every_service,
]


def _raw_count(sources: Sources) -> None:
    metrics = nested(sources.monitoring, "ApiServerErrorRateAlarm")["Metrics"]
    for query in metrics:
        query["ReturnData"] = query["Id"] == "errors"
    metrics[:] = [query for query in metrics if query["Id"] != "rate"]


def _not_a_ratio(sources: Sources) -> None:
    metrics = nested(sources.monitoring, "WafBlockedRateAlarm")["Metrics"]
    next(q for q in metrics if q.get("ReturnData")).update(Expression="blocked")


MUTATIONS: Mutations = {
    "5XX alarm on a raw count": (_raw_count, check_alarms_are_rates),
    "WAF blocked rate is a count in disguise": (_not_a_ratio, check_alarms_are_rates),
    "alarm notifies no one": (
        lambda s: nested(s.monitoring, "ApiLatencyP99Alarm").pop("AlarmActions"),
        check_every_alarm_notifies,
    ),
    "products function without throttle alarm": (
        lambda s: s.monitoring["Resources"].pop("ProductFunctionThrottleRateAlarm"),
        check_every_function_is_watched,
    ),
    "monitoring refs the API": (
        lambda s: s.template["Resources"]["Monitoring"]["Properties"]["Parameters"].update(
            ApiName={"Ref": "Api"}
        ),
        check_monitoring_inputs_are_names,
    ),
    "duration alarm on another timeout": (
        lambda s: s.template["Resources"]["Monitoring"]["Properties"]["Parameters"].update(
            FunctionTimeoutMs="20000"
        ),
        check_monitoring_inputs_are_names,
    ),
    "dashboard without WAF": (
        lambda s: nested(s.monitoring, "Dashboard").update(
            DashboardBody={
                "Fn::Sub": nested(s.monitoring, "Dashboard")["DashboardBody"]["Fn::Sub"].replace(
                    "AWS/WAFV2", "AWS/Other"
                )
            }
        ),
        check_dashboard_covers_every_service,
    ),
}

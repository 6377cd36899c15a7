"""The capacity model's template side (docs/capacity.md): defaults that keep the first limit a client meets a
clean, alarmed one, and the alarms that fire before clients see the limits the model predicts."""

import re
from typing import Any

import pytest

from tests.templates.rules.base import sub_text
from tests.templates.stack import Stack, default_stack

WINDOW_SECONDS = 300  # the rate rule's EvaluationWindowSec
E2E_REQUESTS_PER_RUN = 2_000  # a deployed `make e2e` run, from one IP, within a few minutes
LAMBDA_NEW_ENVIRONMENTS_AT_ONCE = 1_000  # per function per 10 s, and the default account concurrency
ACCOUNT_THROTTLE_RPS = 10_000  # API Gateway, per account and Region (2,500 in some Regions)


@pytest.fixture(scope="module")
def stack() -> Stack:
    return default_stack()


def parameter(stack: Stack, name: str) -> dict[str, Any]:
    return stack.sources.template["Parameters"][name]


def alarm(stack: Stack, name: str) -> dict[str, Any]:
    return stack.sources.monitoring["Resources"][name]["Properties"]


def queries(properties: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {query["Id"]: query for query in properties["Metrics"]}


def dimensions(query: dict[str, Any]) -> dict[str, Any]:
    return {d["Name"]: d["Value"] for d in query["MetricStat"]["Metric"]["Dimensions"]}


def monitoring_input(stack: Stack, name: str) -> Any:
    return stack.resources["Monitoring"]["Properties"]["Parameters"][name]


def in_dashboard(stack: Stack, alarm_name: str) -> bool:
    body = sub_text(stack.sources.monitoring["Resources"]["Dashboard"]["Properties"]["DashboardBody"])
    return "${" + alarm_name + ".Arn}" in body


# ---------------------------------------------------------------------------------------------- defaults
def test_the_per_ip_rate_limit_is_above_a_fleet_and_below_the_stage(stack: Stack) -> None:
    limit = parameter(stack, "WafRateLimit")["Default"]
    per_ip_rps = limit / WINDOW_SECONDS
    stage_rps = parameter(stack, "ApiThrottlingRateLimit")["Default"]
    # A fleet behind one NAT address gets a real share of the stage; the e2e suite has tenfold headroom ...
    assert per_ip_rps >= 100, per_ip_rps
    assert limit >= 10 * E2E_REQUESTS_PER_RUN
    # ... and yet one address cannot take the whole stage from everyone else.
    assert per_ip_rps <= stage_rps / 5, (per_ip_rps, stage_rps)
    assert stack.sources.waf["Parameters"]["RateLimit"]["Default"] == limit
    assert stack.resources["Waf"]["Properties"]["Parameters"]["RateLimit"] == {"Ref": "WafRateLimit"}


def test_the_stage_burst_is_what_lambda_can_start_at_once(stack: Stack) -> None:
    # A larger burst on cold functions would turn the gateway's 429 into throttled invocations.
    burst = parameter(stack, "ApiThrottlingBurstLimit")["Default"]
    rate = parameter(stack, "ApiThrottlingRateLimit")
    assert burst <= LAMBDA_NEW_ENVIRONMENTS_AT_ONCE
    assert burst <= rate["Default"]
    assert rate["MaxValue"] <= ACCOUNT_THROTTLE_RPS  # the stage cannot promise more than the account allows


def test_the_category_index_projects_everything_so_a_listing_stays_one_query(stack: Stack) -> None:
    # KEYS_ONLY/INCLUDE would need a BatchGetItem after each query (issue 10's one-call minimum); the
    # hot-category write ceiling this costs is alarmed below and documented in docs/capacity.md.
    (index,) = stack.sources.template["Resources"]["ProductsTable"]["Properties"]["GlobalSecondaryIndexes"]
    assert index["Projection"] == {"ProjectionType": "ALL"}
    assert [key["AttributeName"] for key in index["KeySchema"]] == ["category", "id"]


# ---------------------------------------------------------------------------------------------- alarms
def test_the_category_index_alarm_watches_the_index_the_table_declares(stack: Stack) -> None:
    (index,) = stack.sources.template["Resources"]["ProductsTable"]["Properties"]["GlobalSecondaryIndexes"]
    assert monitoring_input(stack, "ProductsCategoryIndexName") == index["IndexName"]
    environment = stack.resources["ProductFunction"]["Properties"]["Environment"]["Variables"]
    assert environment["PRODUCTS_CATEGORY_INDEX"] == index["IndexName"]
    properties = alarm(stack, "ProductsCategoryIndexThrottleAlarm")
    metrics = {
        query["MetricStat"]["Metric"]["MetricName"]: dimensions(query)
        for query in queries(properties).values()
        if "MetricStat" in query
    }
    expected = {
        "TableName": {"Ref": "ProductsTableName"},
        "GlobalSecondaryIndexName": {"Ref": "ProductsCategoryIndexName"},
    }
    assert metrics == {"ReadThrottleEvents": expected, "WriteThrottleEvents": expected}
    # Any throttle event: the SDK's retries hide the first ones from clients, so this fires before the 503s.
    assert (properties["ComparisonOperator"], properties["Threshold"]) == ("GreaterThanThreshold", 0)
    assert properties["AlarmActions"] == [{"Ref": "AlarmTopic"}]
    assert in_dashboard(stack, "ProductsCategoryIndexThrottleAlarm")


def near_throttle_share(stack: Stack, requests_per_minute: float) -> float:
    properties = alarm(stack, "ApiNearThrottleAlarm")
    returned = next(query for query in properties["Metrics"] if query.get("ReturnData"))
    rate = parameter(stack, "ApiThrottlingRateLimit")["Default"]
    expression = sub_text(returned["Expression"]).replace("${ApiThrottlingRateLimit}", str(rate))
    assert re.fullmatch(r"[0-9 ()*/.a-z]+", expression), expression
    return float(eval(expression, {"__builtins__": {}}, {"requests": requests_per_minute}))  # noqa: S307


def test_the_near_throttle_alarm_fires_at_80_percent_of_the_stage_rate(stack: Stack) -> None:
    properties = alarm(stack, "ApiNearThrottleAlarm")
    assert monitoring_input(stack, "ApiThrottlingRateLimit") == {"Ref": "ApiThrottlingRateLimit"}
    requests = queries(properties)["requests"]["MetricStat"]
    assert requests["Metric"]["MetricName"] == "Count"
    assert (requests["Stat"], requests["Period"]) == ("SampleCount", 60)
    rate = parameter(stack, "ApiThrottlingRateLimit")["Default"]
    threshold = properties["Threshold"]
    assert properties["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert near_throttle_share(stack, 0.80 * rate * 60) >= threshold
    assert near_throttle_share(stack, 0.79 * rate * 60) < threshold
    assert in_dashboard(stack, "ApiNearThrottleAlarm")


def test_the_rate_limited_alarm_watches_the_per_ip_rule(stack: Stack) -> None:
    rules = stack.sources.waf["Resources"]["WebAcl"]["Properties"]["Rules"]
    rate_rule = next(rule for rule in rules if "RateBasedStatement" in rule["Statement"])
    properties = alarm(stack, "WafRateLimitedAlarm")
    blocked = queries(properties)["blocked"]
    assert blocked["MetricStat"]["Metric"]["MetricName"] == "BlockedRequests"
    assert dimensions(blocked) == {
        "WebACL": {"Ref": "WebAclName"},
        "Rule": rate_rule["VisibilityConfig"]["MetricName"],
        "Region": {"Ref": "AWS::Region"},
    }
    assert (properties["ComparisonOperator"], properties["Threshold"]) == ("GreaterThanThreshold", 0)
    assert in_dashboard(stack, "WafRateLimitedAlarm")

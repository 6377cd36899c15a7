"""What stands in front of the functions: the WebACL on the real stage, a stage that throttles from the
parameters and logs without bodies, and the account's CloudWatch role it needs for logging."""

from __future__ import annotations

import json
from typing import Any

from tests.templates.rules.base import Check, Mutations, nested, refers_to, resource, sub_text
from tests.templates.stack import Sources, Stack, as_list, condition

# A WAF log group's name must start with this (https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html).
WAF_LOG_PREFIX = "aws-waf-logs-"


def check_waf_association_waits_for_the_stage(stack: Stack) -> None:
    association = stack.of_type("AWS::WAFv2::WebACLAssociation")
    assert list(association) == ["WebAclAssociation"], "one association, in the root stack"
    properties = association["WebAclAssociation"]["Properties"]
    # A string stage name would let WAF be called before the stage exists: WAF refuses that.
    assert refers_to(properties["ResourceArn"], "ApiStage"), (
        "the association must reference the stage resource"
    )
    assert refers_to(properties["ResourceArn"], "Api")
    assert properties["WebACLArn"] == {"Fn::GetAtt": ["Waf", "Outputs.WebAclArn"]}
    assert not refers_to(stack.resources["Waf"], "ApiStage"), "the WebACL need not wait for the stage"
    waf_types = {resource["Type"] for resource in stack.sources.waf["Resources"].values()}
    assert "AWS::WAFv2::WebACLAssociation" not in waf_types, "one association, in the root stack"


def check_waf_rules_are_measured_and_rate_limited(stack: Stack) -> None:
    acl = nested(stack.sources.waf, "WebAcl")
    assert acl["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True
    for rule in acl["Rules"]:
        assert rule["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True, f"{rule['Name']} has no metrics"
    assert len({rule["Priority"] for rule in acl["Rules"]}) == len(acl["Rules"]), "two rules share a priority"
    (rate,) = [rule for rule in acl["Rules"] if "RateBasedStatement" in rule["Statement"]]
    assert rate["Action"] == {"Block": {}}
    statement = rate["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "IP"
    assert statement["Limit"] == {"Ref": "RateLimit"}
    assert stack.resources["Waf"]["Properties"]["Parameters"]["RateLimit"] == {"Ref": "WafRateLimit"}


def check_waf_logs_without_credentials(stack: Stack) -> None:
    waf = stack.sources.waf
    logging = nested(waf, "WebAclLogging")
    assert {"SingleHeader": {"Name": "authorization"}} in logging.get("RedactedFields", []), (
        "WAF logs would carry the SigV4 Authorization header"
    )
    group = next(name for name, r in waf["Resources"].items() if r["Type"] == "AWS::Logs::LogGroup")
    assert f"${{{group}}}" in sub_text(logging["LogDestinationConfigs"][0])
    assert waf["Parameters"]["LogGroupName"]["AllowedPattern"].startswith(f"^{WAF_LOG_PREFIX}")
    passed = sub_text(stack.resources["Waf"]["Properties"]["Parameters"]["LogGroupName"])
    assert passed.startswith(WAF_LOG_PREFIX), f"WAF refuses the log group {passed}"


def _stage(stack: Stack) -> dict[str, Any]:
    stages = stack.of_type("AWS::ApiGateway::Stage")
    assert list(stages) == ["ApiStage"], f"expected the one ApiStage, got {list(stages)}"
    return stages["ApiStage"]["Properties"]


def check_stage_throttles_and_logs_without_bodies(stack: Stack) -> None:
    stage = _stage(stack)
    (setting,) = stage["MethodSettings"]
    assert (setting["ResourcePath"], setting["HttpMethod"]) == ("/*", "*"), "settings for some routes only"
    assert setting.get("ThrottlingRateLimit") == {"Ref": "ApiThrottlingRateLimit"}, "not throttled"
    assert setting.get("ThrottlingBurstLimit") == {"Ref": "ApiThrottlingBurstLimit"}
    assert setting["DataTraceEnabled"] is False, "data trace logs request and response bodies"
    access = stage["AccessLogSetting"]
    assert refers_to(access["DestinationArn"], "ApiAccessLogGroup")
    record = json.loads(access["Format"])
    assert not any("body" in key.lower() or "body" in value.lower() for key, value in record.items()), (
        "access logs must not carry bodies"
    )
    # Created here (encrypted, with retention) under the name API Gateway would otherwise create it with
    # (https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html).
    execution = sub_text(stack.resources["ApiExecutionLogGroup"]["Properties"]["LogGroupName"])
    assert execution == "API-Gateway-Execution-Logs_${Api}/" + "${" + stage["StageName"]["Ref"] + "}"


def check_account_role_is_optional_and_awaited(stack: Stack) -> None:
    """One CloudWatch role per account and region: created by default, skippable, and waited for."""
    template = stack.sources.template
    for name in ("ApiGatewayAccount", "ApiGatewayCloudWatchRole"):
        assert stack.resources[name].get("Condition") == "CreateAccountRole", f"{name} is unconditional"
    assert condition("CreateAccountRole", template, {}) is True
    assert condition("CreateAccountRole", template, {"CreateApiGatewayAccountRole": "false"}) is False
    ready = stack.resources["ApiGatewayAccountReady"]["Metadata"]
    assert refers_to(ready, "ApiGatewayAccount")
    assert "ApiGatewayAccountReady" in as_list(stack.resources["Api"].get("DependsOn", [])), (
        "the API must wait for the account's CloudWatch role"
    )


CHECKS: list[Check] = [
    check_waf_association_waits_for_the_stage,
    check_waf_rules_are_measured_and_rate_limited,
    check_waf_logs_without_credentials,
    check_stage_throttles_and_logs_without_bodies,
    check_account_role_is_optional_and_awaited,
]


def _web_acl(sources: Sources) -> dict[str, Any]:
    return nested(sources.waf, "WebAcl")


MUTATIONS: Mutations = {
    "WAF association on a string stage ARN": (
        lambda s: resource(s, "WebAclAssociation").update(
            ResourceArn={
                "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${Api}/stages/"
                "${Environment}"
            }
        ),
        check_waf_association_waits_for_the_stage,
    ),
    "WAF rule without metrics": (
        lambda s: _web_acl(s)["Rules"][2]["VisibilityConfig"].update(CloudWatchMetricsEnabled=False),
        check_waf_rules_are_measured_and_rate_limited,
    ),
    "WAF rate limit ignores its parameter": (
        lambda s: s.template["Resources"]["Waf"]["Properties"]["Parameters"].update(RateLimit=2000),
        check_waf_rules_are_measured_and_rate_limited,
    ),
    "WAF logs the Authorization header": (
        lambda s: nested(s.waf, "WebAclLogging").pop("RedactedFields"),
        check_waf_logs_without_credentials,
    ),
    "data trace on": (
        lambda s: resource(s, "Api")["MethodSettings"][0].update(DataTraceEnabled=True),
        check_stage_throttles_and_logs_without_bodies,
    ),
    "stage without throttling": (
        lambda s: resource(s, "Api")["MethodSettings"][0].pop("ThrottlingRateLimit"),
        check_stage_throttles_and_logs_without_bodies,
    ),
    "access log records the body": (
        lambda s: resource(s, "Api")["AccessLogSetting"].update(
            Format='{"requestId":"$context.requestId","body":"$input.body"}'
        ),
        check_stage_throttles_and_logs_without_bodies,
    ),
    "API does not wait for the account role": (
        lambda s: s.template["Resources"]["Api"].pop("DependsOn"),
        check_account_role_is_optional_and_awaited,
    ),
    "account role unconditional": (
        lambda s: s.template["Resources"]["ApiGatewayAccount"].pop("Condition"),
        check_account_role_is_optional_and_awaited,
    ),
}

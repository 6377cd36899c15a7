"""What stands in front of the functions: the WebACL on the real stage, a stage that throttles from the
parameters and logs without bodies, and the account's CloudWatch role it needs for logging."""

from __future__ import annotations

import json
from typing import Any

from api_common.responses import EXPOSED_HEADERS
from tests.templates.rules.base import Check, Mutations, nested, refers_to, resource, sub_text
from tests.templates.stack import Sources, Stack, as_list, condition

# A WAF log group's name must start with this (https://docs.aws.amazon.com/waf/latest/developerguide/logging-cw-logs.html).
WAF_LOG_PREFIX = "aws-waf-logs-"
# AWS WAF stops rate limiting "usually" within 30 s of the rate falling under the limit
# (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-caveats.html).
RATE_RELEASE_DELAY_SECONDS = 30
# SigV4 credentials a request carries: the signature and access key id, and a temporary session's token.
CREDENTIAL_HEADERS = ("authorization", "x-amz-security-token")


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
    statement = rate["Statement"]["RateBasedStatement"]
    assert statement["AggregateKeyType"] == "IP"
    assert statement["Limit"] == {"Ref": "RateLimit"}
    assert stack.resources["Waf"]["Properties"]["Parameters"]["RateLimit"] == {"Ref": "WafRateLimit"}


def check_waf_rate_limit_answers_429_with_retry_after(stack: Stack) -> None:
    """A 429 tells a client to back off and come back; WAF's default 403 tells it to give up."""
    acl = nested(stack.sources.waf, "WebAcl")
    (rate,) = [rule for rule in acl["Rules"] if "RateBasedStatement" in rule["Statement"]]
    custom = rate["Action"].get("Block", {}).get("CustomResponse")
    assert custom is not None, "WAF's default block is a 403: clients give up instead of backing off"
    assert custom["ResponseCode"] == 429
    headers = {header["Name"]: header["Value"] for header in custom["ResponseHeaders"]}
    window = rate["Statement"]["RateBasedStatement"]["EvaluationWindowSec"]
    retry_after = int(headers.pop("Retry-After"))
    # The soonest WAF can lift the limit once the rate falls; never longer than the window it counts over.
    assert retry_after == RATE_RELEASE_DELAY_SECONDS <= window, f"Retry-After {retry_after}: see waf.yaml"
    assert headers == {
        "Access-Control-Allow-Origin": {"Ref": "AllowedOrigin"},
        "Access-Control-Expose-Headers": EXPOSED_HEADERS,
    }, "the CORS headers of every other response, so a browser can read the 429 and its Retry-After"
    body = acl["CustomResponseBodies"][custom["CustomResponseBodyKey"]]
    assert body["ContentType"] == "APPLICATION_JSON"  # WAF has no application/problem+json
    problem = json.loads(body["Content"])
    assert problem["type"] == "about:blank"
    assert (problem["status"], problem["title"]) == (429, "Too Many Requests")
    assert f"{window} seconds" in problem["detail"], "the detail names the window WAF counts over"


def check_waf_logs_without_credentials(stack: Stack) -> None:
    waf = stack.sources.waf
    logging = nested(waf, "WebAclLogging")
    redacted = logging.get("RedactedFields", [])
    for header in CREDENTIAL_HEADERS:
        assert {"SingleHeader": {"Name": header}} in redacted, f"WAF logs would carry the {header} header"
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
    check_waf_rate_limit_answers_429_with_retry_after,
    check_waf_logs_without_credentials,
    check_stage_throttles_and_logs_without_bodies,
    check_account_role_is_optional_and_awaited,
]


def _web_acl(sources: Sources) -> dict[str, Any]:
    return nested(sources.waf, "WebAcl")


def _rate_rule(sources: Sources) -> dict[str, Any]:
    return next(rule for rule in _web_acl(sources)["Rules"] if "RateBasedStatement" in rule["Statement"])


def _rate_headers(sources: Sources) -> list[dict[str, Any]]:
    headers: list[dict[str, Any]] = _rate_rule(sources)["Action"]["Block"]["CustomResponse"][
        "ResponseHeaders"
    ]
    return headers


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
    "WAF logs the session token": (
        lambda s: nested(s.waf, "WebAclLogging")["RedactedFields"].pop(1),
        check_waf_logs_without_credentials,
    ),
    "WAF rate limit answers 403": (
        lambda s: _rate_rule(s).update(Action={"Block": {}}),
        check_waf_rate_limit_answers_429_with_retry_after,
    ),
    "WAF rate limit asks for a retry after 1 s": (
        lambda s: _rate_headers(s)[0].update(Value="1"),
        check_waf_rate_limit_answers_429_with_retry_after,
    ),
    "WAF 429 without CORS headers": (
        lambda s: _rate_headers(s).remove(_rate_headers(s)[1]),
        check_waf_rate_limit_answers_429_with_retry_after,
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

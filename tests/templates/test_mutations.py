"""Each template check fails when the property it guards is taken away.

Every case mutates a copy of the parsed sources (template.yaml, openapi.yaml, waf.yaml, monitoring.yaml),
translates it again and expects the named check to raise AssertionError. A check that passes on a broken
template would be decoration; this suite is what makes the other one honest.
"""

from collections.abc import Callable
from typing import Any

import pytest

from tests.templates import checks
from tests.templates.stack import SOURCE_FILES, Sources, load_sources, read, translate

Mutation = Callable[[Sources], None]


def _resource(sources: Sources, name: str) -> dict[str, Any]:
    return sources.template["Resources"][name]["Properties"]  # type: ignore[no-any-return]


def _globals(sources: Sources) -> dict[str, Any]:
    return sources.template["Globals"]["Function"]  # type: ignore[no-any-return]


def _operation(sources: Sources, path: str, method: str) -> dict[str, Any]:
    return sources.openapi["paths"][path][method]  # type: ignore[no-any-return]


def _statement(policy: dict[str, Any], sid: str) -> dict[str, Any]:
    return next(s for s in policy["PolicyDocument"]["Statement"] if s.get("Sid") == sid)


def _role_policy(sources: Sources, role: str) -> dict[str, Any]:
    return _resource(sources, role)["Policies"][0]  # type: ignore[no-any-return]


def _monitoring(sources: Sources, name: str) -> dict[str, Any]:
    return sources.monitoring["Resources"][name]["Properties"]  # type: ignore[no-any-return]


def _rate_alarm_returns_raw_count(sources: Sources) -> None:
    metrics = _monitoring(sources, "ApiServerErrorRateAlarm")["Metrics"]
    for query in metrics:
        query["ReturnData"] = query["Id"] == "errors"
    metrics[:] = [query for query in metrics if query["Id"] != "rate"]


MUTATIONS: dict[str, tuple[Mutation, checks.Check]] = {
    "GET /users unsigned": (
        lambda s: _operation(s, "/users", "get").pop("security"),
        checks.check_sigv4_on_every_method,
    ),
    "OPTIONS requires a signature": (
        lambda s: _operation(s, "/users", "options").update(security=[{"sigv4": []}]),
        checks.check_options_are_open_mocks,
    ),
    "POST /users without validator": (
        lambda s: _operation(s, "/users", "post").pop("x-amazon-apigateway-request-validator"),
        checks.check_validators_and_models,
    ),
    "PUT /products without model": (
        lambda s: _operation(s, "/products/{id}", "put").pop("requestBody"),
        checks.check_validators_and_models,
    ),
    "UserIn accepts unknown fields": (
        lambda s: s.openapi["components"]["schemas"]["UserIn"].pop("additionalProperties"),
        checks.check_request_models_match_contract,
    ),
    "ProductIn price without multipleOf": (
        lambda s: s.openapi["components"]["schemas"]["ProductIn"]["properties"]["price"].pop("multipleOf"),
        checks.check_request_models_match_contract,
    ),
    "GET /products without cursor": (
        lambda s: _operation(s, "/products", "get")["parameters"].pop(1),
        checks.check_parameters_declared,
    ),
    "PUT /users/{id} without 412": (
        lambda s: _operation(s, "/users/{id}", "put")["responses"].pop("412"),
        checks.check_responses_documented,
    ),
    "POST /users 201 without Location": (
        lambda s: _operation(s, "/users", "post")["responses"]["201"]["headers"].pop("Location"),
        checks.check_responses_documented,
    ),
    "THROTTLED without CORS": (
        lambda s: s.openapi["x-amazon-apigateway-gateway-responses"]["THROTTLED"]["responseParameters"].pop(
            "gatewayresponse.header.Access-Control-Allow-Origin"
        ),
        checks.check_gateway_responses,
    ),
    "BAD_REQUEST_BODY without validationErrorString": (
        lambda s: s.openapi["x-amazon-apigateway-gateway-responses"]["BAD_REQUEST_BODY"][
            "responseTemplates"
        ].update({"application/json": '{"type":"about:blank","title":"Bad Request","status":400}'}),
        checks.check_gateway_responses,
    ),
    "gateway body breaks JSON when the message has quotes": (
        lambda s: s.openapi["x-amazon-apigateway-gateway-responses"]["ACCESS_DENIED"][
            "responseTemplates"
        ].update(
            {
                "application/json": '{"type":"about:blank","title":"Forbidden","status":403,'
                '"detail":"$context.error.message"}'
            }
        ),
        checks.check_gateway_responses,
    ),
    "integration bypasses the live alias": (
        lambda s: _operation(s, "/users", "get")["x-amazon-apigateway-integration"].update(
            uri={
                "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
                "${UserFunction.Arn}/invocations"
            }
        ),
        checks.check_integrations_target_live_alias,
    ),
    "invoke permission not scoped to the API": (
        lambda s: _resource(s, "UserFunctionApiPermission").pop("SourceArn"),
        checks.check_lambda_permissions,
    ),
    "data trace on": (
        lambda s: _resource(s, "Api")["MethodSettings"][0].update(DataTraceEnabled=True),
        checks.check_stage_throttling_logging_tracing,
    ),
    "stage without throttling": (
        lambda s: _resource(s, "Api")["MethodSettings"][0].pop("ThrottlingRateLimit"),
        checks.check_stage_throttling_logging_tracing,
    ),
    "stage without X-Ray": (
        lambda s: _resource(s, "Api").pop("TracingEnabled"),
        checks.check_stage_throttling_logging_tracing,
    ),
    "stage without access logs": (
        lambda s: _resource(s, "Api").pop("AccessLogSetting"),
        checks.check_stage_throttling_logging_tracing,
    ),
    "edge-optimised endpoint": (
        lambda s: _resource(s, "Api").update(EndpointConfiguration={"Type": "EDGE"}),
        checks.check_api_is_regional_openapi_include,
    ),
    "access logs kept forever": (
        lambda s: _resource(s, "ApiAccessLogGroup").pop("RetentionInDays"),
        checks.check_log_groups_encrypted_with_retention,
    ),
    "API does not wait for the account role": (
        lambda s: s.template["Resources"]["Api"].pop("DependsOn"),
        checks.check_api_gateway_account,
    ),
    "account role unconditional": (
        lambda s: s.template["Resources"]["ApiGatewayAccount"].pop("Condition"),
        checks.check_api_gateway_account,
    ),
    "functions not traced": (lambda s: _globals(s).pop("Tracing"), checks.check_function_settings),
    "timeout beyond the API limit": (
        lambda s: _globals(s).update(Timeout=30),
        checks.check_timeouts_under_api_limit,
    ),
    "cursor secret not in the environment": (
        lambda s: _globals(s)["Environment"]["Variables"].pop("CURSOR_SECRET_ID"),
        checks.check_function_environment,
    ),
    "function logs to an unmanaged group": (
        lambda s: _resource(s, "UserFunction").pop("LoggingConfig"),
        checks.check_function_log_groups,
    ),
    "no on-failure destination": (
        lambda s: _globals(s)["EventInvokeConfig"].pop("DestinationConfig"),
        checks.check_event_invoke_config,
    ),
    "reserved concurrency always on": (
        lambda s: _globals(s).update(ReservedConcurrentExecutions=100),
        checks.check_reserved_concurrency_optional,
    ),
    "canary everywhere": (
        lambda s: _globals(s).update(DeploymentPreference={"Type": "Canary10Percent5Minutes"}),
        checks.check_deployment_preference,
    ),
    "no rollback alarm": (
        lambda s: _resource(s, "ProductFunction").pop("DeploymentPreference"),
        checks.check_deployment_preference,
    ),
    "table access on Resource '*'": (
        lambda s: _statement(_role_policy(s, "UserFunctionRole"), "OwnTable").update(Resource="*"),
        checks.check_iam_resources_scoped,
    ),
    "products function reaches the users table": (
        lambda s: _statement(_role_policy(s, "ProductFunctionRole"), "OwnTable").update(
            Resource={"Fn::GetAtt": ["UsersTable", "Arn"]}
        ),
        checks.check_least_privilege_tables,
    ),
    "table without point-in-time recovery": (
        lambda s: _resource(s, "UsersTable").pop("PointInTimeRecoverySpecification"),
        checks.check_tables,
    ),
    "no deletion protection in prod": (
        lambda s: _resource(s, "ProductsTable").update(DeletionProtectionEnabled=False),
        checks.check_tables,
    ),
    "idempotency table without TTL": (
        lambda s: _resource(s, "IdempotencyTable").pop("TimeToLiveSpecification"),
        checks.check_tables,
    ),
    "KMS rotation off": (
        lambda s: _resource(s, "EncryptionKey").update(EnableKeyRotation=False),
        checks.check_kms_key,
    ),
    "key policy lets CloudWatch Logs use the key for any context": (
        lambda s: _statement(
            {"PolicyDocument": _resource(s, "EncryptionKey")["KeyPolicy"]}, "CloudWatchLogsForThisStack"
        ).pop("Condition"),
        checks.check_kms_key,
    ),
    "log group outside the key policy's names": (
        lambda s: _resource(s, "ApiAccessLogGroup").update(LogGroupName="/custom/access-logs"),
        checks.check_key_policy_covers_every_log_group,
    ),
    "secret on the AWS-managed key": (
        lambda s: _resource(s, "CursorSigningSecret").pop("KmsKeyId"),
        checks.check_cursor_secret,
    ),
    "bucket without versioning": (
        lambda s: _resource(s, "FailedEventsBucket").pop("VersioningConfiguration"),
        checks.check_failed_events_bucket,
    ),
    "bucket accepts plain HTTP": (
        lambda s: _resource(s, "FailedEventsBucketPolicy")["PolicyDocument"]["Statement"].pop(0),
        checks.check_bucket_tls_only,
    ),
    "Config rule without runtime": (
        lambda s: _resource(s, "LambdaSettingsConfigRule")["InputParameters"].pop("runtime"),
        checks.check_config_rule,
    ),
    "no WebACL ARN in Parameter Store": (
        lambda s: s.template["Resources"].pop("WebAclArnParameter"),
        checks.check_ssm_parameters,
    ),
    "no dashboard URL output": (lambda s: s.template["Outputs"].pop("DashboardUrl"), checks.check_outputs),
    "undocumented parameter": (
        lambda s: s.template["Parameters"]["AlarmEmail"].pop("Description"),
        checks.check_parameters_documented,
    ),
    "hard-coded function name": (
        lambda s: _resource(s, "UserFunction").update(FunctionName="users"),
        checks.check_named_from_stack_and_environment,
    ),
    "WAF association on a string stage ARN": (
        lambda s: _resource(s, "WebAclAssociation").update(
            ResourceArn={
                "Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}::/restapis/${Api}/stages/"
                "${Environment}"
            }
        ),
        checks.check_waf_association_depends_on_stage,
    ),
    "WAF without SQLi rules": (
        lambda s: s.waf["Resources"]["WebAcl"]["Properties"]["Rules"].pop(5),
        checks.check_waf_rules,
    ),
    "WAF rule without metrics": (
        lambda s: s.waf["Resources"]["WebAcl"]["Properties"]["Rules"][2]["VisibilityConfig"].update(
            CloudWatchMetricsEnabled=False
        ),
        checks.check_waf_rules,
    ),
    "WAF logs the Authorization header": (
        lambda s: s.waf["Resources"]["WebAclLogging"]["Properties"].pop("RedactedFields"),
        checks.check_waf_logging,
    ),
    "alarm topic unencrypted": (
        lambda s: _monitoring(s, "AlarmTopic").pop("KmsMasterKeyId"),
        checks.check_monitoring_topic,
    ),
    "products function without throttle alarm": (
        lambda s: s.monitoring["Resources"].pop("ProductFunctionThrottleRateAlarm"),
        checks.check_alarms_per_function,
    ),
    "5XX alarm on a raw count": (_rate_alarm_returns_raw_count, checks.check_alarms_are_rates),
    "monitoring refs the API": (
        lambda s: s.template["Resources"]["Monitoring"]["Properties"]["Parameters"].update(
            ApiName={"Ref": "Api"}
        ),
        checks.check_monitoring_inputs_are_names,
    ),
    "dashboard without WAF": (
        lambda s: _monitoring(s, "Dashboard").update(
            DashboardBody={
                "Fn::Sub": _monitoring(s, "Dashboard")["DashboardBody"]["Fn::Sub"].replace(
                    "AWS/WAFV2", "AWS/Other"
                )
            }
        ),
        checks.check_dashboard,
    ),
}


@pytest.mark.parametrize("case", list(MUTATIONS))
def test_check_fails_when_property_removed(case: str) -> None:
    mutate, check = MUTATIONS[case]
    sources = load_sources()
    mutate(sources)
    stack = translate(sources)
    with pytest.raises((AssertionError, KeyError, StopIteration)):
        check(stack)


def test_every_check_has_a_mutation() -> None:
    covered = {check for _, check in MUTATIONS.values()}
    assert set(checks.STACK_CHECKS) <= covered, [c.__name__ for c in set(checks.STACK_CHECKS) - covered]


@pytest.mark.parametrize(
    "literal",
    ["arn:aws:s3:::bucket", "arn:aws-cn:iam::", "123456789012", "eu-west-1", "us-east-2", "ap-southeast-1"],
)
def test_literal_check_fails_on_literals(literal: str) -> None:
    texts = {name: read(name) for name in SOURCE_FILES}
    texts["template.yaml"] += f"\n# {literal}\n"
    with pytest.raises(AssertionError):
        checks.check_no_literals(texts)

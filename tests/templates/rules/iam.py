"""Least privilege: no wildcard where an ARN is known, each function reaches only the tables it is told about,
and the key lets AWS services use it only for this stack's own log groups and alarms.

test_least_privilege.py goes further for the actions: none that no code path uses.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from tests.templates.rules.base import (
    Check,
    Mutations,
    function,
    functions,
    refers_to,
    resource,
    role_statements,
    statement,
    sub_text,
    tables,
    tables_named_in_environment,
)
from tests.templates.stack import Sources, Stack, as_list

# AWS offers no resource-level permissions for these actions
# (https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html,
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscodedeploy.html).
RESOURCE_STAR_ALLOWED = {
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "codedeploy:PutLifecycleEventHookExecutionStatus",
}
LOG_GROUP_ARN = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:"


def check_iam_resources_scoped(stack: Stack) -> None:
    documents = []
    for name, role in stack.of_type("AWS::IAM::Role").items():
        documents += [(name, p["PolicyDocument"]) for p in role["Properties"].get("Policies", [])]
    for name, policy in stack.of_type("AWS::IAM::ManagedPolicy").items():
        documents.append((name, policy["Properties"]["PolicyDocument"]))
    assert documents
    for name, document in documents:
        for grant in as_list(document["Statement"]):
            actions = set(as_list(grant["Action"]))
            if "*" in as_list(grant["Resource"]):
                assert actions <= RESOURCE_STAR_ALLOWED, f"{name}: {sorted(actions)} on Resource '*'"
            assert not any("*" in action for action in actions), (
                f"{name}: wildcard action in {sorted(actions)}"
            )


def check_functions_reach_only_their_tables(stack: Stack) -> None:
    for name in functions(stack):
        role = function(stack, name)["Role"]["Fn::GetAtt"][0]
        statements = role_statements(stack, role)
        touched = set()
        for grant in statements:
            if any(str(action).startswith("dynamodb:") for action in as_list(grant["Action"])):
                for target in as_list(grant["Resource"]):
                    reached = [table for table in tables(stack) if refers_to(target, table)]
                    assert reached, f"{name}: DynamoDB access to {target}"
                    touched.update(reached)
        told = tables_named_in_environment(stack, name)
        assert touched == told, f"{name} reaches {sorted(touched)}, its environment names {sorted(told)}"
        # The lazily read cursor key: the secret and the CMK it is encrypted with, nothing else.
        for action, target in (
            ("secretsmanager:GetSecretValue", {"Ref": "CursorSigningSecret"}),
            ("kms:Decrypt", {"Fn::GetAtt": ["EncryptionKey", "Arn"]}),
        ):
            granted = [grant for grant in statements if action in as_list(grant["Action"])]
            assert granted, f"{name} cannot {action}"
            assert all(grant["Resource"] == target for grant in granted), f"{name}: {action} beyond {target}"


def check_key_policy_is_scoped(stack: Stack) -> None:
    statements = stack.resources["EncryptionKey"]["Properties"]["KeyPolicy"]["Statement"]
    for grant in statements:
        assert grant["Principal"] not in ("*", {"AWS": "*"}), f"{grant.get('Sid')}: anyone may use the key"
        if "Service" in grant["Principal"]:
            assert grant.get("Condition"), f"{grant.get('Sid')}: a service may use the key for anything"
    logs = statement(statements, "CloudWatchLogsForThisStack")
    contexts = logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert all(sub_text(c).startswith(LOG_GROUP_ARN) for c in contexts), "logs use is not tied to log groups"
    alarms = statement(statements, "CloudWatchAlarmsPublishToEncryptedTopic")
    assert alarms["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}


def check_key_policy_covers_every_log_group(stack: Stack) -> None:
    """CloudWatch Logs may use the key for exactly the log groups this stack creates (else creation fails)."""
    key = stack.resources["EncryptionKey"]["Properties"]["KeyPolicy"]
    logs = statement(key["Statement"], "CloudWatchLogsForThisStack")
    patterns = [
        sub_text(p).removeprefix(LOG_GROUP_ARN)
        for p in logs["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    ]
    names = [sub_text(g["Properties"]["LogGroupName"]) for g in stack.of_type("AWS::Logs::LogGroup").values()]
    names.append(sub_text(stack.resources["Waf"]["Properties"]["Parameters"]["LogGroupName"]))
    for name in names:
        assert any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns), f"the key policy omits {name}"


CHECKS: list[Check] = [
    check_iam_resources_scoped,
    check_functions_reach_only_their_tables,
    check_key_policy_is_scoped,
    check_key_policy_covers_every_log_group,
]


def _own_table(sources: Sources, role: str) -> dict[str, Any]:
    return statement(resource(sources, role)["Policies"][0]["PolicyDocument"]["Statement"], "OwnTable")


MUTATIONS: Mutations = {
    "table access on Resource '*'": (
        lambda s: _own_table(s, "UserFunctionRole").update(Resource="*"),
        check_iam_resources_scoped,
    ),
    "wildcard table action": (
        lambda s: _own_table(s, "UserFunctionRole").update(Action="dynamodb:*"),
        check_iam_resources_scoped,
    ),
    "products function reaches the users table": (
        lambda s: _own_table(s, "ProductFunctionRole").update(Resource={"Fn::GetAtt": ["UsersTable", "Arn"]}),
        check_functions_reach_only_their_tables,
    ),
    "secret readable beyond the cursor key": (
        lambda s: statement(
            resource(s, "FunctionCommonPolicy")["PolicyDocument"]["Statement"], "ReadCursorSigningKey"
        ).update(
            Resource={
                "Fn::Sub": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:*"
            }
        ),
        check_functions_reach_only_their_tables,
    ),
    "key policy lets CloudWatch Logs use the key for any context": (
        lambda s: statement(
            resource(s, "EncryptionKey")["KeyPolicy"]["Statement"], "CloudWatchLogsForThisStack"
        ).pop("Condition"),
        check_key_policy_is_scoped,
    ),
    "log group outside the key policy's names": (
        lambda s: resource(s, "ApiAccessLogGroup").update(LogGroupName="/custom/access-logs"),
        check_key_policy_covers_every_log_group,
    ),
}

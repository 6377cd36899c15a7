"""CodeDeploy's role is the stack's own (docs/deployments.md): not SAM's default, which the AWS managed policy
lets reach any alias, any alarm and any hook named CodeDeployHook_*, but the few actions a Lambda deployment
of this stack takes, on its own aliases, its hook and its rollback alarms."""

from __future__ import annotations

import fnmatch
from typing import Any

from tests.templates.rules.base import (
    Check,
    Mutations,
    function_globals,
    functions,
    nested,
    resource,
    statement,
    sub_text,
)
from tests.templates.rules.deployments import hook_of, rollback_alarm
from tests.templates.stack import Sources, Stack, as_list

# What AWSCodeDeployRoleForLambda grants that a Lambda deployment of this stack uses (no S3 AppSpec, no SNS).
CODEDEPLOY_ACTIONS = {
    "lambda:GetAlias",
    "lambda:UpdateAlias",
    "lambda:GetProvisionedConcurrencyConfig",
    "lambda:InvokeFunction",
    "cloudwatch:DescribeAlarms",
}


def check_codedeploy_role_is_the_stacks_own(stack: Stack) -> None:
    """Not SAM's default role (AWS managed policy: any alias, any alarm, hooks named CodeDeployHook_*)."""
    assert "CodeDeployServiceRole" not in stack.resources, "SAM's default CodeDeploy role is back"
    roles = {
        stack.resources[f"{name}DeploymentGroup"]["Properties"]["ServiceRoleArn"]["Fn::GetAtt"][0]
        for name in functions(stack)
    }
    assert len(roles) == 1, f"deployment roles: {sorted(roles)}"
    role = stack.resources[roles.pop()]["Properties"]
    assert not role.get("ManagedPolicyArns"), "the CodeDeploy role attaches managed policies"
    trust = as_list(role["AssumeRolePolicyDocument"]["Statement"])
    assert [s["Principal"] for s in trust] == [{"Service": "codedeploy.amazonaws.com"}]
    grants = [s for p in role["Policies"] for s in as_list(p["PolicyDocument"]["Statement"])]
    by_action: dict[str, list[Any]] = {}
    for grant in grants:
        for action in as_list(grant["Action"]):
            by_action.setdefault(action, []).extend(as_list(grant["Resource"]))
    assert set(by_action) <= CODEDEPLOY_ACTIONS, sorted(set(by_action) - CODEDEPLOY_ACTIONS)
    assert by_action["lambda:InvokeFunction"] == [{"Fn::GetAtt": [hook_of(stack), "Arn"]}]
    own = [{"Fn::GetAtt": [name, "Arn"]} for name in functions(stack)]
    assert sorted(map(str, by_action["lambda:UpdateAlias"])) == sorted(map(str, own))
    (pattern,) = [sub_text(arn).split(":alarm:")[1] for arn in by_action["cloudwatch:DescribeAlarms"]]
    for name in functions(stack):
        alarm_name = sub_text(rollback_alarm(stack, name)["AlarmName"]).replace(
            "${NamePrefix}", "${AWS::StackName}"
        )
        for parameter in ("UserFunctionVersion", "ProductFunctionVersion"):
            alarm_name = alarm_name.replace(f"${{{parameter}}}", "7")
        assert fnmatch.fnmatchcase(alarm_name, pattern), f"CodeDeploy cannot read {alarm_name} ({pattern})"


CHECKS: list[Check] = [check_codedeploy_role_is_the_stacks_own]


# ---------------------------------------------------------------------------------------------- mutations
def _codedeploy_statements(sources: Sources) -> list[dict[str, Any]]:
    return list(resource(sources, "DeploymentRole")["Policies"][0]["PolicyDocument"]["Statement"])


MUTATIONS: Mutations = {
    "SAM's default CodeDeploy role": (
        lambda s: function_globals(s)["DeploymentPreference"].pop("Role"),
        check_codedeploy_role_is_the_stacks_own,
    ),
    "CodeDeploy may invoke any function": (
        lambda s: statement(_codedeploy_statements(s), "RunPreTrafficHook").update(
            Resource={"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:*"}
        ),
        check_codedeploy_role_is_the_stacks_own,
    ),
    "rollback alarm named where CodeDeploy cannot read it": (
        lambda s: nested(s.monitoring, "UserFunctionVersionFailureRateAlarm").update(
            AlarmName={"Fn::Sub": "${NamePrefix}-users-v${UserFunctionVersion}-failures"}
        ),
        check_codedeploy_role_is_the_stacks_own,
    ),
}

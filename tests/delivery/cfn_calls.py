"""The IAM requests CloudFormation makes with the execution role while it handles a deployment's resources.

For every resource of a `World`, every permission its schema lists for create, read, update and delete
becomes one request per resource the call can touch: the resource itself or what it points at (its key, its
role, its code in the artifacts bucket), chosen by the action's ARN formats. An action with no resource-level
permissions is requested on "*". A call whose target cannot be found has no requests, and the tests treat it
as not allowed until it is explained.

The request context carries what IAM would see:
- aws:ResourceTag/* of the target: the template's tags, plus CloudFormation's system tags only where the
  schema says it applies them. While a resource is being created (and read back at the end of its create),
  its own tags are left out: tags can take minutes to reach authorization
  (https://docs.aws.amazon.com/kms/latest/developerguide/tag-authorization.html), so nothing on the create
  path may depend on them. REST API children inherit the RestApi's tags
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-tagging-supported-resources.html).
- aws:RequestTag/* and aws:TagKeys on the calls that create or tag the resource.
- iam:PassedToService for iam:PassRole, kms:ViaService for KMS calls a service makes for the caller, and
  iam:PolicyARN for attaching managed policies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.delivery.cfn_schemas import (
    HANDLERS,
    arn_formats,
    is_read,
    known_action,
    permissions,
    schema,
    service_of,
)
from tests.delivery.cfn_world import Instance, World
from tests.delivery.iam_policy import Request

# CloudWatch Logs authorizes these on log-group:* when a service's logs are delivered to a log group, not on
# the group's own ARN ("Logs sent to CloudWatch Logs", in "Enabling logging from AWS services":
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-infrastructure-CWL.html).
LOG_GROUP_WILDCARD = ("logs:DescribeLogGroups", "logs:DescribeResourcePolicies", "logs:PutResourcePolicy")
TAGGING_VERBS = ("Tag", "AddTags", "PutBucketTagging")
# A service that creates or retires a grant for the caller sets kms:GrantIsForAWSResource
# (https://docs.aws.amazon.com/kms/latest/developerguide/conditions-kms.html#conditions-kms-grant-is-for-aws-resource).
GRANT_ACTIONS = ("kms:CreateGrant", "kms:RevokeGrant", "kms:ListGrants")


@dataclass(frozen=True)
class Call:
    instance: Instance
    handler: str
    permission: str

    @property
    def reads(self) -> bool:
        return self.handler == "read" or is_read(self.permission)

    @property
    def key(self) -> tuple[str, str]:
        return (self.instance.type, self.permission)


def used_services(world: World) -> set[str]:
    return {service_of(instance.type) for instance in world.instances}


def _applies(instance: Instance, permission: str) -> bool:
    """An alias's handler calls CodeDeploy only for an alias CodeDeploy shifts (SAM's DeploymentPreference
    gives it a CodeDeployLambdaAliasUpdate update policy)."""
    if instance.type == "AWS::Lambda::Alias" and permission.startswith("codedeploy:"):
        return "CodeDeployLambdaAliasUpdate" in instance.raw.get("UpdatePolicy", {})
    return True


def calls(world: World) -> list[Call]:
    """Every handler permission of every resource, for the services the stack uses."""
    services = used_services(world)
    return [
        Call(instance, handler, permission)
        for instance in world.instances
        for handler in HANDLERS
        for permission in permissions(instance.type, handler)
        if permission.split(":")[0] in services and _applies(instance, permission)
    ]


def targets(world: World, call: Call) -> list[str]:
    d = world.deployment
    if call.permission in LOG_GROUP_WILDCARD:
        return [d.arn("logs", "log-group:*")]
    if (
        call.permission == "kms:TagResource"
        and call.handler == "create"
        and call.instance.type == "AWS::KMS::Key"
    ):
        # Tagging a key as it is created needs kms:TagResource on every key of the account and Region
        # (https://docs.aws.amazon.com/kms/latest/developerguide/tag-permissions.html).
        return [d.arn("kms", "key/*")]
    kinds = arn_formats(call.permission)
    if not kinds:
        return ["*"]
    found: list[str] = []
    for formats in kinds:
        # The resource itself when the action is about its kind (a WebACL association's stage, not the API the
        # stage belongs to), else what it points at (a function's key, role, code).
        own = [arn for arn in call.instance.arns if any(f.match(arn) for f in formats)]
        found += own or [arn for arn in call.instance.related if any(f.match(arn) for f in formats)]
    return list(dict.fromkeys(found))


def _owner(world: World, arn: str) -> Instance | None:
    return next((i for i in world.instances if arn in i.arns and i.type != "AWS::S3::BucketPolicy"), None)


def _resource_tags(world: World, call: Call, target: str, settled: bool) -> dict[str, str]:
    owner = _owner(world, target)
    if owner is None or (not settled and owner is call.instance and call.handler in {"create", "read"}):
        return {}
    tags = {}
    for api in world.instances:
        if api.type == "AWS::ApiGateway::RestApi" and target.startswith(f"{api.arns[0]}/"):
            tags.update(api.tags)
    tags.update(owner.tags)
    return tags


def _carries_tags(call: Call) -> bool:
    action = call.permission.split(":", 1)[1]
    creating = call.handler == "create" and action.startswith(("Create", "Publish"))
    tagging = call.handler in {"create", "update"} and action.startswith(TAGGING_VERBS)
    return (creating or tagging) and bool(schema(call.instance.type).get("tagging", {}).get("taggable"))


def context(world: World, call: Call, target: str, settled: bool = False) -> dict[str, Any]:
    """`settled`: the resource already exists with its tags (another role looking at it later)."""
    tags = _resource_tags(world, call, target, settled)
    found: dict[str, Any] = {f"aws:ResourceTag/{k}": v for k, v in tags.items()}
    if _carries_tags(call) and call.instance.tags:
        found |= {f"aws:RequestTag/{k}": v for k, v in call.instance.tags.items()}
        found["aws:TagKeys"] = sorted(call.instance.tags)
    service = service_of(call.instance.type)
    if call.permission == "iam:PassRole":
        found["iam:PassedToService"] = f"{service}.amazonaws.com"
    if call.permission.startswith("kms:") and service != "kms":
        found["kms:ViaService"] = f"{service}.{world.deployment.region}.amazonaws.com"
        if call.permission in GRANT_ACTIONS:
            found["kms:GrantIsForAWSResource"] = "true"
    if (
        call.permission == "route53:ChangeResourceRecordSets"
        and call.instance.type == "AWS::Route53::RecordSet"
    ):
        found |= _record_changes(call.instance.properties)
    return found


def _record_changes(record: dict[str, Any]) -> dict[str, list[str]]:
    """What Route 53 puts in the context of a change to one record set: its name (lower case, without the
    final dot) and its type
    (https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/specifying-rrset-conditions.html)."""
    name = str(record["Name"]).lower().removesuffix(".")
    return {
        "route53:ChangeResourceRecordSetsNormalizedRecordNames": [name],
        "route53:ChangeResourceRecordSetsRecordTypes": [str(record["Type"]).upper()],
    }


def requests(world: World, call: Call, settled: bool = False) -> list[Request] | None:
    """The requests one call makes. None: its target cannot be found, or IAM does not know the action. Empty:
    this resource gives the call nothing to do (attaching managed policies to a role that has none)."""
    found = targets(world, call) if known_action(call.permission) else []
    if not found:
        return None
    attaching = call.permission in {"iam:AttachRolePolicy", "iam:DetachRolePolicy"}
    if attaching and call.instance.type == "AWS::IAM::Role":
        policies = call.instance.properties.get("ManagedPolicyArns", [])
        return [
            Request(
                call.permission, target, {**context(world, call, target, settled), "iam:PolicyARN": policy}
            )
            for target in found
            for policy in policies
        ]
    return [Request(call.permission, target, context(world, call, target, settled)) for target in found]

"""Per type: what Ref and Fn::GetAtt return, and the ARNs IAM sees for a resource (cfn_world.py's rules).

ARN formats are those of the Service Authorization Reference (cfn-lint ships them as Policies.json); Ref and
GetAtt values are those of each type's "Return values" in the CloudFormation template reference.
Generated IDs (KMS key IDs, REST API IDs, WebACL IDs) are derived from the logical ID, so they are stable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

if TYPE_CHECKING:
    from tests.delivery.cfn_world import Instance, World


def _id(instance: Instance, length: int) -> str:
    from tests.delivery.cfn_world import _digest

    return _digest(instance.stack.name, instance.logical_id)[:length]


def _key_id(instance: Instance) -> str:
    d = _id(instance, 32)
    return f"{d[:8]}-{d[8:12]}-{d[12:16]}-{d[16:20]}-{d[20:]}"


def _function_arn(world: World, value: str) -> str:
    return value if value.startswith("arn:") else world.deployment.arn("lambda", f"function:{value}")


def _unqualified(function_arn: str) -> str:
    return ":".join(function_arn.split(":")[:7])


def ref_of(world: World, instance: Instance) -> Any:  # noqa: PLR0911
    kind, props = instance.type, instance.properties
    if kind == "AWS::KMS::Key":
        return _key_id(instance)
    if kind in {"AWS::ApiGateway::RestApi", "AWS::ApiGateway::Deployment", "AWS::ApiGateway::Account"}:
        return _id(instance, 10)
    if kind == "AWS::CloudFormation::Stack":
        return world.nested_stack(instance).arn
    if kind == "AWS::Lambda::Version":
        return f"{_function_arn(world, props['FunctionName'])}:1"
    if kind == "AWS::Lambda::Alias":
        return f"{_function_arn(world, props['FunctionName'])}:{props['Name']}"
    if kind in {"AWS::WAFv2::WebACL", "AWS::WAFv2::IPSet", "AWS::WAFv2::RegexPatternSet"}:
        return f"{instance.name}|{_key_id(instance)}|REGIONAL"
    if kind in {
        "AWS::Lambda::LayerVersion",
        "AWS::SecretsManager::Secret",
        "AWS::IAM::ManagedPolicy",
        "AWS::SNS::Topic",
    }:
        return arns_of(world, instance)[0]
    if kind in {"AWS::CloudFormation::WaitConditionHandle", "AWS::Lambda::Permission"}:
        return f"{instance.logical_id}-{_id(instance, 8)}"
    if kind == "AWS::ApiGateway::BasePathMapping":
        return f"{props['DomainName']}/{props.get('BasePath') or '(none)'}"
    return instance.name


def arns_of(world: World, instance: Instance) -> list[str]:
    kind = instance.type
    rule = _ARN_RULES.get(kind) or (_apigateway if kind.startswith("AWS::ApiGateway::") else None)
    if rule is None:
        raise KeyError(f"{kind}: no ARN rule in tests/delivery/cfn_naming.py")
    return rule(world, instance)


def _arn(service: str, resource: Callable[[Instance], str], *, region: bool = True) -> _ArnRule:
    """One ARN of `service` in the deployment's account (and Region unless `region` is False)."""
    return lambda world, instance: [world.deployment.arn(service, resource(instance), region=region)]


def _global(resource: Callable[[Instance], str]) -> _ArnRule:
    """One ARN with neither Region nor account (S3, Route 53)."""
    return lambda world, instance: [f"arn:{world.deployment.partition}:{resource(instance)}"]


def _qualified(world: World, instance: Instance) -> list[str]:
    qualified = ref_of(world, instance)
    return [qualified, _unqualified(qualified)]


def _invoke_config(world: World, instance: Instance) -> list[str]:
    function = _function_arn(world, instance.properties["FunctionName"])
    return [f"{function}:{instance.properties['Qualifier']}", function]


def _waf(world: World, instance: Instance) -> list[str]:
    kind_name = instance.type.removeprefix("AWS::WAFv2::").lower()
    return [world.deployment.arn("wafv2", f"regional/{kind_name}/{instance.name}/{_key_id(instance)}")]


def _policy_roles(world: World, instance: Instance) -> list[str]:
    """An inline policy: its calls are authorized on the roles it is put on."""
    roles = instance.properties.get("Roles", [])
    return [world.deployment.arn("iam", f"role/{role}", region=False) for role in roles]


def _layer(world: World, instance: Instance) -> list[str]:
    d = world.deployment
    return [d.arn("lambda", f"layer:{instance.name}:1"), d.arn("lambda", f"layer:{instance.name}")]


def _nested_stack(world: World, instance: Instance) -> list[str]:
    return [world.nested_stack(instance).arn]


def _props(*names: str) -> _ArnRule:
    """ARNs the resource's properties already hold."""
    return lambda _world, instance: [instance.properties[name] for name in names]


_ArnRule = Callable[["World", "Instance"], list[str]]
_ARN_RULES: dict[str, _ArnRule] = {
    "AWS::KMS::Key": _arn("kms", lambda i: f"key/{_key_id(i)}"),
    "AWS::KMS::Alias": _arn("kms", lambda i: i.name),
    "AWS::DynamoDB::Table": _arn("dynamodb", lambda i: f"table/{i.name}"),
    "AWS::SecretsManager::Secret": _arn("secretsmanager", lambda i: f"secret:{i.name}-AbCdEf"),
    "AWS::S3::Bucket": _global(lambda i: f"s3:::{i.name}"),
    "AWS::S3::BucketPolicy": _global(lambda i: f"s3:::{i.properties['Bucket']}"),
    "AWS::IAM::ManagedPolicy": _arn(
        "iam", lambda i: f"policy{i.properties.get('Path', '/')}{i.name}", region=False
    ),
    "AWS::IAM::Role": _arn("iam", lambda i: f"role{i.properties.get('Path', '/')}{i.name}", region=False),
    "AWS::IAM::Policy": _policy_roles,
    # Record sets have no ARN: their calls are authorized on the zone.
    "AWS::Route53::RecordSet": _global(lambda i: f"route53:::hostedzone/{i.properties['HostedZoneId']}"),
    "AWS::Logs::LogGroup": _arn("logs", lambda i: f"log-group:{i.name}"),
    # Metric filter calls are authorized on their log group.
    "AWS::Logs::MetricFilter": _arn("logs", lambda i: f"log-group:{i.properties['LogGroupName']}"),
    "AWS::Lambda::Function": _arn("lambda", lambda i: f"function:{i.name}"),
    "AWS::Lambda::Version": _qualified,
    "AWS::Lambda::Alias": _qualified,
    "AWS::Lambda::EventInvokeConfig": _invoke_config,
    "AWS::Lambda::Permission": lambda world, instance: [
        _function_arn(world, instance.properties["FunctionName"])
    ],
    "AWS::Lambda::LayerVersion": _layer,
    "AWS::CloudFormation::Stack": _nested_stack,
    "AWS::CloudFormation::WaitConditionHandle": lambda _world, _instance: [],
    "AWS::CodeDeploy::Application": _arn("codedeploy", lambda i: f"application:{i.name}"),
    "AWS::CodeDeploy::DeploymentGroup": _arn(
        "codedeploy", lambda i: f"deploymentgroup:{i.properties['ApplicationName']}/{i.name}"
    ),
    "AWS::Config::ConfigRule": _arn("config", lambda i: f"config-rule/config-rule-{_id(i, 6)}"),
    "AWS::SSM::Parameter": _arn("ssm", lambda i: f"parameter/{i.name.lstrip('/')}"),
    "AWS::SNS::Topic": _arn("sns", lambda i: i.name),
    "AWS::SNS::TopicPolicy": lambda _world, instance: list(instance.properties["Topics"]),
    "AWS::SNS::Subscription": _props("TopicArn"),
    "AWS::CloudWatch::Alarm": _arn("cloudwatch", lambda i: f"alarm:{i.name}"),
    "AWS::CloudWatch::CompositeAlarm": _arn("cloudwatch", lambda i: f"alarm:{i.name}"),
    "AWS::CloudWatch::Dashboard": _arn("cloudwatch", lambda i: f"dashboard/{i.name}", region=False),
    "AWS::WAFv2::WebACL": _waf,
    "AWS::WAFv2::IPSet": _waf,
    "AWS::WAFv2::RegexPatternSet": _waf,
    "AWS::WAFv2::LoggingConfiguration": _props("ResourceArn"),
    "AWS::WAFv2::WebACLAssociation": _props("ResourceArn", "WebACLArn"),
}


def _apigateway(world: World, instance: Instance) -> list[str]:
    base = f"arn:{world.deployment.partition}:apigateway:{world.deployment.region}::"
    props = instance.properties
    if instance.type == "AWS::ApiGateway::Account":
        return [f"{base}/account"]
    if instance.type == "AWS::ApiGateway::RestApi":
        return [f"{base}/restapis/{ref_of(world, instance)}"]
    if instance.type == "AWS::ApiGateway::Deployment":
        return [f"{base}/restapis/{props['RestApiId']}/deployments/{ref_of(world, instance)}"]
    if instance.type == "AWS::ApiGateway::Stage":
        return [f"{base}/restapis/{props['RestApiId']}/stages/{instance.name}"]
    if instance.type == "AWS::ApiGateway::DomainName":
        return [f"{base}/domainnames/{instance.name}"]
    if instance.type == "AWS::ApiGateway::BasePathMapping":
        return [
            f"{base}/domainnames/{props['DomainName']}/basepathmappings/{props.get('BasePath') or '(none)'}"
        ]
    raise KeyError(f"{instance.type}: no ARN rule in tests/delivery/cfn_naming.py")


def getatt_of(world: World, instance: Instance, attribute: str) -> Any:  # noqa: PLR0911
    kind = instance.type
    if kind == "AWS::CloudFormation::Stack" and attribute.startswith("Outputs."):
        return world.nested_stack(instance).output(attribute.removeprefix("Outputs."))
    if attribute == "Arn" and kind == "AWS::Logs::LogGroup":
        return f"{arns_of(world, instance)[0]}:*"
    if attribute in {"Arn", "TopicArn", "AliasArn", "LayerVersionArn", "PolicyArn"}:
        return arns_of(world, instance)[0]
    if attribute == "Version" and kind == "AWS::Lambda::Version":
        return "1"
    if attribute in {"Id", "KeyId"} and kind.startswith(("AWS::WAFv2::", "AWS::KMS::Key")):
        return _key_id(instance)
    if attribute == "RootResourceId":
        return _id(instance, 8)
    # A regional domain's target: its own d-<id> host and the Region's API Gateway hosted zone.
    if (kind, attribute) == ("AWS::ApiGateway::DomainName", "RegionalDomainName"):
        return f"d-{_id(instance, 10)}.execute-api.{world.deployment.region}.amazonaws.com"
    if (kind, attribute) == ("AWS::ApiGateway::DomainName", "RegionalHostedZoneId"):
        return "Z1UJRXOUMOOFQ8"
    raise KeyError(f"{kind}.{attribute}: no GetAtt rule in tests/delivery/cfn_naming.py")


def extra_related(world: World, instance: Instance) -> list[str]:
    """What a resource reaches that its properties do not name as an ARN."""
    d, kind = world.deployment, instance.type
    found: list[str] = []
    # Code, layer content and nested templates are artifacts `sam package` uploaded.
    if kind in {"AWS::Lambda::Function", "AWS::Lambda::LayerVersion", "AWS::CloudFormation::Stack"}:
        found.append(d.artifact_object)
    # A nested stack runs with its parent's service role: creating it passes that role to CloudFormation.
    if kind == "AWS::CloudFormation::Stack" and d.execution_role_arn:
        found.append(d.execution_role_arn)
    if kind == "AWS::CodeDeploy::DeploymentGroup":
        found.append(d.arn("codedeploy", f"deploymentconfig:{instance.properties['DeploymentConfigName']}"))
    # A domain name is tagged through the /tags/<its ARN, URL-encoded> resource (apigateway:PUT on Tags).
    if kind == "AWS::ApiGateway::DomainName":
        base = f"arn:{d.partition}:apigateway:{d.region}::"
        found.append(f"{base}/tags/{quote(arns_of(world, instance)[0], safe='')}")
    # A record set's create and update wait on the change Route 53 returns (GetChange on change/<id>).
    if kind == "AWS::Route53::RecordSet":
        found.append(f"arn:{d.partition}:route53:::change/C0123456789ABCDEF")
    # An alias that CodeDeploy shifts reaches the deployment config of its deployment group.
    update = instance.raw.get("UpdatePolicy", {}).get("CodeDeployLambdaAliasUpdate", {})
    group = update.get("DeploymentGroupName", {}).get("Ref") if isinstance(update, dict) else None
    if group in instance.stack.instances:
        found += extra_related(world, instance.stack.instances[group])
    return found

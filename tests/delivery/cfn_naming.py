"""Per type: what Ref and Fn::GetAtt return, and the ARNs IAM sees for a resource (cfn_world.py's rules).

ARN formats are those of the Service Authorization Reference (cfn-lint ships them as Policies.json); Ref and
GetAtt values are those of each type's "Return values" in the CloudFormation template reference.
Generated IDs (KMS key IDs, REST API IDs, WebACL IDs) are derived from the logical ID, so they are stable.
"""

from __future__ import annotations

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


def arns_of(world: World, instance: Instance) -> list[str]:  # noqa: PLR0911, PLR0912
    d, kind, props, name = world.deployment, instance.type, instance.properties, instance.name
    if kind == "AWS::KMS::Key":
        return [d.arn("kms", f"key/{_key_id(instance)}")]
    if kind == "AWS::KMS::Alias":
        return [d.arn("kms", name)]
    if kind == "AWS::DynamoDB::Table":
        return [d.arn("dynamodb", f"table/{name}")]
    if kind == "AWS::SecretsManager::Secret":
        return [d.arn("secretsmanager", f"secret:{name}-AbCdEf")]
    if kind == "AWS::S3::Bucket":
        return [f"arn:{d.partition}:s3:::{name}"]
    if kind == "AWS::S3::BucketPolicy":
        return [f"arn:{d.partition}:s3:::{props['Bucket']}"]
    if kind == "AWS::IAM::ManagedPolicy":
        return [d.arn("iam", f"policy{props.get('Path', '/')}{name}", region=False)]
    if kind == "AWS::IAM::Role":
        return [d.arn("iam", f"role{props.get('Path', '/')}{name}", region=False)]
    if kind == "AWS::IAM::Policy":  # an inline policy: its calls are authorized on the roles it is put on
        return [d.arn("iam", f"role/{role}", region=False) for role in props.get("Roles", [])]
    if kind == "AWS::Route53::RecordSet":  # record sets have no ARN: their calls are authorized on the zone
        return [f"arn:{d.partition}:route53:::hostedzone/{props['HostedZoneId']}"]
    if kind == "AWS::Logs::LogGroup":
        return [d.arn("logs", f"log-group:{name}")]
    if kind == "AWS::Logs::MetricFilter":  # metric filter calls are authorized on their log group
        return [d.arn("logs", f"log-group:{props['LogGroupName']}")]
    if kind.startswith("AWS::ApiGateway::"):
        return _apigateway(world, instance)
    if kind == "AWS::Lambda::Function":
        return [d.arn("lambda", f"function:{name}")]
    if kind in {"AWS::Lambda::Version", "AWS::Lambda::Alias"}:
        qualified = ref_of(world, instance)
        return [qualified, _unqualified(qualified)]
    if kind == "AWS::Lambda::EventInvokeConfig":
        function = _function_arn(world, props["FunctionName"])
        return [f"{function}:{props['Qualifier']}", function]
    if kind == "AWS::Lambda::Permission":
        return [_function_arn(world, props["FunctionName"])]
    if kind == "AWS::Lambda::LayerVersion":
        return [d.arn("lambda", f"layer:{name}:1"), d.arn("lambda", f"layer:{name}")]
    if kind == "AWS::CloudFormation::Stack":
        return [world.nested_stack(instance).arn]
    if kind == "AWS::CloudFormation::WaitConditionHandle":
        return []
    if kind == "AWS::CodeDeploy::Application":
        return [d.arn("codedeploy", f"application:{name}")]
    if kind == "AWS::CodeDeploy::DeploymentGroup":
        return [d.arn("codedeploy", f"deploymentgroup:{props['ApplicationName']}/{name}")]
    if kind == "AWS::Config::ConfigRule":
        return [d.arn("config", f"config-rule/config-rule-{_id(instance, 6)}")]
    if kind == "AWS::SSM::Parameter":
        return [d.arn("ssm", f"parameter/{name.lstrip('/')}")]
    if kind == "AWS::SNS::Topic":
        return [d.arn("sns", name)]
    if kind == "AWS::SNS::TopicPolicy":
        return list(props["Topics"])
    if kind == "AWS::SNS::Subscription":
        return [props["TopicArn"]]
    if kind in {"AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm"}:
        return [d.arn("cloudwatch", f"alarm:{name}")]
    if kind == "AWS::CloudWatch::Dashboard":
        return [d.arn("cloudwatch", f"dashboard/{name}", region=False)]
    if kind in {"AWS::WAFv2::WebACL", "AWS::WAFv2::IPSet", "AWS::WAFv2::RegexPatternSet"}:
        kind_name = kind.removeprefix("AWS::WAFv2::").lower()
        return [d.arn("wafv2", f"regional/{kind_name}/{name}/{_key_id(instance)}")]
    if kind == "AWS::WAFv2::LoggingConfiguration":
        return [props["ResourceArn"]]
    if kind == "AWS::WAFv2::WebACLAssociation":
        return [props["ResourceArn"], props["WebACLArn"]]
    raise KeyError(f"{kind}: no ARN rule in tests/delivery/cfn_naming.py")


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

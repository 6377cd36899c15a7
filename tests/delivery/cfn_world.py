"""The resources one deployment of the application creates, as CloudFormation would name them.

A `World` holds the SAM-translated root stack and its nested stacks (waf.yaml, monitoring.yaml) for one
environment, with every parameter that adds an optional resource or an outside ARN switched on (a custom
domain of the environment's own with its alias record, the ADOT layer with Application Signals). Each
`Instance` knows its physical name, its ARNs, its tags (the template's, plus CloudFormation's
`aws:cloudformation:*` system tags only where the type's schema says CloudFormation applies them) and the ARNs
its properties point at.

Naming follows CloudFormation: a named resource takes its name property; an unnamed one gets
`<stack name>-<logical ID>-<random suffix>`, and a nested stack is a stack named the same way
(https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-name.html,
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-nested-stacks.html).
A type this file does not know how to name fails the build of the world: add it to NAMING and arns_of.
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from tests.delivery import cfn_naming
from tests.delivery.cfn_resolve import Resolver
from tests.delivery.cfn_schemas import schema
from tests.templates.stack import Sources, load_sources, translate, walk

APP = "users-products-api"
SUFFIX = "1A2B3C4D5E6F"
# Every optional resource exists (Config rule, alarm e-mail subscription, API Gateway account role, the custom
# domain and its record, Application Signals' policy), and the functions take the ADOT layer (Tracing=otel).
ALL_OPTIONAL = {
    "EnableConfigRule": "true",
    "AlarmEmail": "ops@example.com",
    "CreateApiGatewayAccountRole": "true",
    "CertificateArn": "arn:aws:acm:us-east-1:111122223333:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
    "DisableExecuteApiEndpoint": "true",
    "Tracing": "otel",
    "AdotLayerArn": "arn:aws:lambda:us-east-1:901920570463:layer:AWSOpenTelemetryDistroPython:7",
    "EnableApplicationSignals": "true",
}
# Both environments' domains live in one hosted zone, as a team's api.example.com and its dev name would.
HOSTED_ZONE_ID = "Z0123456789ABCDEFGHIJ"
DOMAINS = {"dev": "dev-api.example.com", "prod": "api.example.com"}


def optional_parameters(environment: str) -> dict[str, str]:
    """ALL_OPTIONAL, with the environment's own domain in the shared hosted zone."""
    return {**ALL_OPTIONAL, "DomainName": DOMAINS[environment], "HostedZoneId": HOSTED_ZONE_ID}


SYSTEM_TAGS = (
    "aws:cloudformation:stack-name",
    "aws:cloudformation:logical-id",
    "aws:cloudformation:stack-id",
)
# Property holding a type's name; None: CloudFormation always generates it.
NAMING: dict[str, str | None] = {
    "AWS::ApiGateway::Account": None,
    "AWS::ApiGateway::BasePathMapping": None,
    "AWS::ApiGateway::Deployment": None,
    "AWS::ApiGateway::DomainName": "DomainName",
    "AWS::ApiGateway::RestApi": None,
    "AWS::ApiGateway::Stage": "StageName",
    "AWS::CloudFormation::Stack": None,
    "AWS::CloudFormation::WaitConditionHandle": None,
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::CloudWatch::CompositeAlarm": "AlarmName",
    "AWS::CloudWatch::Dashboard": "DashboardName",
    "AWS::CodeDeploy::Application": "ApplicationName",
    "AWS::CodeDeploy::DeploymentGroup": "DeploymentGroupName",
    "AWS::Config::ConfigRule": "ConfigRuleName",
    "AWS::DynamoDB::Table": "TableName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::Policy": "PolicyName",
    "AWS::IAM::Role": "RoleName",
    "AWS::KMS::Alias": "AliasName",
    "AWS::KMS::Key": None,
    "AWS::Lambda::Alias": "Name",
    "AWS::Lambda::EventInvokeConfig": None,
    "AWS::Lambda::Function": "FunctionName",
    "AWS::Lambda::LayerVersion": "LayerName",
    "AWS::Lambda::Permission": None,
    "AWS::Lambda::Version": None,
    "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::Logs::MetricFilter": "FilterName",
    "AWS::Route53::RecordSet": "Name",
    "AWS::S3::Bucket": "BucketName",
    "AWS::S3::BucketPolicy": None,
    "AWS::SNS::Subscription": None,
    "AWS::SNS::Topic": "TopicName",
    "AWS::SNS::TopicPolicy": None,
    "AWS::SSM::Parameter": "Name",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::WAFv2::LoggingConfiguration": None,
    "AWS::WAFv2::WebACL": "Name",
    "AWS::WAFv2::IPSet": "Name",
    "AWS::WAFv2::RegexPatternSet": "Name",
    "AWS::WAFv2::WebACLAssociation": None,
}
# Properties whose ARNs are the resource's own business, not something it points at.
OPAQUE = {"PolicyDocument", "KeyPolicy", "AssumeRolePolicyDocument", "Policies", "Body", "DashboardBody"}


@dataclass(frozen=True)
class Deployment:
    environment: str = "dev"
    app: str = APP
    account: str = "111122223333"
    region: str = "us-east-1"
    partition: str = "aws"
    artifacts_bucket: str = f"{APP}-pipeline-dev-artifactsbucket-1a2b3c4d5e6f"
    execution_role_arn: str = ""

    @property
    def stack(self) -> str:
        return f"{self.app}-{self.environment}"

    def arn(self, service: str, rest: str, region: bool = True, account: bool = True) -> str:
        where = f"{self.region if region else ''}:{self.account if account else ''}"
        return f"arn:{self.partition}:{service}:{where}:{rest}"

    @property
    def artifact_object(self) -> str:
        return f"arn:{self.partition}:s3:::{self.artifacts_bucket}/{self.app}/0123abc/5f2b8c1d9e"


def _digest(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def generated_name(stack: str, logical_id: str, limit: int = 64) -> str:
    return f"{stack}-{logical_id}"[: limit - len(SUFFIX) - 1] + f"-{SUFFIX}"


class Instance:
    def __init__(self, stack: StackWorld, logical_id: str, resource: dict[str, Any]) -> None:
        self.stack, self.logical_id, self.raw = stack, logical_id, resource
        self.type: str = resource["Type"]
        if self.type not in NAMING:
            raise KeyError(
                f"{self.type} ({logical_id}): tests/delivery/cfn_world.py does not know how to name it"
            )

    def __repr__(self) -> str:
        return f"{self.stack.name}/{self.logical_id} ({self.type})"

    @cached_property
    def properties(self) -> dict[str, Any]:
        return dict(self.stack.resolver.resolve(self.raw.get("Properties", {})))

    @cached_property
    def name(self) -> str:
        key = NAMING[self.type]
        if key and key in self.raw.get("Properties", {}):
            return str(self.stack.resolver.resolve(self.raw["Properties"][key]))
        lower = self.type == "AWS::S3::Bucket"
        name = generated_name(self.stack.name, self.logical_id, 63 if lower else 64)
        return name.lower() if lower else name

    @cached_property
    def tags(self) -> dict[str, str]:
        raw = self.properties.get("Tags", {})
        tags = {t["Key"]: str(t["Value"]) for t in raw} if isinstance(raw, list) else dict(raw)
        if schema(self.type).get("tagging", {}).get("cloudFormationSystemTags", False):
            values = (self.stack.name, self.logical_id, self.stack.arn)
            tags.update(dict(zip(SYSTEM_TAGS, values, strict=True)))
        return tags

    @cached_property
    def related(self) -> list[str]:
        """ARNs this resource points at: resources it references, ARNs among its properties, its artifacts."""
        found: list[str] = []
        for node in walk(self.raw.get("Properties", {})) if "Properties" in self.raw else []:
            for name in _referenced(node):
                if name in self.stack.instances and name != self.logical_id:
                    found += self.stack.instances[name].arns
        for node in walk({k: v for k, v in self.properties.items() if k not in OPAQUE}):
            if isinstance(node, str) and node.startswith("arn:"):
                found.append(node.removesuffix(":*") if ":log-group:" in node else node)
        for update in walk(self.raw.get("UpdatePolicy", {})):
            for name in _referenced(update):
                found += self.stack.instances[name].arns if name in self.stack.instances else []
        found += self.stack.world.extra_related(self)
        return list(dict.fromkeys(a for a in found if a not in self.arns))

    @cached_property
    def arns(self) -> list[str]:
        return self.stack.world.arns_of(self)

    def ref(self) -> Any:
        return self.stack.world.ref_of(self)


def _referenced(node: Any) -> list[str]:
    if not isinstance(node, dict) or len(node) != 1:
        return []
    ((key, value),) = node.items()
    if key == "Ref":
        return [value]
    if key == "Fn::GetAtt":
        return [value[0] if isinstance(value, list) else value.split(".")[0]]
    if key == "Fn::Sub":
        text = value if isinstance(value, str) else value[0]
        return [name.split(".")[0] for name in re.findall(r"\$\{([^}!][^}]*)\}", text)]
    return []


class StackWorld:
    def __init__(
        self, world: World, name: str, template: dict[str, Any], parameters: dict[str, Any], parent: str = ""
    ) -> None:
        self.world, self.name, self.template, self.parent = world, name, template, parent
        self.arn = world.deployment.arn("cloudformation", f"stack/{name}/{_digest(name)[:8]}-0000-0000")
        pseudo = {
            "AWS::StackName": name,
            "AWS::StackId": self.arn,
            "AWS::Region": world.deployment.region,
            "AWS::AccountId": world.deployment.account,
            "AWS::Partition": world.deployment.partition,
            "AWS::URLSuffix": "amazonaws.com",
        }
        self.resolver = Resolver(template, parameters, pseudo, self._ref, self._getatt)
        self.instances = {
            logical_id: Instance(self, logical_id, resource)
            for logical_id, resource in template["Resources"].items()
            if "Condition" not in resource or self.resolver.condition(resource["Condition"])
        }

    def _ref(self, logical_id: str) -> Any:
        return self.instances[logical_id].ref()

    def _getatt(self, logical_id: str, attribute: str) -> Any:
        return self.world.getatt_of(self.instances[logical_id], attribute)

    def output(self, name: str) -> Any:
        return self.resolver.resolve(self.template["Outputs"][name]["Value"])


class World:
    def __init__(self, deployment: Deployment, sources: Sources | None = None) -> None:
        self.deployment = deployment
        parameters = {**optional_parameters(deployment.environment), "Environment": deployment.environment}
        self.sources = sources or load_sources()
        root = copy.deepcopy(translate(self.sources, parameters).cfn)
        self.root = StackWorld(self, deployment.stack, root, parameters)
        self.nested: dict[str, StackWorld] = {}

    def nested_stack(self, instance: Instance) -> StackWorld:
        if instance.logical_id not in self.nested:
            location = instance.raw["Properties"]["TemplateURL"]
            nested = {"waf.yaml": self.sources.waf, "monitoring.yaml": self.sources.monitoring}
            template = copy.deepcopy(nested[location])
            parameters = instance.stack.resolver.resolve(instance.raw["Properties"].get("Parameters", {}))
            self.nested[instance.logical_id] = StackWorld(
                self, instance.name, template, parameters, instance.stack.name
            )
        return self.nested[instance.logical_id]

    @cached_property
    def stacks(self) -> list[StackWorld]:
        for instance in self.root.instances.values():
            if instance.type == "AWS::CloudFormation::Stack":
                self.nested_stack(instance)
        return [self.root, *self.nested.values()]

    @cached_property
    def instances(self) -> list[Instance]:
        return [instance for stack in self.stacks for instance in stack.instances.values()]

    def arns_of(self, instance: Instance) -> list[str]:
        return cfn_naming.arns_of(self, instance)

    def ref_of(self, instance: Instance) -> Any:
        return cfn_naming.ref_of(self, instance)

    def getatt_of(self, instance: Instance, attribute: str) -> Any:
        return cfn_naming.getatt_of(self, instance, attribute)

    def extra_related(self, instance: Instance) -> list[str]:
        return cfn_naming.extra_related(self, instance)

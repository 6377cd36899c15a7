"""pipeline/bootstrap.yaml resolved for one environment: each role's effective statements, as IAM holds them.

A role's statements are its inline policies, the managed policies it attaches and any AWS::IAM::RolePolicy
naming it, with every intrinsic resolved for concrete parameters (`Bootstrap`). Resources whose condition is
false are gone, as they would be in the account.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

from tests.delivery.cfn_resolve import Resolver
from tests.delivery.cfn_world import APP, Deployment
from tests.delivery.iam_policy import as_list

ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP = ROOT / "pipeline" / "bootstrap.yaml"


def load_template() -> dict[str, Any]:
    template: dict[str, Any] = yaml_parse(BOOTSTRAP.read_text(encoding="utf-8"))
    return template


@dataclass
class Bootstrap:
    deployment: Deployment
    parameters: dict[str, str] = field(default_factory=dict)
    template: dict[str, Any] = field(default_factory=load_template)

    @property
    def stack_name(self) -> str:
        return f"{self.deployment.app}-pipeline-{self.deployment.environment}"

    @cached_property
    def resolver(self) -> Resolver:
        d = self.deployment
        values = {
            "GitHubOrg": "octo-org",
            "GitHubRepo": "octo-repo",
            "AppName": d.app,
            "Environment": d.environment,
        }
        pseudo = {
            "AWS::StackName": self.stack_name,
            "AWS::StackId": d.arn("cloudformation", f"stack/{self.stack_name}/0f0f0f0f-0000-0000"),
            "AWS::Region": d.region,
            "AWS::AccountId": d.account,
            "AWS::Partition": d.partition,
        }
        return Resolver(self.template, {**values, **self.parameters}, pseudo, self._ref, self._getatt)

    def exists(self, logical_id: str) -> bool:
        condition = self.template["Resources"][logical_id].get("Condition")
        return condition is None or self.resolver.condition(condition)

    def properties(self, logical_id: str) -> dict[str, Any]:
        assert self.exists(logical_id), f"{logical_id} is not created with these parameters"
        return dict(self.resolver.resolve(self.template["Resources"][logical_id].get("Properties", {})))

    def _ref(self, logical_id: str) -> Any:
        kind = self.template["Resources"][logical_id]["Type"]
        if kind == "AWS::S3::Bucket":
            return self.deployment.artifacts_bucket
        if kind == "AWS::IAM::Role":
            return self.properties(logical_id)["RoleName"]
        if kind == "AWS::IAM::ManagedPolicy":
            props = self.properties(logical_id)
            return self.deployment.arn(
                "iam", f"policy{props['Path']}{props['ManagedPolicyName']}", region=False
            )
        if kind == "AWS::IAM::OIDCProvider":
            return self.deployment.arn(
                "iam", "oidc-provider/token.actions.githubusercontent.com", region=False
            )
        raise KeyError(f"Ref {logical_id} ({kind}) is not modelled in tests/delivery/bootstrap_roles.py")

    def _getatt(self, logical_id: str, attribute: str) -> Any:
        kind = self.template["Resources"][logical_id]["Type"]
        if (kind, attribute) == ("AWS::S3::Bucket", "Arn"):
            return f"arn:{self.deployment.partition}:s3:::{self.deployment.artifacts_bucket}"
        if (kind, attribute) == ("AWS::IAM::Role", "Arn"):
            props = self.properties(logical_id)
            return self.deployment.arn("iam", f"role{props['Path']}{props['RoleName']}", region=False)
        raise KeyError(
            f"GetAtt {logical_id}.{attribute} is not modelled in tests/delivery/bootstrap_roles.py"
        )

    def role_arn(self, logical_id: str) -> str:
        return str(self._getatt(logical_id, "Arn"))

    def statements(self, role: str) -> list[dict[str, Any]]:
        """Every statement that applies to the role's own requests."""
        props = self.properties(role)
        found = [s for p in props.get("Policies", []) for s in as_list(p["PolicyDocument"]["Statement"])]
        for arn in props.get("ManagedPolicyArns", []):
            (policy,) = [
                name
                for name, resource in self.template["Resources"].items()
                if resource["Type"] == "AWS::IAM::ManagedPolicy"
                and self.exists(name)
                and self._ref(name) == arn
            ]
            found += as_list(self.properties(policy)["PolicyDocument"]["Statement"])
        for name, resource in self.template["Resources"].items():
            if resource["Type"] in {"AWS::IAM::RolePolicy", "AWS::IAM::Policy"} and self.exists(name):
                attached = self.properties(name)
                if props["RoleName"] in [attached.get("RoleName"), *attached.get("Roles", [])]:
                    found += as_list(attached["PolicyDocument"]["Statement"])
        return found

    def trust(self, role: str) -> list[dict[str, Any]]:
        return list(as_list(self.properties(role)["AssumeRolePolicyDocument"]["Statement"]))


def deployment(environment: str, **changes: Any) -> Deployment:
    """A deployment whose execution role is the one the bootstrap names for that environment."""
    base = Deployment(environment=environment, **changes)
    role = Bootstrap(base).role_arn("ExecutionRole")
    return Deployment(environment=environment, execution_role_arn=role, **changes)


__all__ = ["APP", "Bootstrap", "deployment"]

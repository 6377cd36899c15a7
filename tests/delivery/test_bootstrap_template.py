"""pipeline/bootstrap.yaml: who may assume what, and the artifacts bucket's protections (cfn-lint and checkov
check the rest in make lint / make checkov)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml

ROOT = Path(__file__).resolve().parents[2]


PATH = ROOT / "pipeline" / "bootstrap.yaml"


@pytest.fixture(scope="module")
def resources() -> dict[str, Any]:
    template: dict[str, Any] = cfn_yaml.load(str(PATH))
    return dict(template["Resources"])


def statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for policy in role["Properties"]["Policies"] for s in policy["PolicyDocument"]["Statement"]]


def test_only_this_repositorys_main_branch_and_environments_may_deploy(resources: dict[str, Any]) -> None:
    (trust,) = resources["DeployRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert trust["Principal"]["Federated"] == {
        "Fn::If": ["CreateOidcProvider", {"Ref": "GitHubOidcProvider"}, {"Ref": "ExistingOidcProviderArn"}]
    }
    assert set(trust["Condition"]) == {"StringEquals"}
    condition = trust["Condition"]["StringEquals"]
    assert condition["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    subjects = [item["Fn::Sub"] for item in condition["token.actions.githubusercontent.com:sub"]]
    assert subjects == [
        "repo:${GitHubOrg}/${GitHubRepo}:ref:refs/heads/main",
        "repo:${GitHubOrg}/${GitHubRepo}:environment:dev",
        "repo:${GitHubOrg}/${GitHubRepo}:environment:prod",
    ]
    provider = resources["GitHubOidcProvider"]["Properties"]
    assert provider == {
        "Url": "https://token.actions.githubusercontent.com",
        "ClientIdList": ["sts.amazonaws.com"],
    }


def test_the_deploy_role_passes_only_the_execution_role_to_cloudformation(resources: dict[str, Any]) -> None:
    passing = [s for s in statements(resources["DeployRole"]) if "iam:PassRole" in str(s["Action"])]
    assert passing == [
        {
            "Sid": "PassExecutionRoleToCloudFormation",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": {"Fn::GetAtt": ["CloudFormationExecutionRole", "Arn"]},
            "Condition": {"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}},
        }
    ]
    (trust,) = resources["CloudFormationExecutionRole"]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "cloudformation.amazonaws.com"}


def test_no_role_allows_every_action_and_only_commented_statements_use_every_resource(
    resources: dict[str, Any],
) -> None:
    for name in ("DeployRole", "CloudFormationExecutionRole"):
        for statement in statements(resources[name]):
            if statement["Effect"] == "Deny":
                continue
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            assert all(not action.endswith(":*") and action != "*" for action in actions), statement["Sid"]
    # Every statement with Resource "*" has a comment right above its "- Sid:" line saying why.
    lines = PATH.read_text(encoding="utf-8").splitlines()
    starred = [number for number, line in enumerate(lines) if line.strip() == 'Resource: "*"']
    assert starred
    for number in starred:
        sid = max(n for n in range(number) if lines[n].strip().startswith("- Sid:"))
        assert lines[sid - 1].strip().startswith("#"), lines[sid]


def test_the_artifacts_bucket_is_private_encrypted_versioned_expiring_and_tls_only(
    resources: dict[str, Any],
) -> None:
    bucket = resources["ArtifactsBucket"]["Properties"]
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == {"Ref": "ArtifactRetentionDays"}
    assert "NoncurrentVersionExpiration" in rule
    (deny,) = resources["ArtifactsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "s3:*")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_the_pipeline_cannot_change_itself(resources: dict[str, Any]) -> None:
    (deny,) = [s for s in statements(resources["DeployRole"]) if s["Effect"] == "Deny"]
    assert (deny["Action"], deny["Resource"]) == ("cloudformation:*", {"Ref": "AWS::StackId"})
    guard = resources["ExecutionRoleGuard"]["Properties"]
    assert guard["RoleName"] == {"Ref": "CloudFormationExecutionRole"}
    roles, bucket = guard["PolicyDocument"]["Statement"]
    assert (roles["Effect"], roles["Action"]) == ("Deny", "iam:*")
    assert roles["Resource"] == [
        {"Fn::GetAtt": ["DeployRole", "Arn"]},
        {"Fn::GetAtt": ["CloudFormationExecutionRole", "Arn"]},
    ]
    assert (bucket["Effect"], bucket["NotAction"]) == ("Deny", ["s3:GetObject", "s3:GetObjectVersion"])


def test_no_account_region_or_partition_literals() -> None:
    text = PATH.read_text(encoding="utf-8")
    code = "\n".join(
        line.split(" #", 1)[0] for line in text.splitlines() if not line.lstrip().startswith("#")
    )
    assert "arn:aws:" not in code
    assert not re.search(r"\b\d{12}\b", code)
    assert not re.search(r"\b(us|eu|ap|sa|ca|me|af)-[a-z]+-\d\b", code)

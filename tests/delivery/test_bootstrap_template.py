"""pipeline/bootstrap.yaml: who may assume which role, what each GitHub job's role may do, the artifacts
bucket's protections, and the prod account's access to it (cfn-lint and checkov check the rest in make lint /
make checkov; test_execution_role_covers_schemas.py checks the execution roles against the schemas)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.delivery.bootstrap_roles import BOOTSTRAP, Bootstrap, deployment
from tests.delivery.execution_role_checks import bootstrap
from tests.delivery.iam_policy import Request, allowed, as_list

GITHUB = "token.actions.githubusercontent.com"
PROD_ACCOUNT = "444455556666"


def _condition(trust: dict[str, Any]) -> dict[str, Any]:
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert set(trust["Condition"]) == {"StringEquals"}
    condition: dict[str, Any] = trust["Condition"]["StringEquals"]
    assert condition[f"{GITHUB}:aud"] == "sts.amazonaws.com"
    return condition


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_a_deploy_role_trusts_its_github_environment_only(environment: str) -> None:
    (trust,) = bootstrap(environment).trust("DeployRole")
    assert _condition(trust)[f"{GITHUB}:sub"] == f"repo:octo-org/octo-repo:environment:{environment}"


def test_the_packaging_role_trusts_the_main_branch_only_and_lives_with_the_bucket() -> None:
    (trust,) = bootstrap("dev").trust("PackagingRole")
    assert _condition(trust)[f"{GITHUB}:sub"] == "repo:octo-org/octo-repo:ref:refs/heads/main"
    prod = bootstrap("prod")
    assert not prod.exists("PackagingRole")
    assert not prod.exists("ArtifactsBucket")


def test_the_oidc_provider_is_created_once_per_account() -> None:
    dev = bootstrap("dev")
    assert dev.properties("GitHubOidcProvider") == {
        "Url": f"https://{GITHUB}",
        "ClientIdList": ["sts.amazonaws.com"],
    }
    existing = Bootstrap(deployment("prod"), {"ArtifactsBucketName": "b", "ExistingOidcProviderArn": "arn:x"})
    assert not existing.exists("GitHubOidcProvider")
    (trust,) = existing.trust("DeployRole")
    assert trust["Principal"] == {"Federated": "arn:x"}


def stack(environment: str, nested: str = "") -> str:
    name = f"users-products-api-{environment}{nested}"
    return deployment(environment).arn("cloudformation", f"stack/{name}/0000")


@pytest.mark.parametrize(("environment", "other"), [("dev", "prod"), ("prod", "dev")])
def test_a_deploy_role_deploys_its_environment_only(environment: str, other: str) -> None:
    b = bootstrap(environment)
    statements = b.statements("DeployRole")
    d = deployment(environment)
    own_execution = b.role_arn("ExecutionRole")
    other_execution = bootstrap(other).role_arn("ExecutionRole")
    passing = {"iam:PassedToService": "cloudformation.amazonaws.com"}
    assert allowed(statements, Request("cloudformation:CreateChangeSet", stack(environment)))
    assert allowed(statements, Request("cloudformation:DescribeStacks", stack(environment, "-Waf-1A2B")))
    assert allowed(statements, Request("iam:PassRole", own_execution, passing))
    assert not allowed(
        statements, Request("iam:PassRole", own_execution, {"iam:PassedToService": "lambda.amazonaws.com"})
    )
    assert not allowed(statements, Request("cloudformation:CreateChangeSet", stack(other)))
    assert not allowed(statements, Request("cloudformation:ExecuteChangeSet", stack(other)))
    assert not allowed(statements, Request("iam:PassRole", other_execution, passing))
    bucket = f"arn:aws:s3:::{d.artifacts_bucket}/users-products-api/0123abc"
    assert allowed(statements, Request("s3:PutObject", f"{bucket}/{environment}/5f2b.template"))
    assert allowed(statements, Request("s3:GetObject", f"{bucket}/5f2b"))
    assert not allowed(statements, Request("s3:PutObject", f"{bucket}/5f2b"))  # the code the other deploys
    assert not allowed(statements, Request("s3:PutObject", f"{bucket}/{other}/5f2b.template"))
    dev_api = d.arn("execute-api", "a1b2c3/dev/GET/users")
    assert allowed(statements, Request("execute-api:Invoke", dev_api)) == (environment == "dev")
    assert not allowed(
        statements, Request("execute-api:Invoke", d.arn("execute-api", "a1b2c3/prod/GET/users"))
    )


def test_the_packaging_role_uploads_artifacts_and_nothing_else() -> None:
    b = bootstrap("dev")
    statements = b.statements("PackagingRole")
    d = deployment("dev")
    assert allowed(
        statements, Request("s3:PutObject", f"arn:aws:s3:::{d.artifacts_bucket}/users-products-api/0a/5f")
    )
    for request in (
        Request("cloudformation:CreateChangeSet", stack("dev")),
        Request("cloudformation:CreateChangeSet", stack("prod")),
        Request(
            "iam:PassRole",
            b.role_arn("ExecutionRole"),
            {"iam:PassedToService": "cloudformation.amazonaws.com"},
        ),
        Request("s3:DeleteObject", f"arn:aws:s3:::{d.artifacts_bucket}/users-products-api/0a/5f"),
        Request("execute-api:Invoke", d.arn("execute-api", "a1b2c3/dev/GET/users")),
    ):
        assert not allowed(statements, request), request
    resources = {r for s in statements for r in as_list(s["Resource"])}
    assert all(r.startswith(f"arn:aws:s3:::{d.artifacts_bucket}") for r in resources), resources


def test_execution_roles_are_cloudformations_only() -> None:
    for environment in ("dev", "prod"):
        (trust,) = bootstrap(environment).trust("ExecutionRole")
        assert trust["Principal"] == {"Service": "cloudformation.amazonaws.com"}
        assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": "111122223333"}}


def test_no_role_allows_every_action_and_only_commented_statements_use_every_resource() -> None:
    for environment in ("dev", "prod"):
        b = bootstrap(environment)
        roles = [r for r in ("PackagingRole", "DeployRole", "ExecutionRole") if b.exists(r)]
        for statement in (s for role in roles for s in b.statements(role)):
            if statement["Effect"] == "Allow":
                actions = as_list(statement["Action"])
                assert all(not a.endswith(":*") and a != "*" for a in actions), statement["Sid"]
    # Every statement with Resource "*" has a comment right above its "- Sid:" line saying why.
    lines = BOOTSTRAP.read_text(encoding="utf-8").splitlines()
    starred = [number for number, line in enumerate(lines) if line.strip() == 'Resource: "*"']
    assert starred
    for number in starred:
        sid = max(n for n in range(number) if lines[n].strip().startswith("- Sid:"))
        assert lines[sid - 1].strip().startswith("#"), lines[sid]


def test_the_artifacts_bucket_is_private_encrypted_versioned_expiring_and_tls_only() -> None:
    b = bootstrap("dev")
    bucket = b.properties("ArtifactsBucket")
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    (rule,) = bucket["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] == 90
    assert "NoncurrentVersionExpiration" in rule
    (deny,) = b.properties("ArtifactsBucketPolicy")["PolicyDocument"]["Statement"]
    assert (deny["Effect"], deny["Principal"], deny["Action"]) == ("Deny", "*", "s3:*")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_a_prod_account_of_its_own_reads_the_artifacts_with_its_two_roles_only() -> None:
    b = Bootstrap(deployment("dev"), {"ProdAccountId": PROD_ACCOUNT})
    _, read, upload = b.properties("ArtifactsBucketPolicy")["PolicyDocument"]["Statement"]
    prod_roles = [
        f"arn:aws:iam::{PROD_ACCOUNT}:role/pipeline/users-products-api-prod-github-deploy",
        f"arn:aws:iam::{PROD_ACCOUNT}:role/pipeline/users-products-api-prod-cfn-execution",
    ]
    assert read["Principal"] == upload["Principal"] == {"AWS": f"arn:aws:iam::{PROD_ACCOUNT}:root"}
    assert read["Condition"] == {"ArnEquals": {"aws:PrincipalArn": prod_roles}}
    assert set(read["Action"]) == {
        "s3:GetObject",
        "s3:GetObjectVersion",
        "s3:ListBucket",
        "s3:GetBucketLocation",
    }
    assert upload["Condition"] == {"ArnEquals": {"aws:PrincipalArn": prod_roles[0]}}
    assert (upload["Action"], upload["Resource"]) == (
        "s3:PutObject",
        read["Resource"][1].replace("/*", "/*/prod/*"),
    )
    # The prod account's own stack names these roles exactly so.
    prod = Bootstrap(deployment("prod", account=PROD_ACCOUNT), {"ArtifactsBucketName": "b"})
    assert [prod.role_arn("DeployRole"), prod.role_arn("ExecutionRole")] == prod_roles


def test_the_pipeline_cannot_change_itself() -> None:
    b = bootstrap("dev")
    stack_id = b.resolver.pseudo["AWS::StackId"]
    for role in ("DeployRole", "ExecutionRole"):
        assert not allowed(b.statements(role), Request("cloudformation:UpdateStack", stack_id))
    execution = b.statements("ExecutionRole")
    for role in ("DeployRole", "PackagingRole", "ExecutionRole"):
        assert not allowed(execution, Request("iam:PutRolePolicy", b.role_arn(role)))
    bucket = f"arn:aws:s3:::{deployment('dev').artifacts_bucket}"
    assert not allowed(execution, Request("s3:PutObject", f"{bucket}/users-products-api/0a/5f"))
    assert not allowed(execution, Request("s3:PutBucketPolicy", bucket))
    assert allowed(execution, Request("s3:GetObject", f"{bucket}/users-products-api/0a/5f"))


def test_no_account_region_or_partition_literals() -> None:
    text = BOOTSTRAP.read_text(encoding="utf-8")
    code = "\n".join(
        line.split(" #", 1)[0] for line in text.splitlines() if not line.lstrip().startswith("#")
    )
    assert "arn:aws:" not in code
    assert not re.search(r"\b\d{12}\b", code)
    assert not re.search(r"\b(us|eu|ap|sa|ca|me|af)-[a-z]+-\d\b", code)

"""The CloudFormation execution roles of pipeline/bootstrap.yaml allow what CloudFormation really calls.

For each environment, the SAM-translated root template and its nested templates (waf.yaml, monitoring.yaml)
are named as CloudFormation would name them (cfn_world.py), and every permission the CloudFormation resource
provider schemas list for their types (cfn-lint ships the schemas) becomes IAM requests on the resources it
touches (cfn_calls.py), judged against the role's resolved statements by a policy evaluator (iam_policy.py):
- (a, b) every read-back is allowed: the read handlers, and the Get/Describe/List calls of the others;
- application data stays unreadable, and what is kept out is written down with its reason
  (execution_role_decisions.py);
- (c) no Allow leans on an aws:cloudformation:* tag for a type whose schema says CloudFormation does not
  tag it;
- every write the schemas list is granted or decided against;
- neither environment's role can change the other environment's resources;
- the policies fit IAM's size quotas.
The mutation cases at the end break bootstrap.yaml (or template.yaml) and expect the named check to fail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.delivery.bootstrap_roles import load_template
from tests.delivery.cfn_calls import calls
from tests.delivery.execution_role_checks import (
    ENVIRONMENTS,
    WRITES_NOT_GRANTED,
    bootstrap,
    changes_to_the_other_environment,
    data_readable,
    execution_statements,
    kept_out_reads_granted,
    missing_writes,
    oversized_policies,
    read_back_problems,
    system_tag_reliance,
    world,
    world_from,
)
from tests.delivery.execution_role_decisions import explained
from tests.templates.stack import load_sources, walk

OTHER = {"dev": "prod", "prod": "dev"}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_read_back_is_allowed(environment: str) -> None:
    assert read_back_problems(world(environment), execution_statements(environment)) == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_reads_kept_out_stay_out_and_application_data_is_unreadable(environment: str) -> None:
    statements = execution_statements(environment)
    assert kept_out_reads_granted(world(environment), statements) == []
    assert data_readable(world(environment), statements) == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_no_allow_leans_on_a_system_tag_cloudformation_does_not_put(environment: str) -> None:
    assert system_tag_reliance(world(environment), execution_statements(environment)) == []


def test_every_write_is_granted_or_decided() -> None:
    missing = set().union(*(missing_writes(world(e), execution_statements(e)) for e in ENVIRONMENTS))
    assert sorted(key for key in missing if not explained(WRITES_NOT_GRANTED, *key)) == []
    listed = {call.key for e in ENVIRONMENTS for call in calls(world(e))}
    stale = [
        (t, p)
        for decision in WRITES_NOT_GRANTED
        for t in decision.types
        for p in decision.permissions
        if (t, p) in listed and (t, p) not in missing
    ]
    assert stale == [], "granted now: drop these from WRITES_NOT_GRANTED"
    unknown = [d.permissions for d in WRITES_NOT_GRANTED if not any(d.covers(*key) for key in listed)]
    assert unknown == [], "no schema of this stack lists these any more"


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_an_environment_never_changes_the_others_resources(environment: str) -> None:
    own = execution_statements(environment)
    assert changes_to_the_other_environment(own, world(OTHER[environment])) == []


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_policies_fit_iam_quotas(environment: str) -> None:
    assert oversized_policies(bootstrap(environment)) == []


def test_the_checks_cover_every_type_and_service_of_the_stack() -> None:
    w = world("dev")
    types = {i.type for i in w.instances}
    assert len(types) >= 30
    checked = {c.instance.type for c in calls(w)}
    assert types - checked == {"AWS::CloudFormation::WaitConditionHandle"}  # its schema lists no handler
    assert {"AWS::Lambda::Version", "AWS::CodeDeploy::DeploymentGroup", "AWS::ApiGateway::Stage"} <= checked
    # The options are deployed in the world: the custom domain, its record, Application Signals' policy.
    assert {"AWS::ApiGateway::DomainName", "AWS::Route53::RecordSet", "AWS::IAM::Policy"} <= checked


# ---------------------------------------------------------------------------------------------- mutations
Template = dict[str, Any]


def _statement(template: Template, sid: str) -> dict[str, Any]:
    (found,) = [n for n in walk(template["Resources"]) if isinstance(n, dict) and n.get("Sid") == sid]
    return found


def drop_action(sid: str, action: str) -> Callable[[Template], None]:
    def mutate(template: Template) -> None:
        statement = _statement(template, sid)
        statement["Action"] = [a for a in statement["Action"] if a != action]

    return mutate


def lean_on_stack_name_tag(sid: str) -> Callable[[Template], None]:
    """What bootstrap.yaml once did for the key: allow only what carries CloudFormation's stack-name tag."""

    def mutate(template: Template) -> None:
        _statement(template, sid)["Condition"] = {
            "StringLike": {"aws:ResourceTag/aws:cloudformation:stack-name": {"Fn::Sub": "${AppName}-*"}}
        }

    return mutate


def set_resource(sid: str, resource: str) -> Callable[[Template], None]:
    def mutate(template: Template) -> None:
        _statement(template, sid)["Resource"] = {"Fn::Sub": resource}

    return mutate


def drop_statement(sid: str) -> Callable[[Template], None]:
    def mutate(template: Template) -> None:
        for node in walk(template["Resources"]):
            if isinstance(node, dict) and isinstance(node.get("Statement"), list):
                node["Statement"] = [
                    s for s in node["Statement"] if not (isinstance(s, dict) and s.get("Sid") == sid)
                ]

    return mutate


def add_action(sid: str, action: str) -> Callable[[Template], None]:
    def mutate(template: Template) -> None:
        _statement(template, sid)["Action"].append(action)

    return mutate


def reads(environment: str, template: Template) -> list[str]:
    return read_back_problems(world(environment), execution_statements(environment, template))


def separation(environment: str, template: Template) -> list[str]:
    return changes_to_the_other_environment(
        execution_statements(environment, template), world(OTHER[environment])
    )


def new_missing_writes(environment: str, template: Template) -> list[str]:
    before = missing_writes(world(environment), execution_statements(environment))
    after = missing_writes(world(environment), execution_statements(environment, template))
    return [f"{t} {p}" for t, p in sorted(after - before)]


BOOTSTRAP_MUTATIONS: dict[str, tuple[Callable[[Template], None], Callable[[str, Template], list[str]]]] = {
    "a read handler permission removed (kms:GetKeyRotationStatus)": (
        drop_action("KeyMetadata", "kms:GetKeyRotationStatus"),
        reads,
    ),
    "a write handler's Describe removed (dynamodb:DescribeKinesisStreamingDestination)": (
        drop_action("Tables", "dynamodb:DescribeKinesisStreamingDestination"),
        reads,
    ),
    "the key's read-back back on the aws:cloudformation:stack-name tag": (
        lean_on_stack_name_tag("KeyMetadata"),
        reads,
    ),
    "the key's read-back on the stack-name tag, seen statically": (
        lean_on_stack_name_tag("KeyMetadata"),
        lambda e, t: system_tag_reliance(world(e), execution_statements(e, t)),
    ),
    "log delivery checked on the WAF log group only": (
        set_resource(
            "LogDeliveryToLogGroups",
            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:aws-waf-logs-${AppName}-*",
        ),
        reads,
    ),
    "items readable by the deployer": (
        add_action("Tables", "dynamodb:GetItem"),
        lambda e, t: data_readable(world(e), execution_statements(e, t)),
    ),
    "the secret's value readable by the deployer": (
        add_action("CursorSecret", "secretsmanager:GetSecretValue"),
        lambda e, t: kept_out_reads_granted(world(e), execution_statements(e, t)),
    ),
    "tables of every environment": (
        set_resource(
            "Tables", "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${AppName}-*"
        ),
        separation,
    ),
    "the other environment's key not fenced": (drop_statement("NeverAnotherStacksKey"), separation),
    "the other environment's REST API not fenced": (drop_statement("NeverAnotherStacksApi"), separation),
    "a write permission removed (lambda:PublishVersion)": (
        drop_action("Functions", "lambda:PublishVersion"),
        new_missing_writes,
    ),
    "the ADOT layer unreadable (Tracing=otel)": (drop_statement("AdotLayer"), reads),
    "the domain record's change unreadable": (drop_statement("DomainRecordChanges"), reads),
    "any record of the shared hosted zone": (
        lambda template: _statement(template, "DomainRecord").pop("Condition"),
        separation,
    ),
    "every custom domain of the Region": (
        set_resource("CustomDomain", "arn:${AWS::Partition}:apigateway:${AWS::Region}::/domainnames/*"),
        separation,
    ),
}


@pytest.mark.parametrize("case", list(BOOTSTRAP_MUTATIONS))
@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_each_check_fails_on_a_broken_bootstrap(case: str, environment: str) -> None:
    mutate, check = BOOTSTRAP_MUTATIONS[case]
    template = load_template()
    mutate(template)
    assert check(environment, template) != []


def test_an_untagged_key_cannot_be_administered() -> None:
    """Without the stack tag on the key in template.yaml, the role could neither create nor update the key."""
    sources = load_sources()
    del sources.template["Resources"]["EncryptionKey"]["Properties"]["Tags"]
    statements = execution_statements("dev")
    untagged = missing_writes(world_from("dev", sources), statements) - missing_writes(
        world("dev"), statements
    )
    assert {("AWS::KMS::Key", "kms:CreateKey"), ("AWS::KMS::Key", "kms:UpdateKeyDescription")} <= untagged

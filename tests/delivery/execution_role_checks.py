"""The checks of test_execution_role_covers_schemas.py, as functions of (world, statements) so that its
mutation cases can run them on a broken bootstrap.yaml. Each returns the problems it finds, [] when none."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from tests.delivery.bootstrap_roles import Bootstrap, deployment, load_template
from tests.delivery.cfn_calls import Call, calls, requests
from tests.delivery.cfn_schemas import system_tags
from tests.delivery.cfn_world import DOMAINS, HOSTED_ZONE_ID, World
from tests.delivery.execution_role_decisions import (
    READS_KEPT_OUT,
    SHARED_WITH_THE_OTHER_ENVIRONMENT,
    WRITES_NOT_GRANTED,
    explained,
)
from tests.delivery.iam_policy import Request, allowed, as_list, glob_match
from tests.templates.stack import Sources

Statements = list[dict[str, Any]]
ENVIRONMENTS = ("dev", "prod")
SYSTEM_TAG_KEYS = ("aws:ResourceTag/aws:cloudformation:", "aws:RequestTag/aws:cloudformation:")


def bootstrap(environment: str, template: dict[str, Any] | None = None) -> Bootstrap:
    """The environment's bootstrap stack: dev's owns the artifacts bucket, prod's names it (same account);
    each names its environment's custom domain and the hosted zone holding it, as the world deploys them."""
    d = deployment(environment)
    parameters = {"ApiDomainName": DOMAINS[environment], "ApiHostedZoneId": HOSTED_ZONE_ID}
    if environment != "dev":
        parameters["ArtifactsBucketName"] = d.artifacts_bucket
    return Bootstrap(d, parameters=parameters, template=copy.deepcopy(template or load_template()))


@cache
def world(environment: str) -> World:
    return World(deployment(environment))


def world_from(environment: str, sources: Sources) -> World:
    return World(deployment(environment), sources)


def execution_statements(environment: str, template: dict[str, Any] | None = None) -> Statements:
    return bootstrap(environment, template).statements("ExecutionRole")


def _denied(statements: Statements, call: Call, found: list[Request] | None) -> Iterator[str]:
    if found is None:
        yield f"{call.instance!r} {call.handler} {call.permission}: no resource to authorize it on"
        return
    for request in found:
        if not allowed(statements, request):
            yield f"{call.instance!r} {call.handler} {call.permission} on {request.resource}"


def read_back_problems(w: World, statements: Statements) -> list[str]:
    """(a) every read-handler permission, (b) every Get/Describe/List of the write handlers, is allowed."""
    problems: list[str] = []
    for call in calls(w):
        if call.reads and not explained(READS_KEPT_OUT, *call.key):
            problems += _denied(statements, call, requests(w, call))
    return problems


def missing_writes(w: World, statements: Statements) -> set[tuple[str, str]]:
    missing = set()
    for call in calls(w):
        if not call.reads and any(True for _ in _denied(statements, call, requests(w, call))):
            missing.add(call.key)
    return missing


def kept_out_reads_granted(w: World, statements: Statements) -> list[str]:
    """Reads kept out on purpose must stay out (and still be asked for by some schema)."""
    problems = []
    for decision in READS_KEPT_OUT:
        listed = [c for c in calls(w) if decision.covers(*c.key)]
        if not listed:
            problems.append(f"no schema of this stack lists {decision.permissions} any more: drop the entry")
        for call in listed:
            for request in requests(w, call) or []:
                if allowed(statements, request):
                    problems.append(
                        f"{call.key} is allowed on {request.resource}, yet kept out: {decision.reason}"
                    )
    return problems


def data_reads(w: World) -> list[Request]:
    """Reading application data: items, the secret's value, the key's Decrypt through the data services."""
    found = []
    for instance in w.instances:
        if instance.type == "AWS::DynamoDB::Table":
            for action in ("GetItem", "BatchGetItem", "Query", "Scan", "ExportTableToPointInTime"):
                found.append(Request(f"dynamodb:{action}", instance.arns[0]))
        if instance.type == "AWS::SecretsManager::Secret":
            found.append(Request("secretsmanager:GetSecretValue", instance.arns[0]))
        if instance.type == "AWS::S3::Bucket":
            found.append(Request("s3:GetObject", f"{instance.arns[0]}/some-failed-event"))
        if instance.type == "AWS::KMS::Key":
            for service in ("dynamodb", "secretsmanager", "s3", "logs", "sns"):
                via = {
                    "kms:ViaService": f"{service}.{w.deployment.region}.amazonaws.com",
                    **_tags(instance.tags),
                }
                found.append(Request("kms:Decrypt", instance.arns[0], via))
            found.append(Request("kms:Decrypt", instance.arns[0], _tags(instance.tags)))
    return found


def _tags(tags: Mapping[str, str]) -> dict[str, str]:
    return {f"aws:ResourceTag/{k}": v for k, v in tags.items()}


def data_readable(w: World, statements: Statements) -> list[str]:
    return [f"{r.action} on {r.resource} {dict(r.context)}" for r in data_reads(w) if allowed(statements, r)]


def system_tag_reliance(w: World, statements: Statements) -> list[str]:
    """(c) no Allow depends on an aws:cloudformation:* tag for a type CloudFormation does not tag."""
    problems = []
    for statement in statements:
        keys = [k for keys in statement.get("Condition", {}).values() for k in keys]
        if statement["Effect"] != "Allow" or not any(k.startswith(SYSTEM_TAG_KEYS) for k in keys):
            continue
        for call in calls(w):
            if system_tags(call.instance.type):
                continue
            if any(
                glob_match(a, call.permission, ignore_case=True) for a in as_list(statement.get("Action", []))
            ):
                problems.append(
                    f"{statement.get('Sid')}: {call.key} leans on a tag CloudFormation never puts there"
                )
    return problems


def changes_to_the_other_environment(own: Statements, other: World) -> list[str]:
    """Writes an execution role could make on the other environment's existing resources."""
    owned = {arn for instance in other.instances for arn in instance.arns}
    problems = []
    for call in calls(other):
        if call.reads or explained(SHARED_WITH_THE_OTHER_ENVIRONMENT, *call.key):
            continue
        for request in requests(other, call, settled=True) or []:
            if request.resource in owned and allowed(own, request):
                problems.append(f"{call.key} on {request.resource}")
    return problems


def oversized_policies(b: Bootstrap) -> list[str]:
    """IAM counts a policy without white space: a managed policy holds 6,144 characters, a role's inline
    policies 10,240 together (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html)."""
    problems = []
    for name, resource in b.template["Resources"].items():
        if not b.exists(name) or resource["Type"] not in {"AWS::IAM::ManagedPolicy", "AWS::IAM::Role"}:
            continue
        props = b.properties(name)
        if resource["Type"] == "AWS::IAM::ManagedPolicy":
            size = len(json.dumps(props["PolicyDocument"], separators=(",", ":")))
            limit = 6144
        else:
            size = sum(
                len(json.dumps(p["PolicyDocument"], separators=(",", ":"))) for p in props.get("Policies", [])
            )
            limit = 10240
        if size > limit:
            problems.append(f"{name}: {size} characters, over IAM's {limit}")
    return problems


__all__ = [
    "ENVIRONMENTS",
    "WRITES_NOT_GRANTED",
    "bootstrap",
    "changes_to_the_other_environment",
    "data_readable",
    "execution_statements",
    "kept_out_reads_granted",
    "missing_writes",
    "oversized_policies",
    "read_back_problems",
    "system_tag_reliance",
    "world",
    "world_from",
]

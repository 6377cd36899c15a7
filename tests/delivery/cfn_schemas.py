"""AWS's published data, as the installed cfn-lint ships it.

- The CloudFormation resource provider schemas: for each type, `handlers.{create,read,update,delete,list}
  .permissions` (the IAM actions CloudFormation's handler calls with the caller's credentials, here the
  execution role's) and `tagging.cloudFormationSystemTags` (whether CloudFormation puts its
  aws:cloudformation:* tags on the resource).
  https://docs.aws.amazon.com/cloudformation-cli/latest/userguide/resource-type-schema.html
- The Service Authorization Reference (cfn-lint's Policies.json): for each action, the resource types it can
  be scoped to, and their ARN formats; an action with none takes Resource "*".
  https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import cfnlint

DATA = Path(cfnlint.__file__).parent / "data"
HANDLERS = ("create", "read", "update", "delete")
# IAM's service prefix, where it is not the lower-cased CloudFormation service name.
SERVICE_PREFIX = {
    "WAFv2": "wafv2",
    "Logs": "logs",
    "ElasticLoadBalancingV2": "elasticloadbalancing",
    "Events": "events",
}


@cache
def _providers() -> dict[str, str]:
    providers: dict[str, str] = json.loads((DATA / "schemas" / "providers" / "us-east-1.json").read_text())
    return providers


@cache
def schema(resource_type: str) -> dict[str, Any]:
    digest = _providers()[resource_type]
    document: dict[str, Any] = json.loads((DATA / "schemas" / "resources" / f"{digest}.json").read_text())
    return document


def permissions(resource_type: str, handler: str) -> list[str]:
    return list(schema(resource_type).get("handlers", {}).get(handler, {}).get("permissions", []))


def system_tags(resource_type: str) -> bool:
    """Whether CloudFormation puts aws:cloudformation:* tags on the type (false when the schema is silent)."""
    return bool(schema(resource_type).get("tagging", {}).get("cloudFormationSystemTags", False))


def service_of(resource_type: str) -> str:
    name = resource_type.split("::")[1]
    return SERVICE_PREFIX.get(name, name.lower())


@cache
def _sar() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DATA / "AdditionalSpecs" / "Policies.json").read_text())
    return document


def known_action(permission: str) -> bool:
    service, action = permission.split(":", 1)
    return action.lower() in _sar().get(service, {}).get("Actions", {})


@cache
def arn_formats(permission: str) -> tuple[tuple[re.Pattern[str], ...], ...]:
    """Per resource type the action can be scoped to, its ARN shapes; empty when it takes only Resource "*".

    IAM authorizes an action on each resource it touches (CreateAlias: the alias and the key), so a caller
    needs the permission on one resource of every type the request names.
    """
    service, action = permission.split(":", 1)
    entry = _sar()[service]
    types = entry["Actions"][action.lower()].get("Resources", [])
    found = []
    for resource_type in types:
        patterns = []
        for arn_format in entry["Resources"].get(resource_type.lower(), {}).get("ARNFormats", []):
            body = re.escape(arn_format).replace(re.escape(".*"), ".*")
            body = re.sub(r"\\\$\\\{(Partition|Region|Account)\\\}", "[^:]*", body)
            patterns.append(re.compile(f"^{body}$"))
        if not patterns:
            raise KeyError(f"{permission}: resource type {resource_type} has no ARN format in Policies.json")
        found.append(tuple(patterns))
    return tuple(found)


def is_read(permission: str) -> bool:
    """Get/Describe/List (and API Gateway's GET): calls that read, whatever handler makes them."""
    return bool(re.match(r"(get|describe|list)", permission.split(":", 1)[1], re.IGNORECASE))

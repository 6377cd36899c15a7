"""What every rule module shares: the check and mutation types, readers of intrinsics, and the facts the rules
derive from the templates themselves (which functions, which tables) instead of restating them."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tests.templates.stack import Sources, Stack, as_list, walk

Check = Callable[[Stack], None]
Mutation = Callable[[Sources], None]
# A named way to break a template, and the check that must then fail.
Mutations = dict[str, tuple[Mutation, Check]]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")


# ---------------------------------------------------------------------------------------------- intrinsics
def sub_text(value: Any) -> str:
    """The string of a Fn::Sub (short or long form), or the value itself."""
    if isinstance(value, dict) and "Fn::Sub" in value:
        sub = value["Fn::Sub"]
        return str(sub[0] if isinstance(sub, list) else sub)
    return str(value)


def refers_to(value: Any, logical_id: str) -> bool:
    """Whether an intrinsic (Ref, GetAtt, Sub) anywhere in a node points at a resource."""
    for node in walk(value):
        if isinstance(node, dict):
            if node.get("Ref") == logical_id:
                return True
            get_att = node.get("Fn::GetAtt")
            if get_att and (get_att[0] if isinstance(get_att, list) else get_att.split(".")[0]) == logical_id:
                return True
            if "Fn::Sub" in node and re.search(r"\$\{" + logical_id + r"[.}]", sub_text(node)):
                return True
    return False


# ---------------------------------------------------------------------------------------------- derived facts
def deployment_hooks(stack: Stack) -> set[str]:
    """The functions CodeDeploy runs around a deployment: what the aliases' UpdatePolicy names as hooks."""
    hooks = set()
    for alias in stack.of_type("AWS::Lambda::Alias").values():
        update = alias.get("UpdatePolicy", {}).get("CodeDeployLambdaAliasUpdate", {})
        for key in ("BeforeAllowTrafficHook", "AfterAllowTrafficHook"):
            if isinstance(update.get(key), dict) and isinstance(update[key].get("Ref"), str):
                hooks.add(update[key]["Ref"])
    return hooks


def functions(stack: Stack) -> list[str]:
    """The functions template.yaml declares behind the API: all but the deployment hooks."""
    resources = stack.sources.template["Resources"]
    hooks = deployment_hooks(stack)
    return [
        name
        for name, resource in resources.items()
        if resource["Type"] == "AWS::Serverless::Function" and name not in hooks
    ]


def function(stack: Stack, name: str) -> dict[str, Any]:
    """A function's properties after translation (Globals merged in)."""
    return stack.resources[name]["Properties"]


def tables(stack: Stack) -> list[str]:
    return list(stack.of_type("AWS::DynamoDB::Table"))


def tables_named_in_environment(stack: Stack, name: str) -> set[str]:
    """The tables a function is told about: the only ones it has any business reaching."""
    variables = function(stack, name)["Environment"]["Variables"]
    return {table for table in tables(stack) if refers_to(variables, table)}


def operations(document: Mapping[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) of every operation, CORS preflights included."""
    for path, item in document["paths"].items():
        for method, spec in item.items():
            if method in HTTP_METHODS:
                yield path, method, spec


def signed_operations(document: Mapping[str, Any]) -> Iterable[tuple[str, str, dict[str, Any]]]:
    return ((path, method, spec) for path, method, spec in operations(document) if method != "options")


def role_statements(stack: Stack, role_name: str) -> list[dict[str, Any]]:
    """Every statement a role grants: its inline policies and the managed policies of this template."""
    role = stack.resources[role_name]["Properties"]
    statements = [s for p in role.get("Policies", []) for s in as_list(p["PolicyDocument"]["Statement"])]
    for arn in role.get("ManagedPolicyArns", []):
        assert isinstance(arn, dict), f"{role_name} attaches a managed policy from outside: {arn}"
        assert "Ref" in arn, f"{role_name} attaches a managed policy from outside: {arn}"
        policy = stack.resources[arn["Ref"]]["Properties"]
        statements += as_list(policy["PolicyDocument"]["Statement"])
    return statements


def alarms(stack: Stack) -> dict[str, dict[str, Any]]:
    return {
        name: resource["Properties"]
        for name, resource in stack.sources.monitoring["Resources"].items()
        if resource["Type"] == "AWS::CloudWatch::Alarm"
    }


# ---------------------------------------------------------------------------------------------- for mutations
def resource(sources: Sources, name: str) -> dict[str, Any]:
    return sources.template["Resources"][name]["Properties"]


def function_globals(sources: Sources) -> dict[str, Any]:
    return sources.template["Globals"]["Function"]


def operation(sources: Sources, path: str, method: str) -> dict[str, Any]:
    return sources.openapi["paths"][path][method]


def statement(statements: list[dict[str, Any]], sid: str) -> dict[str, Any]:
    return next(s for s in statements if s.get("Sid") == sid)


def nested(document: Mapping[str, Any], name: str) -> dict[str, Any]:
    return document["Resources"][name]["Properties"]

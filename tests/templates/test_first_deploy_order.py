"""Issue 8, points 1 and 2: on a first deploy the stage goes live only when it can answer correctly.

CloudFormation orders a resource after every resource its properties Ref, GetAtt or Sub (and its DependsOn);
everything else may run in parallel. The graph here is built from the SAM-translated template, i.e. what
CloudFormation receives, so it shows the edges SAM really generates for the stage.
https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-dependson.html
"""

import re
from collections.abc import Mapping
from graphlib import CycleError, TopologicalSorter
from typing import Any

import pytest

from tests.templates.stack import Stack, as_list, default_stack, walk

# What the stage must wait for, and why (template.yaml, Api Variables, says the same).
STAGE_WAITS_FOR = {
    # API Gateway creates API-Gateway-Execution-Logs_{id}/{stage} itself when a stage with logging goes live.
    "ApiExecutionLogGroup": "API Gateway may create it first; ours then fails: 'already exists'",
    "UserFunctionAliaslive": "the integrations call the live alias: without it the stage answers 500",
    "ProductFunctionAliaslive": "the integrations call the live alias: without it the stage answers 500",
    "UserFunctionApiPermission": "without API Gateway's invoke permission the stage answers 500",
    "ProductFunctionApiPermission": "without API Gateway's invoke permission the stage answers 500",
    "Waf": "the WebACL must exist before the stage, so only the association follows it",
}
# API Gateway's rule for stage variable values (CreateStage / AWS::ApiGateway::Stage Variables).
STAGE_VARIABLE_VALUE = re.compile(r"[A-Za-z0-9\-._~:/?#&=,]+")
_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}")


@pytest.fixture(scope="module")
def stack() -> Stack:
    return default_stack()


def references(node: Any) -> set[str]:
    """Logical ids a node points at through Ref, Fn::GetAtt or Fn::Sub."""
    found: set[str] = set()
    for item in walk(node):
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("Ref"), str):
            found.add(item["Ref"])
        get_att = item.get("Fn::GetAtt")
        if get_att:
            found.add(get_att[0] if isinstance(get_att, list) else get_att.split(".")[0])
        sub = item.get("Fn::Sub")
        if sub is not None:
            text = sub[0] if isinstance(sub, list) else sub
            found.update(_SUB_NAME.findall(str(text)))
    return found


def dependency_graph(resources: Mapping[str, Any]) -> dict[str, set[str]]:
    graph = {}
    for name, resource in resources.items():
        edges = references(resource.get("Properties", {})) | set(as_list(resource.get("DependsOn", [])))
        graph[name] = {target for target in edges if target in resources and target != name}
    return graph


def depends_on(graph: Mapping[str, set[str]], start: str) -> set[str]:
    """Everything `start` waits for, directly or not."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def test_the_graph_has_no_cycle(stack: Stack) -> None:
    try:
        tuple(TopologicalSorter(dependency_graph(stack.resources)).static_order())
    except CycleError as error:
        pytest.fail(f"CloudFormation would refuse the template: {error.args[1]}")


@pytest.mark.parametrize("needed", list(STAGE_WAITS_FOR))
def test_stage_waits_for(stack: Stack, needed: str) -> None:
    graph = dependency_graph(stack.resources)
    assert needed in depends_on(graph, "ApiStage"), (
        f"ApiStage may go live before {needed}: {STAGE_WAITS_FOR[needed]}"
    )


def test_only_the_association_and_the_domain_follow_the_stage(stack: Stack) -> None:
    graph = dependency_graph(stack.resources)
    after_stage = {name for name in graph if "ApiStage" in depends_on(graph, name)}
    expected = {"WebAclAssociation", "ApiBasePathMapping"}
    assert after_stage == expected, f"waiting for the stage: {sorted(after_stage)}"
    association = graph["WebAclAssociation"]
    assert {"ApiStage", "Waf"} <= association


def test_the_custom_domain_serves_the_stage_only_behind_the_web_acl(stack: Stack) -> None:
    # The base path mapping is what makes the domain answer: it waits for the WebACL to be on the stage.
    assert "WebAclAssociation" in depends_on(dependency_graph(stack.resources), "ApiBasePathMapping")


def _constant(node: Any) -> Any:
    """What CloudFormation computes for a Fn::Select over a literal list; anything else as is."""
    if isinstance(node, dict) and set(node) == {"Fn::Select"}:
        index, items = node["Fn::Select"]
        if isinstance(items, list):
            return _constant(items[int(index)])
    return node


def test_stage_variables_are_valid_constants(stack: Stack) -> None:
    variables = stack.resources["ApiStage"]["Properties"]["Variables"]
    assert variables
    for name, value in variables.items():
        constant = _constant(value)
        # A runtime value (an ARN with '*', a log group name with '_', a Ref of a permission with '|') could
        # fail the stage at deploy time; a literal can be checked here.
        assert isinstance(constant, str), f"stage variable {name} depends on a runtime value: {value}"
        assert STAGE_VARIABLE_VALUE.fullmatch(constant), (
            f"stage variable {name}={constant!r} is refused by API Gateway"
        )
        assert re.fullmatch(r"[A-Za-z0-9]+", name), f"stage variable name {name}"

"""Every template parameter that openapi.yaml uses reaches the live stage after a stack update.

SAM names the API's AWS::ApiGateway::Deployment after a hash of the OpenAPI body as written, before
CloudFormation substitutes its Fn::Sub values, and CloudFormation creates a deployment (a snapshot of the
RestApi) only when that logical id changes. So a parameter that only changes a substituted value leaves the
stage serving the old snapshot: a new AllowedOrigin would never reach the preflights and gateway responses
(https://github.com/aws/serverless-application-model/issues/1605). `AlwaysDeploy: true` makes SAM name the
deployment after the time of the transform instead, which runs again on every stack update
(https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-api.html#sam-api-alwaysdeploy).

The check translates the template twice per parameter, with two values and two transform times, as two
successive `sam deploy` runs would, and follows what CloudFormation then does: a new Deployment logical id is
a new deployment of the updated RestApi, and the stage moves to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any
from unittest import mock

from samtranslator.model import apigateway

from tests.templates.rules.base import Check, Mutations, resource, sub_text
from tests.templates.stack import Sources, Stack, translate, walk

# Every template parameter openapi.yaml depends on, and through what. The check derives the set from
# openapi.yaml and template.yaml and fails when it differs, so a new one cannot be added unnoticed.
BODY_PARAMETERS = {
    "AllowedOrigin": "substituted in every preflight and gateway response (Access-Control-Allow-Origin)",
}
# A second value of a parameter without AllowedValues (it must match the AllowedPattern).
SECOND_VALUE = {"AllowedOrigin": "https://app.example.com"}
_SUB_NAME = re.compile(r"\$\{([A-Za-z0-9:]+)(?:\.([A-Za-z0-9.]+))?\}")
_FUNCTION = "AWS::Serverless::Function"


def _referenced_names(node: Any) -> Iterator[tuple[str, str]]:
    """(name, attribute or "") of every Ref and ${...} in a node."""
    for item in walk(node):
        if not isinstance(item, dict):
            continue
        if isinstance(item.get("Ref"), str):
            yield item["Ref"], ""
        if "Fn::Sub" in item:
            for name, attribute in _SUB_NAME.findall(sub_text(item)):
                yield name, attribute
        if "Fn::GetAtt" in item:
            target = item["Fn::GetAtt"]
            name, attribute = target if isinstance(target, list) else target.split(".", 1)
            yield str(name), str(attribute)


def body_parameters(sources: Sources) -> set[str]:
    """The template parameters whose values end up in the RestApi body."""
    template = sources.template
    parameters = set(template["Parameters"])
    found: set[str] = set()
    for name, attribute in _referenced_names(sources.openapi):
        if name.startswith("AWS::"):
            continue  # partition and region cannot change in a stack update
        if name in parameters:
            found.add(name)
            continue
        declared = template["Resources"].get(name, {})
        # A function's ARN is made of partition, region, account and its FunctionName only.
        unknown = f"openapi.yaml uses ${{{name}.{attribute}}}: say here which parameters decide its value"
        assert declared.get("Type") == _FUNCTION, unknown
        assert attribute == "Arn", unknown
        function_name = declared["Properties"].get("FunctionName")
        assert function_name is not None, f"{name} has a generated name: its ARN changes on replacement"
        found |= {ref for ref, _ in _referenced_names(function_name) if ref in parameters}
    return found


@contextmanager
def _transform_time(seconds: int) -> Iterator[None]:
    # SAM reads the clock once per AlwaysDeploy API (int(time.time())); pin it for this translation.
    with mock.patch.object(apigateway, "time", SimpleNamespace(time=lambda: float(seconds))):
        yield


def _deployment(stack: Stack) -> str:
    (name,) = stack.of_type("AWS::ApiGateway::Deployment")
    return name


def check_every_body_parameter_reaches_the_stage(stack: Stack) -> None:
    sources = stack.sources
    used = body_parameters(sources)
    assert used == set(BODY_PARAMETERS), f"openapi.yaml depends on {sorted(used)}; list each with its reason"
    for offset, parameter in enumerate(sorted(used)):
        declared = sources.template["Parameters"][parameter]
        first_value = declared["Default"]
        others = [value for value in declared.get("AllowedValues", []) if value != first_value]
        second_value = others[0] if others else SECOND_VALUE[parameter]
        if "AllowedPattern" in declared:
            assert re.fullmatch(declared["AllowedPattern"], second_value), second_value
        with _transform_time(1_800_000_000 + 600 * offset):
            before = translate(sources, {parameter: first_value})
        with _transform_time(1_800_000_000 + 600 * offset + 300):  # the next `sam deploy`, minutes later
            after = translate(sources, {parameter: second_value})
        old, new = _deployment(before), _deployment(after)
        assert old != new, (
            f"{parameter} changes the RestApi body, not the deployment ({new}): the stage keeps the old one"
        )
        # The new deployment snapshots the RestApi after its update (it waits for it); the stage moves to it.
        assert after.resources[new]["Properties"]["RestApiId"] == {"Ref": "Api"}
        (stage,) = after.of_type("AWS::ApiGateway::Stage").values()
        assert stage["Properties"]["DeploymentId"] == {"Ref": new}


CHECKS: list[Check] = [check_every_body_parameter_reaches_the_stage]


def _parameter_in_a_new_place(sources: Sources) -> None:
    preflight = sources.openapi["paths"]["/users"]["options"]["x-amazon-apigateway-integration"]
    preflight["responses"]["default"]["responseParameters"][
        "method.response.header.Access-Control-Max-Age"
    ] = {"Fn::Sub": "'${LogRetentionDays}'"}


MUTATIONS: Mutations = {
    "API deployed only when the body as written changes": (
        lambda s: resource(s, "Api").pop("AlwaysDeploy"),
        check_every_body_parameter_reaches_the_stage,
    ),
    "API deployment pinned off": (
        lambda s: resource(s, "Api").update(AlwaysDeploy=False),
        check_every_body_parameter_reaches_the_stage,
    ),
    "openapi.yaml uses a parameter nobody listed": (
        _parameter_in_a_new_place,
        check_every_body_parameter_reaches_the_stage,
    ),
}

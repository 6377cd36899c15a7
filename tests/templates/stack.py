"""Load the templates as written and translate template.yaml with the SAM translator, offline.

`Sources` holds the four documents as parsed dicts, so a test can mutate a copy and rebuild; `Stack` adds the
CloudFormation the SAM translator produces from template.yaml (with openapi.yaml in place of its AWS::Include,
which is what CloudFormation hands the transform).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import boto3
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator
from samtranslator.yaml_helper import yaml_parse

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_FILES = ("template.yaml", "waf.yaml", "monitoring.yaml")
SOURCE_FILES = (*TEMPLATE_FILES, "openapi.yaml", "samconfig.toml")


@dataclass(frozen=True)
class Sources:
    template: dict[str, Any]
    openapi: dict[str, Any]
    waf: dict[str, Any]
    monitoring: dict[str, Any]

    def copy(self) -> Sources:
        return copy.deepcopy(self)


@dataclass(frozen=True)
class Stack:
    sources: Sources
    cfn: dict[str, Any]

    @property
    def resources(self) -> dict[str, Any]:
        return self.cfn["Resources"]

    def of_type(self, resource_type: str) -> dict[str, Any]:
        return {key: value for key, value in self.resources.items() if value["Type"] == resource_type}

    @property
    def body(self) -> dict[str, Any]:
        """The OpenAPI document as the RestApi receives it."""
        return self.resources["Api"]["Properties"]["Body"]


def read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


@cache
def _parsed_sources() -> Sources:
    return Sources(
        template=yaml_parse(read("template.yaml")),
        openapi=yaml_parse(read("openapi.yaml")),
        waf=yaml_parse(read("waf.yaml")),
        monitoring=yaml_parse(read("monitoring.yaml")),
    )


def load_sources() -> Sources:
    return _parsed_sources().copy()


def translate(sources: Sources, parameters: Mapping[str, str] | None = None) -> Stack:
    """Run the SAM transform the way `sam validate` does: local code paths become placeholder S3 URIs."""
    template = copy.deepcopy(sources.template)
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            properties["CodeUri"] = "s3://placeholder/function.zip"
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            properties["ContentUri"] = "s3://placeholder/layer.zip"
        elif resource["Type"] == "AWS::Serverless::Api":
            include = properties["DefinitionBody"]["Fn::Transform"]
            assert include["Name"] == "AWS::Include"
            assert include["Parameters"]["Location"] == "openapi.yaml"
            properties["DefinitionBody"] = copy.deepcopy(sources.openapi)
    translator = Translator(
        managed_policy_map=None,
        sam_parser=Parser(),
        plugins=[],
        boto_session=boto3.Session(region_name="us-east-1"),
    )
    cfn = translator.translate(
        sam_template=template,
        parameter_values=dict(parameters or {}),
        get_managed_policy_map=lambda: {},
    )
    return Stack(sources=sources, cfn=cfn)


@cache
def default_stack() -> Stack:
    return translate(load_sources())


# ------------------------------------------------------------------------------------------- intrinsics
def evaluate(node: Any, template: Mapping[str, Any], parameters: Mapping[str, Any]) -> Any:
    """Resolve Fn::If, conditions and parameter Refs for one set of parameter values; leave the rest."""
    if isinstance(node, list):
        return [evaluate(item, template, parameters) for item in node]
    if not isinstance(node, dict):
        return node
    if set(node) == {"Fn::If"}:
        name, when_true, when_false = node["Fn::If"]
        chosen = when_true if condition(name, template, parameters) else when_false
        return evaluate(chosen, template, parameters)
    if set(node) == {"Ref"} and node["Ref"] in template.get("Parameters", {}):
        name = node["Ref"]
        return parameters.get(name, template["Parameters"][name].get("Default"))
    return {key: evaluate(value, template, parameters) for key, value in node.items()}


def condition(name: str, template: Mapping[str, Any], parameters: Mapping[str, Any]) -> bool:
    return bool(_condition(template["Conditions"][name], template, parameters))


def holds(node: Any, template: Mapping[str, Any], parameters: Mapping[str, Any]) -> bool:
    """A condition function written in place (a rule's RuleCondition or Assert), for one set of parameters."""
    return bool(_condition(node, template, parameters))


def _condition(node: Any, template: Mapping[str, Any], parameters: Mapping[str, Any]) -> Any:  # noqa: PLR0911
    if isinstance(node, dict):
        (key, value), *_ = node.items()
        if key == "Fn::Equals":
            left, right = (_condition(item, template, parameters) for item in value)
            return str(left) == str(right)
        if key == "Fn::Not":
            return not _condition(value[0], template, parameters)
        if key == "Fn::And":
            return all(_condition(item, template, parameters) for item in value)
        if key == "Fn::Or":
            return any(_condition(item, template, parameters) for item in value)
        if key == "Condition":
            return condition(value, template, parameters)
        if key == "Ref":
            return parameters.get(value, template["Parameters"][value].get("Default"))
    return node


def walk(node: Any) -> Iterator[Any]:
    """Every node of a parsed document, depth first."""
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]

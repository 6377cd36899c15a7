"""Read template.yaml as `sam local start-api` does: stacks, functions, API routes and the OpenAPI body."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from local_api import sam

API_TYPES = ("AWS::Serverless::Api", "AWS::ApiGateway::RestApi")


@dataclass(frozen=True)
class LocalStack:
    template: Path
    parameters: dict[str, Any]
    resources: dict[str, Any]
    functions: dict[str, sam.Function]
    api: sam.Api
    openapi: dict[str, Any]
    web_acl: dict[str, Any] | None = None  # Properties of the WebACL associated in the stack or a nested one

    @property
    def base_dir(self) -> Path:
        return self.template.parent

    def resources_of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {lid: res for lid, res in self.resources.items() if res.get("Type") == resource_type}


def load_stack(
    template: Path, region: str, parameter_overrides: Mapping[str, str] | None = None
) -> LocalStack:
    sam.check_version()
    sam.quiet_sam_logging()
    template = template.resolve()
    pseudo = {"AWS::Region": region}
    # SAM resolves AWS::Include and nested-stack locations against the working directory, as `sam local`
    # run from the project folder does.
    with contextlib.chdir(template.parent):
        stacks, _warnings = sam.SamLocalStackProvider.get_stacks(
            str(template),
            parameter_overrides=dict(parameter_overrides or {}),
            global_parameter_overrides=pseudo,
        )
        functions = {function.full_path: function for function in sam.SamFunctionProvider(stacks).get_all()}
        api = sam.ApiProvider(stacks, cwd=str(template.parent)).api
    root = next(stack for stack in stacks if not stack.parent_stack_path)
    parameters = _parameter_values(root.template_dict, {**pseudo, **(parameter_overrides or {})})
    return LocalStack(
        template=template,
        parameters=parameters,
        resources=dict(root.resources),
        functions=functions,
        api=api,
        openapi=_openapi(root, template.parent, parameters),
        web_acl=_associated_web_acl(stacks, pseudo),
    )


def _parameter_values(template: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = dict(sam.IntrinsicsSymbolTable.DEFAULT_PSEUDO_PARAM_VALUES)
    for name, spec in (template.get("Parameters") or {}).items():
        if isinstance(spec, Mapping) and "Default" in spec:
            values[name] = spec["Default"]
    values.update(overrides)
    return values


def _associated_web_acl(stacks: list[sam.Stack], pseudo: Mapping[str, Any]) -> dict[str, Any] | None:
    """The WebACL that a stack (root or nested, e.g. waf.yaml) associates with a resource, its properties
    resolved with the parameters that stack receives (SAM resolves what the parent passes)."""
    found = []
    for stack in stacks:
        resources = stack.resources or {}
        types = {resource.get("Type") for resource in resources.values()}
        if "AWS::WAFv2::WebACLAssociation" not in types:
            continue
        values = _parameter_values(stack.template_dict, {**pseudo, **(stack.parameters or {})})
        found += [
            sam.resolve_intrinsics(resource.get("Properties") or {}, stack.template_dict, values)
            for resource in resources.values()
            if resource.get("Type") == "AWS::WAFv2::WebACL"
        ]
    if len(found) > 1:
        raise ValueError(f"expected at most one associated AWS::WAFv2::WebACL, found {len(found)}")
    return found[0] if found else None


def _openapi(root: sam.Stack, base_dir: Path, parameters: dict[str, Any]) -> dict[str, Any]:
    apis = [res for res in root.resources.values() if res.get("Type") in API_TYPES]
    if len(apis) != 1:
        raise ValueError(f"expected exactly one REST API in the template, found {len(apis)}")
    properties = apis[0].get("Properties", {})
    body = properties.get("DefinitionBody") or properties.get("Body")
    uri = properties.get("DefinitionUri") or properties.get("BodyS3Location")
    document = sam.SwaggerReader(definition_body=body, definition_uri=uri, working_dir=str(base_dir)).read()
    if not isinstance(document, dict):
        raise ValueError("the REST API has no readable OpenAPI definition")
    resolved = sam.resolve_intrinsics(document, root.template_dict, parameters)
    decimal_document: dict[str, Any] = _decimals(resolved)
    return decimal_document


def _decimals(node: Any) -> Any:
    """Schema numbers as Decimal, so `multipleOf: 0.01` is exact against Decimal-parsed bodies."""
    if isinstance(node, Mapping):
        return {key: _decimals(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_decimals(value) for value in node]
    if isinstance(node, float):
        return Decimal(repr(node))
    return node

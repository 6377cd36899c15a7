"""Read template.yaml as `sam local start-api` does: stacks, functions, API routes and the OpenAPI body."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from tools.local_api import sam

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
        api = sam.ApiProvider(stacks, cwd=str(template.parent)).api
        functions = {
            function.full_path: function
            for function in sam.SamFunctionProvider(stacks).get_all()
            if function.full_path in api_targets(api)
        }
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


def api_targets(api: sam.Api) -> set[str]:
    """The functions the API's routes invoke: all the local API runs. A function nothing routes to (the
    PreTraffic hook, which CodeDeploy invokes during a deployment) is not served, as API Gateway would not."""
    return {str(route.function_name) for route in api.routes}


def _parameter_values(template: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = dict(sam.IntrinsicsSymbolTable.DEFAULT_PSEUDO_PARAM_VALUES)
    for name, spec in (template.get("Parameters") or {}).items():
        if isinstance(spec, Mapping) and "Default" in spec:
            values[name] = spec["Default"]
    values.update(overrides)
    return values


def _associated_web_acl(stacks: list[sam.Stack], pseudo: Mapping[str, Any]) -> dict[str, Any] | None:
    """Properties of the WebACL that a WebACLAssociation in any stack points at, resolved with the parameters
    of the stack that holds the WebACL. The association may sit in another stack than the WebACL: the root
    stack associates `!GetAtt Waf.Outputs.WebAclArn`, the WebACL of the nested waf.yaml."""
    associations = [
        (stack, resource.get("Properties") or {})
        for stack in stacks
        for resource in (stack.resources or {}).values()
        if resource.get("Type") == "AWS::WAFv2::WebACLAssociation"
    ]
    if not associations:
        return None
    if len(associations) > 1:
        raise ValueError(f"expected at most one AWS::WAFv2::WebACLAssociation, found {len(associations)}")
    stack, properties = associations[0]
    holder, logical_id = _web_acl_target(stack, properties.get("WebACLArn"), stacks)
    values = _parameter_values(holder.template_dict, {**pseudo, **(holder.parameters or {})})
    web_acl = holder.resources[logical_id]
    resolved: dict[str, Any] = sam.resolve_intrinsics(
        web_acl.get("Properties") or {}, holder.template_dict, values
    )
    return resolved


def _web_acl_target(stack: sam.Stack, arn: Any, stacks: list[sam.Stack]) -> tuple[sam.Stack, str]:
    """Stack and logical id of the WebACL behind `!GetAtt X.Arn` or `!GetAtt Child.Outputs.Y`."""
    target = arn.get("Fn::GetAtt") if isinstance(arn, Mapping) else None
    if isinstance(target, str):
        target = target.split(".", 1)
    if not isinstance(target, list) or len(target) != 2:
        raise ValueError(f"WebACLArn must be a GetAtt of the WebACL or of a nested stack's output: {arn!r}")
    logical_id, attribute = str(target[0]), str(target[1])
    if attribute == "Arn" and (stack.resources or {}).get(logical_id, {}).get("Type") == "AWS::WAFv2::WebACL":
        return stack, logical_id
    child_path = f"{stack.stack_path}/{logical_id}" if stack.stack_path else logical_id
    output = attribute.removeprefix("Outputs.")
    child = next((s for s in stacks if s.stack_path == child_path), None)
    if child is None or output == attribute:
        raise ValueError(f"WebACLArn {arn!r} names no WebACL and no nested stack output")
    value = ((child.template_dict.get("Outputs") or {}).get(output) or {}).get("Value")
    return _web_acl_target(child, value, stacks)


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

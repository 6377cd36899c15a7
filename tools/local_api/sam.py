"""The one module that touches SAM CLI's internals (aws-sam-cli is pinned;
tests/local_api/test_sam_internals.py fails loudly when an upgrade moves any of these names or signatures).

`sam local start-api` is these pieces plus a Docker runner; we keep the pieces and swap the runner.
"""

from __future__ import annotations

import logging
from importlib.metadata import version
from typing import Any

from samcli.commands.local.lib.swagger.reader import SwaggerReader
from samcli.lib.intrinsic_resolver.intrinsic_property_resolver import IntrinsicResolver
from samcli.lib.intrinsic_resolver.intrinsics_symbol_table import IntrinsicsSymbolTable
from samcli.lib.providers.api_provider import ApiProvider
from samcli.lib.providers.provider import Api, Function, Stack
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider
from samcli.lib.utils.stream_writer import StreamWriter
from samcli.local.apigw.local_apigw_service import LocalApigwService
from samcli.local.apigw.path_converter import PathConverter
from samcli.local.lambdafn.env_vars import EnvironmentVariables

# The version these internals were read from; requirements-dev.txt pins it.
SAM_CLI_VERSION = "1.170.0"

__all__ = [
    "SAM_CLI_VERSION",
    "Api",
    "ApiProvider",
    "EnvironmentVariables",
    "Function",
    "IntrinsicResolver",
    "IntrinsicsSymbolTable",
    "LocalApigwService",
    "PathConverter",
    "SamFunctionProvider",
    "SamLocalStackProvider",
    "Stack",
    "StreamWriter",
    "SwaggerReader",
    "check_version",
    "quiet_sam_logging",
    "resolve_intrinsics",
]


def check_version() -> None:
    """Refuse to run on a SAM CLI whose internals were not checked."""
    installed = version("aws-sam-cli")
    if installed != SAM_CLI_VERSION:
        raise RuntimeError(
            f"local_api was written against aws-sam-cli {SAM_CLI_VERSION} internals, found {installed}; "
            "run tests/local_api/test_sam_internals.py and update tools/local_api/sam.py"
        )


def quiet_sam_logging() -> None:
    # SAM warns that it skips the 'sigv4' authorizer; our gateway layer enforces it instead.
    logging.getLogger("samcli").setLevel(logging.ERROR)


def resolve_intrinsics(value: Any, template: dict[str, Any], parameters: dict[str, Any]) -> Any:
    """Resolve Ref/Fn::Sub/... of template parameters inside `value` (e.g. the included OpenAPI document),
    leaving what only CloudFormation knows (function ARNs) as it is."""
    resolver = IntrinsicResolver(
        template=template,
        symbol_resolver=IntrinsicsSymbolTable(logical_id_translator=parameters, template=template),
    )

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if len(node) == 1 and next(iter(node)).startswith(("Ref", "Fn::")):
                try:
                    return resolver.intrinsic_property_resolver(node, ignore_errors=False)
                except Exception:
                    return node
            return {key: walk(item) for key, item in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    return walk(value)

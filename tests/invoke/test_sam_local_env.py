"""local/env.json and `make backend`, the Docker path of `sam local`, proved without Docker.

The env-vars file goes through SAM CLI's own resolution (the function provider, then LocalLambdaRunner's
_make_env_vars and EnvironmentVariables.resolve(), as `sam local invoke --env-vars` does); each function must
come out with the environment its cold start reads, and that environment must reach a backend that answers
the functions' DynamoDB and Secrets Manager calls.
"""

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from samcli.commands.local.lib.local_lambda import LocalLambdaRunner
from samcli.lib.providers.api_provider import ApiProvider
from samcli.lib.providers.provider import Function
from samcli.lib.providers.sam_function_provider import SamFunctionProvider
from samcli.lib.providers.sam_stack_provider import SamLocalStackProvider

from tests.invoke.events import ROOT, expected_status, function_for, load
from tools.local_api.container_backend import (
    DEFAULT_PORT,
    ENV_VARS_FILE,
    ContainerBackend,
    env_vars_from_template,
    reseed_running,
)
from tools.local_api.invoke import Collector
from tools.local_api.runner import InProcessRunner
from tools.local_api.samples import ITEMS
from tools.local_api.stack import api_targets, load_stack

REGION = "us-east-1"
ENDPOINT_VARIABLES = ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SECRETS_MANAGER")
# One event per kind of call the functions make: scan + secret, transaction + idempotency table, GSI query,
# conditional put, conditional delete.
CALLS = [
    "users-list-with-cursor-200",
    "users-create-201",
    "users-update-stale-if-match-412",
    "products-list-category-200",
    "products-update-if-match-200",
    "products-delete-204",
]


@pytest.fixture(scope="module")
def functions() -> dict[str, Function]:
    """The functions `sam local start-api` serves (the PreTraffic hook is CodeDeploy's, not the API's)."""
    with contextlib.chdir(ROOT):
        stacks, _ = SamLocalStackProvider.get_stacks("template.yaml")
        served = api_targets(ApiProvider(stacks, cwd=str(ROOT)).api)
        provider = SamFunctionProvider(stacks)
        return {function.name: function for function in provider.get_all() if function.full_path in served}


@pytest.fixture(scope="module")
def resolved(functions: dict[str, Function]) -> Iterator[dict[str, dict[str, str]]]:
    """The environments `sam local invoke --env-vars local/env.json --region us-east-1` sets it."""
    with pytest.MonkeyPatch.context() as patch:
        # SAM takes declared variables from the shell too (second priority): keep this shell's out of it.
        for name in ENDPOINT_VARIABLES:
            patch.delenv(name, raising=False)
        patch.setenv("AWS_ACCESS_KEY_ID", "AKIASAMLOCALTEST0000")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "sam-local-test")
        patch.setenv("AWS_CONFIG_FILE", os.devnull)
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        runner = LocalLambdaRunner(
            local_runtime=None,  # only the environment is computed, nothing is run
            function_provider=None,
            cwd=str(ROOT),
            real_path=str(ROOT),
            aws_region=REGION,
            env_vars_values=json.loads(ENV_VARS_FILE.read_text(encoding="utf-8")),
        )
        yield {name: runner._make_env_vars(function).resolve() for name, function in functions.items()}


def test_env_vars_file_points_both_functions_at_the_backend(resolved: dict[str, dict[str, str]]) -> None:
    assert set(resolved) == {"UserFunction", "ProductFunction"}
    for environment in resolved.values():
        for name in ENDPOINT_VARIABLES:
            endpoint = urlsplit(environment[name])
            assert (endpoint.scheme, endpoint.hostname, endpoint.port) == (
                "http",
                "host.docker.internal",
                DEFAULT_PORT,
            )
        assert environment["IDEMPOTENCY_TABLE_NAME"] in ITEMS
        assert environment["AWS_REGION"] == REGION
    assert resolved["UserFunction"]["USERS_TABLE_NAME"] == "UsersTable"
    assert resolved["ProductFunction"]["PRODUCTS_TABLE_NAME"] == "ProductsTable"


@pytest.mark.parametrize(
    ("function", "package"), [("UserFunction", "users"), ("ProductFunction", "products")]
)
def test_each_function_cold_starts_with_that_environment(
    resolved: dict[str, dict[str, str]], functions: dict[str, Function], function: str, package: str
) -> None:
    """Importing the handler reads every setting the function's config requires (a missing one raises)."""
    code = ROOT / str(functions[function].codeuri)
    environment = {
        **resolved[function],
        "PATH": os.environ["PATH"],
        "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "api_common"), str(code)]),
    }
    done = subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-c", f"import {package}.handler"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_the_file_is_the_one_the_template_implies() -> None:
    """Written by `python -m tools.local_api.container_backend --write-env-vars`: a table or secret the
    template adds, renames or hands to another variable fails here until the file is rewritten."""
    expected = env_vars_from_template(load_stack(ROOT / "template.yaml", REGION))
    assert json.loads(ENV_VARS_FILE.read_text(encoding="utf-8")) == expected


def test_a_variable_the_template_adds_reaches_the_file() -> None:
    stack = load_stack(ROOT / "template.yaml", REGION)
    user = stack.functions["UserFunction"]
    variables = {
        **user.environment["Variables"],
        "AUDIT_TABLE_NAME": "ProductsTable",
        "MODE": "ProductsTable!",
    }
    stack.functions["UserFunction"] = user._replace(environment={"Variables": variables})
    document = env_vars_from_template(stack, port=4000)
    assert document["UserFunction"] == {"USERS_TABLE_NAME": "UsersTable", "AUDIT_TABLE_NAME": "ProductsTable"}
    assert document["Parameters"]["AWS_ENDPOINT_URL_DYNAMODB"] == "http://host.docker.internal:4000"


def test_without_the_file_the_functions_would_call_aws(functions: dict[str, Function]) -> None:
    """The template declares the endpoints empty (the SDK's regional endpoint): the file is what sets them."""
    for function in functions.values():
        variables: dict[str, Any] = function.environment["Variables"]
        assert all(variables[name] == "" for name in ENDPOINT_VARIABLES)


def _towards(url: str, backend_url: str) -> str:
    """The env.json endpoint with host:port replaced by where this test's backend listens."""
    return urlunsplit(urlsplit(url)._replace(netloc=urlsplit(backend_url).netloc))


@pytest.fixture(scope="module")
def runner(
    resolved: dict[str, dict[str, str]], functions: dict[str, Function], backend: ContainerBackend
) -> InProcessRunner:
    """The functions with exactly the resolved environments, the endpoints' host:port aside."""
    environments = {
        function.full_path: {
            **resolved[name],
            **{var: _towards(resolved[name][var], backend.url) for var in ENDPOINT_VARIABLES},
        }
        for name, function in functions.items()
    }
    by_path = {function.full_path: function for function in functions.values()}
    return InProcessRunner(by_path, ROOT, environments, REGION)


@pytest.fixture(scope="module")
def routes() -> Any:
    return load_stack(ROOT / "template.yaml", REGION).api.routes


@pytest.mark.parametrize("name", CALLS)
def test_the_backend_answers_the_functions_calls(
    runner: InProcessRunner, backend: ContainerBackend, routes: Any, name: str
) -> None:
    reseed_running(backend.url, REGION)
    path = ROOT / "events" / f"{name}.json"
    collector = Collector()

    runner.invoke(function_for(load(path), routes), path.read_text(encoding="utf-8"), stdout=collector)

    result = json.loads(collector.text)
    assert result["statusCode"] == expected_status(path), result

"""Fails loudly when an aws-sam-cli upgrade moves what tools/local_api/sam.py builds on."""

from __future__ import annotations

import inspect
from importlib.metadata import version

from flask import Flask

from tests.local_api import FIXTURE_TEMPLATE
from tools.local_api import sam
from tools.local_api.stack import load_stack


def _parameters(function: object) -> set[str]:
    return set(inspect.signature(function).parameters)  # type: ignore[arg-type]


def test_sam_cli_is_the_version_local_api_was_written_for() -> None:
    assert version("aws-sam-cli") == sam.SAM_CLI_VERSION, (
        "re-check tools/local_api/sam.py, then bump SAM_CLI_VERSION"
    )


def test_provider_and_service_signatures() -> None:
    assert {"template_file", "parameter_overrides", "global_parameter_overrides"} <= _parameters(
        sam.SamLocalStackProvider.get_stacks
    )
    assert {"api", "lambda_runner", "port", "host"} <= _parameters(sam.LocalApigwService.__init__)
    assert {"stacks", "cwd"} <= _parameters(sam.ApiProvider.__init__)
    assert {"definition_body", "definition_uri", "working_dir"} <= _parameters(sam.SwaggerReader.__init__)
    assert {"function_name", "variables", "override_values", "aws_creds"} <= _parameters(
        sam.EnvironmentVariables.__init__
    )
    assert {"intrinsic", "ignore_errors"} <= _parameters(sam.IntrinsicResolver.intrinsic_property_resolver)


def test_service_calls_the_runner_the_way_ours_answers() -> None:
    # LocalApigwService hands the runner a JSON string and a StreamWriter and reads the result back from it.
    source = inspect.getsource(sam.LocalApigwService._invoke_lambda_function)
    assert "self.lambda_runner.invoke(" in source
    assert "stdout=stdout_writer" in source
    assert "json.dumps(event" in source
    assert {"write_str", "flush"} <= set(dir(sam.StreamWriter))


def test_stack_functions_and_routes_from_a_template() -> None:
    stack = load_stack(FIXTURE_TEMPLATE, "us-east-1")

    function = stack.functions["FixtureFunction"]
    assert function.handler == "fixture_items.handler.lambda_handler"
    assert function.timeout == 1
    assert function.environment["Variables"]["ITEMS_TABLE_NAME"] == "ItemsTable"  # !Ref -> logical ID locally
    routes = {
        (route.path, method, route.function_name) for route in stack.api.routes for method in route.methods
    }
    assert ("/items", "POST", "FixtureFunction") in routes
    assert not any(path == "/items" and method == "OPTIONS" for path, method, _ in routes)  # mocks are ours
    assert stack.api.stage_name == "test"
    assert stack.openapi["paths"]["/items"]["options"]["x-amazon-apigateway-integration"]["type"] == "mock"


def test_service_builds_a_flask_app_with_the_routes() -> None:
    stack = load_stack(FIXTURE_TEMPLATE, "us-east-1")

    class Runner:
        def is_debugging(self) -> bool:
            return False

    service = sam.LocalApigwService(stack.api, Runner(), port=0, host="127.0.0.1")
    service.create()

    app = service._app
    assert isinstance(app, Flask)
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert {"/items", "/crash", "/slow", "/open"} <= rules
    assert sam.PathConverter.convert_path_to_api_gateway("/users/<id>") == "/users/{id}"


def test_environment_variables_give_lambda_runtime_variables() -> None:
    env = sam.EnvironmentVariables(
        function_name="f",
        function_memory=128,
        function_timeout=3,
        function_handler="m.h",
        variables={"A": "template"},
        override_values={"A": "override"},
        aws_creds={"region": "eu-west-1"},
    ).resolve()
    assert env["A"] == "override"
    assert env["AWS_SAM_LOCAL"] == "true"
    assert env["AWS_REGION"] == "eu-west-1"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == "f"

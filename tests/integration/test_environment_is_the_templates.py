"""The integration suite's environment (conftest.py) against template.yaml's: every variable the template
gives the two API functions is set here, the tables the suite creates are the ones those variables name,
and the index name is the template's. A variable the template adds or renames fails here, not later."""

import os
from pathlib import Path

from tests.integration.conftest import TABLES
from tools.local_api.stack import load_stack

ROOT = Path(__file__).resolve().parents[2]
# Not set by the suite on purpose: no endpoint, so that moto's mock answers every AWS call in process; and
# the tracing switches, whose X-Ray SDK mode is the default (api_common.tracing).
NOT_SET = {"AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "TRACING_MODE"}


def template_variables() -> dict[str, dict[str, object]]:
    stack = load_stack(ROOT / "template.yaml", "us-east-1")
    return {name: dict(function.environment["Variables"]) for name, function in stack.functions.items()}


def test_every_variable_of_the_template_is_set() -> None:
    functions = template_variables()
    assert set(functions) == {"UserFunction", "ProductFunction"}
    for variables in functions.values():
        plain = {name for name, value in variables.items() if isinstance(value, str)}  # Fn::If: otel only
        assert plain - NOT_SET - set(os.environ) == set()


def test_the_tables_are_the_ones_the_variables_name() -> None:
    stack = load_stack(ROOT / "template.yaml", "us-east-1")
    tables = set(stack.resources_of_type("AWS::DynamoDB::Table"))
    assert set(TABLES) == tables
    for variables in template_variables().values():
        for name, value in variables.items():
            if isinstance(value, str) and value in tables:
                assert os.environ[name] == TABLES[value], name


def test_the_category_index_is_the_templates() -> None:
    assert (
        template_variables()["ProductFunction"]["PRODUCTS_CATEGORY_INDEX"]
        == os.environ["PRODUCTS_CATEGORY_INDEX"]
    )

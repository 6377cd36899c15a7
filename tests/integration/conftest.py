"""Integration suite: both handlers in-process against moto, with tables created from template.yaml itself."""

import os

# The functions read their configuration once, at import: set it (and fence AWS off) before any import.
os.environ.update(
    {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_LAMBDA_FUNCTION_NAME": "unit-tests",
        "POWERTOOLS_SERVICE_NAME": "unit-tests",
        "POWERTOOLS_METRICS_NAMESPACE": "UsersProductsApi",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "ENVIRONMENT": "dev",
        "ALLOWED_ORIGIN": "https://app.example.com",
        "USERS_TABLE_NAME": "unit-users",
        "PRODUCTS_TABLE_NAME": "unit-products",
        "PRODUCTS_CATEGORY_INDEX": "category-index",
        "IDEMPOTENCY_TABLE_NAME": "unit-idempotency",
        "CURSOR_SECRET_ID": "unit-cursor-signing-key",
    }
)
for variable in (
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "AWS_PROFILE",
):
    os.environ.pop(variable, None)

import functools  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from typing import Any, Literal, cast  # noqa: E402

import boto3  # noqa: E402
import moto  # noqa: E402, F401 - imported before the handlers so that their clients are mockable
import pytest  # noqa: E402
from aws_lambda_powertools.utilities.typing import LambdaContext as PowertoolsLambdaContext  # noqa: E402
from moto import mock_aws  # noqa: E402

from tests.integration.support import Reply, api_event, reply  # noqa: E402
from tools.lambda_doubles import LambdaContext  # noqa: E402
from tools.local_api.samples import CURSOR_KEY  # noqa: E402 - the key events/*.json cursors are signed with
from tools.local_api.tables_from_template import create_tables  # noqa: E402

TABLES = {
    "UsersTable": os.environ["USERS_TABLE_NAME"],
    "ProductsTable": os.environ["PRODUCTS_TABLE_NAME"],
    "IdempotencyTable": os.environ["IDEMPOTENCY_TABLE_NAME"],
}


def pytest_configure(config: pytest.Config) -> None:
    # Powertools warns on every invocation that emits no business metric (reads): expected here.
    config.addinivalue_line("filterwarnings", "ignore:No application metrics to publish:UserWarning")


def FakeLambdaContext() -> PowertoolsLambdaContext:  # noqa: N802 - reads as the class it stands in for
    """The context every test hands a handler: the shared double, named after the functions' test service
    (typed as the Powertools class the handlers declare; the double has the attributes they read)."""
    double = LambdaContext("unit-tests", aws_request_id="00000000-0000-4000-8000-000000000000")
    return cast(PowertoolsLambdaContext, double)


@functools.cache
def _setup_client(service: Literal["dynamodb", "secretsmanager"]) -> Any:
    # One client per process for the fixture's own calls: moto's hook answers whichever mock is active, and
    # building a client (its service model) costs more than the rest of the fixture.
    return boto3.session.Session().client(service)


@pytest.fixture
def aws() -> Iterator[None]:
    """A fresh moto account with the template's tables and the cursor signing secret."""
    with mock_aws():
        create_tables(_setup_client("dynamodb"), TABLES)
        _setup_client("secretsmanager").create_secret(
            Name=os.environ["CURSOR_SECRET_ID"], SecretString=CURSOR_KEY
        )
        yield


Call = Callable[..., Reply]


def _caller(handler_module: str) -> Call:
    import importlib

    module = importlib.import_module(handler_module)

    def call(method: str, path: str, **kwargs: Any) -> Reply:
        return reply(module.lambda_handler(api_event(method, path, **kwargs), FakeLambdaContext()))

    return call


@pytest.fixture
def users_api(aws: None) -> Call:
    return _caller("users.handler")


@pytest.fixture
def products_api(aws: None) -> Call:
    return _caller("products.handler")


@pytest.fixture
def api(aws: None) -> Call:
    """Route by path to the function API Gateway would invoke."""
    users, products = _caller("users.handler"), _caller("products.handler")

    def call(method: str, path: str, **kwargs: Any) -> Reply:
        return (users if path.startswith("/users") else products)(method, path, **kwargs)

    return call

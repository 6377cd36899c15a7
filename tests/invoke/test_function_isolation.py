"""The two functions run in one process but, as in two Lambda containers, each with its own modules: the
layer's api_common and Powertools are imported once per function (each with its own service name), and
neither function's code or copies are in the other's namespace or left in the process's sys.modules."""

import json
import sys
from collections.abc import Iterator

import pytest

from tests.invoke.events import ROOT
from tools.local_api.invoke import LocalInvoker

SERVICES = {"UserFunction": "users", "ProductFunction": "products"}
GET_EVENTS = (("UserFunction", "users-get-200"), ("ProductFunction", "products-get-200"))


@pytest.fixture(scope="module")
def invoker() -> Iterator[LocalInvoker]:
    local = LocalInvoker()
    try:
        for _ in range(2):  # alternating, as the local API's requests do
            for function, event in GET_EVENTS:
                text = (ROOT / "events" / f"{event}.json").read_text(encoding="utf-8")
                assert json.loads(local.invoke(function, text))["statusCode"] == 200
        yield local
    finally:
        local.close()


def namespace(invoker: LocalInvoker, function: str) -> dict[str, object]:
    return dict(invoker.runner.namespaces.owned(invoker.stack.functions[function].full_path))


def test_each_function_has_its_own_layer_and_powertools(invoker: LocalInvoker) -> None:
    users, products = namespace(invoker, "UserFunction"), namespace(invoker, "ProductFunction")

    for package in ("api_common", "api_common.observability", "aws_lambda_powertools"):
        assert package in users
        assert package in products
        assert users[package] is not products[package], package


@pytest.mark.parametrize("function", SERVICES)
def test_the_layer_logger_has_the_function_own_service_name(invoker: LocalInvoker, function: str) -> None:
    observability = namespace(invoker, function)["api_common.observability"]

    assert observability.logger.service == SERVICES[function]  # type: ignore[attr-defined]


def test_no_function_code_crosses_over_or_stays_in_the_process(invoker: LocalInvoker) -> None:
    users, products = namespace(invoker, "UserFunction"), namespace(invoker, "ProductFunction")

    assert not [name for name in users if name.split(".", 1)[0] == "products"]
    assert not [name for name in products if name.split(".", 1)[0] == "users"]
    in_process = {id(module) for module in sys.modules.values()}
    assert not [name for name, module in {**users, **products}.items() if id(module) in in_process]

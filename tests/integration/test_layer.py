"""The CommonLayer ships what the functions load, pinned to what the tests ran with, and nothing more."""

import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

LAYER = Path(__file__).resolve().parents[2] / "layers" / "api_common"
ROOT = LAYER.parents[1]


def pinned() -> dict[str, str]:
    lines = (LAYER / "requirements.txt").read_text().splitlines()
    pins = [line.split("==") for line in lines if line and not line.startswith("#")]
    return {name.strip().lower(): pin.strip() for name, pin in pins}


def pruned_modules() -> set[str]:
    makefile = (LAYER / "Makefile").read_text()
    unused = re.search(r"^POWERTOOLS_UNUSED := (.+)$", makefile, re.MULTILINE)
    assert unused is not None
    modules = {f"aws_lambda_powertools.utilities.{name}" for name in unused.group(1).split()}
    return modules | {"pydantic.v1"}


def test_the_lock_pins_exactly_the_versions_the_tests_run_with() -> None:
    for name, pin in pinned().items():
        assert version(name) == pin, name


def test_the_runtime_packages_are_not_shipped() -> None:
    assert not {"boto3", "botocore", "s3transfer", "urllib3", "snapshot-restore-py"} & set(pinned())


# Every route and path of both functions, in a fresh interpreter, to see what they import.
EXERCISE = """
import sys
import tests.integration.conftest as harness
from moto import mock_aws
import boto3
from tools.local_api.tables_from_template import create_tables
from tests.integration.support import api_event
from users import handler as users
from products import handler as products

with mock_aws():
    create_tables(boto3.client("dynamodb"), harness.TABLES)
    boto3.client("secretsmanager").create_secret(Name="unit-cursor-signing-key", SecretString="k")
    def call(module, method, path, **kwargs):
        return module.lambda_handler(api_event(method, path, **kwargs), harness.FakeLambdaContext())
    for module, path, body, other in (
        (users, "/users", {"name": "A", "email": "a@example.com"}, {"name": "B", "email": "b@example.com"}),
        (products, "/products", {"name": "P", "price": 1, "category": "c"}, {"name": "Q", "price": 2}),
    ):
        created = call(module, "POST", path, body=body, headers={"Idempotency-Key": "k"})
        # Two items and limit=1 always leave a next page, so signing a cursor (Parameters) is always reached.
        call(module, "POST", path, body=other)
        call(module, "POST", path, body=body, headers={"Idempotency-Key": "k"})
        call(module, "POST", path, body={**body, "x": 1})
        call(module, "POST", path, raw_body="x", headers={"Content-Type": "text/plain"})
        item_id = __import__("json").loads(created["body"])["id"]
        call(module, "GET", f"{path}/{item_id}")
        call(module, "PUT", f"{path}/{item_id}", body=body, headers={"If-Match": '"1"'})
        call(module, "GET", path, query={"limit": "1"})
        call(module, "GET", path, query={"cursor": "garbage"})
        call(module, "DELETE", f"{path}/{item_id}")
    call(products, "GET", "/products", query={"category": "c"})
print("\\n".join(sys.modules))
"""


def test_nothing_the_functions_import_is_pruned_from_the_layer() -> None:
    loaded = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", EXERCISE],
        cwd=ROOT,
        env={
            "PYTHONPATH": ":".join(
                str(ROOT / p) for p in (".", "layers/api_common", "user_function", "product_function")
            ),
            "PATH": "",
        },
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert "aws_lambda_powertools.utilities.parameters" in loaded  # the exercise reached the lazy path
    for module in loaded:
        assert not any(module == gone or module.startswith(f"{gone}.") for gone in pruned_modules()), module

"""Issue 8, point 9: each role grants no DynamoDB, Secrets Manager or KMS action that no code path uses.

"Used" is read from the code itself (AST: the boto3 client methods called, and the action keys of transaction
items) in each function's package, the shared layer and the Powertools modules they call; KMS actions, which
the code never calls itself, are a documented mapping with a reason per action.
"""

import ast
import importlib.util
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from tests.templates.rules.base import role_statements, tables_named_in_environment
from tests.templates.stack import ROOT, Stack, as_list, default_stack

# boto3 DynamoDB client method -> IAM action. TransactWriteItems has no action of its own: each item is
# authorised by the action of its kind (Put -> PutItem, ...).
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
DYNAMODB_METHODS = {
    "get_item": "dynamodb:GetItem",
    "put_item": "dynamodb:PutItem",
    "update_item": "dynamodb:UpdateItem",
    "delete_item": "dynamodb:DeleteItem",
    "scan": "dynamodb:Scan",
    "query": "dynamodb:Query",
    "batch_get_item": "dynamodb:BatchGetItem",
    "batch_write_item": "dynamodb:BatchWriteItem",
}
TRANSACTION_ITEMS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}
SECRETS_METHODS = {"get_secret_value": "secretsmanager:GetSecretValue"}
# KMS: the functions never call KMS; the services they call use the CMK with the caller's permissions.
KMS_NEEDED = {
    "kms:Decrypt": "GetSecretValue of the CMK-encrypted cursor key; reads of the CMK-encrypted tables "
    "(secretsmanager/latest/userguide/security-encryption.html, "
    "kms/latest/developerguide/services-dynamodb.html)",
    "kms:GenerateDataKey": "Lambda writes failed async events to the SSE-KMS bucket with the execution role "
    "(AmazonS3/latest/userguide/UsingKMSEncryption.html)",
    "kms:DescribeKey": "DynamoDB checks the table's customer managed key "
    "(kms/latest/developerguide/services-dynamodb.html)",
}
SHARED_LAYER = ROOT / "layers" / "api_common" / "api_common"
PACKAGES = {
    "UserFunction": ROOT / "user_function" / "users",
    "ProductFunction": ROOT / "product_function" / "products",
}


def _module_file(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    assert spec is not None
    assert spec.origin is not None
    return Path(spec.origin)


def _sources(paths: Iterable[Path]) -> list[ast.Module]:
    files = [p for path in paths for p in ([path] if path.is_file() else sorted(path.rglob("*.py")))]
    return [ast.parse(file.read_text(encoding="utf-8")) for file in files]


def _called(trees: Iterable[ast.Module]) -> set[str]:
    """Names called anywhere: x.get_item(...) -> get_item; get_secret(...) -> get_secret."""
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                if isinstance(node.func, ast.Attribute):
                    names.add(node.func.attr)
                elif isinstance(node.func, ast.Name):
                    names.add(node.func.id)
    return names


def _transaction_kinds(trees: Iterable[ast.Module]) -> set[str]:
    """Keys of dict literals that are transaction items ({"Put": {...}}, {"Delete": {...}})."""
    kinds = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                for key in node.keys:
                    if isinstance(key, ast.Constant) and key.value in TRANSACTION_ITEMS:
                        kinds.add(key.value)
    return kinds


def _dynamodb_actions(paths: Iterable[Path]) -> set[str]:
    trees = _sources(paths)
    called = _called(trees)
    return {action for method, action in DYNAMODB_METHODS.items() if method in called} | {
        TRANSACTION_ITEMS[kind] for kind in _transaction_kinds(trees)
    }


def own_table_actions(function: str) -> set[str]:
    return _dynamodb_actions([SHARED_LAYER / "versioned_table.py", PACKAGES[function]])


def idempotency_actions() -> set[str]:
    # api_common.idempotency writes its record as an item of the write's own transaction and reads it back.
    return _dynamodb_actions([SHARED_LAYER / "idempotency.py"])


def secrets_actions() -> set[str]:
    # api_common.cursors reads the key with Powertools' get_secret, which calls GetSecretValue.
    if "get_secret" not in _called(_sources([SHARED_LAYER])):
        return set()
    provider = _module_file("aws_lambda_powertools.utilities.parameters.secrets")
    called = _called(_sources([provider]))
    return {action for method, action in SECRETS_METHODS.items() if method in called}


def _grants(stack: Stack, role: str) -> list[tuple[str, Any]]:
    """(action, resource) for every DynamoDB, Secrets Manager and KMS action the role allows."""
    pairs = []
    for statement in role_statements(stack, role):
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            if action.split(":")[0] in ("dynamodb", "secretsmanager", "kms"):
                pairs += [(action, resource) for resource in as_list(statement["Resource"])]
    return pairs


def _target(resource: Any) -> str:
    if resource == {"Fn::GetAtt": ["UsersTable", "Arn"]}:
        return "UsersTable"
    if resource == {"Fn::GetAtt": ["ProductsTable", "Arn"]}:
        return "ProductsTable"
    if resource == {"Fn::Sub": "${ProductsTable.Arn}/index/category-index"}:
        return "ProductsTable/index"
    if resource == {"Fn::GetAtt": ["IdempotencyTable", "Arn"]}:
        return "IdempotencyTable"
    if resource == {"Ref": "CursorSigningSecret"}:
        return "CursorSigningSecret"
    if resource == {"Fn::GetAtt": ["EncryptionKey", "Arn"]}:
        return "EncryptionKey"
    raise AssertionError(f"a grant on an unexpected resource: {resource}")


@pytest.fixture(scope="module")
def stack() -> Stack:
    return default_stack()


@pytest.mark.parametrize("function", list(PACKAGES))
def test_role_grants_only_what_the_code_uses(stack: Stack, function: str) -> None:
    role = stack.resources[function]["Properties"]["Role"]["Fn::GetAtt"][0]
    (own_table,) = tables_named_in_environment(stack, function) - {"IdempotencyTable"}
    own = own_table_actions(function)
    used = {
        own_table: own - {"dynamodb:Query"},
        f"{own_table}/index": own & {"dynamodb:Query"},
        "IdempotencyTable": idempotency_actions(),
        "CursorSigningSecret": secrets_actions(),
        "EncryptionKey": set(KMS_NEEDED),
    }
    unused = sorted(
        (action, target)
        for action, resource in _grants(stack, role)
        if action not in used.get(target := _target(resource), set())
    )
    assert not unused, f"{role} grants what no code path of {function} uses: {unused}"


def test_the_code_reading_finds_what_the_functions_do() -> None:
    # Guards the reader above: if it found nothing, every grant would look unused and the test would pass
    # only by accident of an empty policy.
    assert own_table_actions("UserFunction") >= {
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
        "dynamodb:Scan",
    }
    assert "dynamodb:Query" in own_table_actions("ProductFunction")
    assert "dynamodb:ConditionCheckItem" not in own_table_actions("UserFunction")
    assert own_table_actions("ProductFunction") >= {"dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    assert idempotency_actions() == {"dynamodb:GetItem", "dynamodb:PutItem"}
    assert secrets_actions() == {"secretsmanager:GetSecretValue"}


def test_every_kms_action_kept_has_a_service_that_needs_it(stack: Stack) -> None:
    granted = {action for action, _ in _grants(stack, "UserFunctionRole") if action.startswith("kms:")}
    assert granted <= set(KMS_NEEDED), f"KMS actions without a reason: {sorted(granted - set(KMS_NEEDED))}"
    statements = role_statements(stack, "UserFunctionRole")
    writes_bucket = any("s3:PutObject" in as_list(s["Action"]) for s in statements)
    assert ("kms:GenerateDataKey" in granted) == writes_bucket, (
        "GenerateDataKey is for the SSE-KMS bucket only"
    )

"""template.yaml through the SAM translator, plus the nested stacks and openapi.yaml: every project rule
(tests/templates/rules/), one check each; test_mutations.py proves each check can fail."""

import pytest

from tests.templates.rules import CHECKS
from tests.templates.rules.base import Check
from tests.templates.rules.contracts import check_no_literals
from tests.templates.stack import SOURCE_FILES, Stack, default_stack, read, walk


@pytest.fixture(scope="module")
def stack() -> Stack:
    return default_stack()


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__.removeprefix("check_"))
def test_rule(stack: Stack, check: Check) -> None:
    check(stack)


def test_no_partition_region_or_account_literals() -> None:
    check_no_literals({name: read(name) for name in SOURCE_FILES})


def test_translation_has_no_dangling_references(stack: Stack) -> None:
    # Every Ref / GetAtt / ${X} in the translated stack names a parameter, a pseudo parameter or a resource.
    known = set(stack.resources) | set(stack.cfn["Parameters"])
    for node in walk(stack.cfn):
        if isinstance(node, dict) and set(node) == {"Ref"} and isinstance(node["Ref"], str):
            assert node["Ref"].startswith("AWS::") or node["Ref"] in known, node
        if isinstance(node, dict) and set(node) == {"Fn::GetAtt"}:
            target = node["Fn::GetAtt"][0] if isinstance(node["Fn::GetAtt"], list) else node["Fn::GetAtt"]
            assert target.split(".")[0] in known, node

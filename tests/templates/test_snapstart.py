"""EnableSnapStart, through the SAM translator in both positions: SnapStart on published versions (the live
alias serves one) for both functions, and a version that changes with the setting so that switching it
publishes a new version (a snapshot is taken only when a version is published)."""

from typing import Any

import pytest

from tests.templates.stack import Stack, evaluate, load_sources, translate

FUNCTIONS = ("UserFunction", "ProductFunction")


@pytest.fixture(scope="module", params=["true", "false"])
def position(request: pytest.FixtureRequest) -> tuple[str, Stack]:
    value: str = request.param
    return value, translate(load_sources(), {"EnableSnapStart": value})


def resolved(stack: Stack, node: Any, value: str) -> Any:
    return evaluate(node, stack.cfn, {"EnableSnapStart": value})


def test_the_parameter_is_off_by_default() -> None:
    parameter = load_sources().template["Parameters"]["EnableSnapStart"]
    assert parameter["Default"] == "false"
    assert parameter["AllowedValues"] == ["true", "false"]


def test_snapstart_follows_the_parameter_on_both_functions(position: tuple[str, Stack]) -> None:
    value, stack = position
    for name in FUNCTIONS:
        function = stack.resources[name]["Properties"]
        expected = "PublishedVersions" if value == "true" else "None"
        assert resolved(stack, function["SnapStart"], value) == {"ApplyOn": expected}, name
        assert function["Runtime"] == "python3.13"  # SnapStart supports Python 3.12 and later


def test_the_live_alias_serves_a_version_that_switching_republishes(position: tuple[str, Stack]) -> None:
    value, stack = position
    other = "false" if value == "true" else "true"
    flipped = translate(load_sources(), {"EnableSnapStart": other})
    for name in FUNCTIONS:
        alias = stack.resources[f"{name}Aliaslive"]["Properties"]
        version_id = alias["FunctionVersion"]["Fn::GetAtt"][0]
        version = stack.resources[version_id]["Properties"]
        flipped_version = flipped.resources[version_id]["Properties"]
        # Same logical id either way (SAM hashes the unresolved !If), so the description must differ: a
        # changed AWS::Lambda::Version Description requires replacement, i.e. a new published version.
        assert resolved(stack, version["Description"], value) != resolved(
            flipped, flipped_version["Description"], other
        )

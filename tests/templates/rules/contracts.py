"""What people and other stacks rely on: the parameters the README documents, the outputs and Parameter Store
names others read, names that never collide between stacks, and no partition, Region or account literals.

Each literal here is read from the side that relies on it (README, docs, workflows, scripts), not restated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from tests.templates.rules.base import Check, Mutations, resource, sub_text
from tests.templates.stack import ROOT, Stack
from tools.smoke import URL_OUTPUT

CONSTRAINTS = {"AllowedValues", "AllowedPattern", "MinValue", "MaxValue"}
# Where a deployment's outputs are read by name.
OUTPUT_READERS = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *sorted(ROOT.glob(".github/workflows/*.yml")),
]
OUTPUT_NAME = re.compile(r"OutputKey=='(\w+)'|stack output `(\w+)`")
LITERALS = {
    "partition": re.compile(r"arn:aws(-[a-z]+)*:"),
    "account id": re.compile(r"(?<![0-9])[0-9]{12}(?![0-9])"),
    "region": re.compile(
        r"\b(us|eu|ap|sa|ca|me|af|il|mx|cn)-(north|south|east|west|central)+(east|west)?-[0-9]\b"
    ),
}


def readme_table(heading: str) -> dict[str, list[str]]:
    """A README table as {first cell: other cells}, backticks stripped."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index(heading) + 2
    rows = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        first, *cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows[first.strip("`")] = cells
    return rows


def check_parameters_are_the_documented_ones(stack: Stack) -> None:
    parameters = stack.sources.template["Parameters"]
    documented = readme_table("| Parameter | Default | Meaning |")
    assert set(documented) == set(parameters), (
        f"README vs template: {sorted(set(documented) ^ set(parameters))}"
    )
    for name, (default, _meaning) in documented.items():
        shown = "" if default == "*(empty)*" else default.strip("`")
        assert str(parameters[name].get("Default")) == shown, f"{name}: README says {default}"
    for name, parameter in parameters.items():
        assert parameter.get("Description"), f"{name} has no description"
        assert CONSTRAINTS & set(parameter), f"{name} is unconstrained"


def check_outputs_others_read_exist(stack: Stack) -> None:
    read = {URL_OUTPUT}
    for reader in OUTPUT_READERS:
        read |= {"".join(match) for match in OUTPUT_NAME.findall(reader.read_text(encoding="utf-8"))}
    outputs = stack.cfn["Outputs"]
    assert read - set(outputs) == set(), f"outputs read but missing: {sorted(read - set(outputs))}"


def check_parameter_store_names_are_the_documented_ones(stack: Stack) -> None:
    names = [sub_text(p["Properties"]["Name"]) for p in stack.of_type("AWS::SSM::Parameter").values()]
    prefix = "/${AWS::StackName}/"
    assert all(name.startswith(prefix) for name in names), f"names outside {prefix}: {names}"
    (_where, what) = readme_table("| Part | Where | What it is |")["SSM parameters"]
    documented = {name.rsplit("/", 1)[-1] for name in re.findall(r"`([^`]+)`", what)}
    assert {name.removeprefix(prefix) for name in names} == documented, f"README lists {sorted(documented)}"


def check_names_carry_the_stack(stack: Stack) -> None:
    """Two stacks never ask for the same physical name. A stack is one environment (samconfig.toml and the
    pipeline name it <app>-<env>), so the stack name alone makes a name unique and says its environment: a
    name that also spelled out ${Environment} would read `users-products-api-dev-dev-users`."""
    resources = stack.sources.template["Resources"]
    for logical_id, definition in resources.items():
        for key, value in definition.get("Properties", {}).items():
            if not key.endswith("Name"):
                continue
            assert not isinstance(value, str), f"{logical_id}.{key} = {value!r} is the same in every stack"
            if not isinstance(value, dict) or "Fn::Sub" not in value:
                continue  # a Ref or GetAtt names another resource, which this rule checks on its own
            text = sub_text(value)
            owners = {"AWS::StackName", *resources} & set(re.findall(r"\$\{([^}.]+)", text))
            assert owners, f"{logical_id}.{key} = {text} names no stack"
            repeated = "${AWS::StackName}-${Environment}" in text
            assert not repeated, f"{logical_id}.{key} = {text} repeats the environment"


def check_no_literals(texts: Mapping[str, str]) -> None:
    """No partition, Region or account id written into a template: the stack deploys anywhere."""
    for name, text in texts.items():
        for kind, pattern in LITERALS.items():
            match = pattern.search(text)
            assert match is None, f"{name} contains a {kind} literal: {match.group(0) if match else ''}"


CHECKS: list[Check] = [
    check_parameters_are_the_documented_ones,
    check_outputs_others_read_exist,
    check_parameter_store_names_are_the_documented_ones,
    check_names_carry_the_stack,
]

MUTATIONS: Mutations = {
    "undocumented parameter": (
        lambda s: s.template["Parameters"]["AlarmEmail"].pop("Description"),
        check_parameters_are_the_documented_ones,
    ),
    "default differs from the README": (
        lambda s: s.template["Parameters"]["LogRetentionDays"].update(Default=7),
        check_parameters_are_the_documented_ones,
    ),
    "parameter missing from the README": (
        lambda s: s.template["Parameters"].update(
            Extra={"Type": "String", "Default": "x", "AllowedValues": ["x"]}
        ),
        check_parameters_are_the_documented_ones,
    ),
    "no API URL output": (lambda s: s.template["Outputs"].pop("ApiUrl"), check_outputs_others_read_exist),
    "no WebACL ARN in Parameter Store": (
        lambda s: s.template["Resources"].pop("WebAclArnParameter"),
        check_parameter_store_names_are_the_documented_ones,
    ),
    "hard-coded function name": (
        lambda s: resource(s, "UserFunction").update(FunctionName="users"),
        check_names_carry_the_stack,
    ),
    "secret name without the stack": (
        lambda s: resource(s, "CursorSigningSecret").update(
            Name={"Fn::Sub": "${Environment}-cursor-signing-key"}
        ),
        check_names_carry_the_stack,
    ),
    "name repeating the environment": (
        lambda s: resource(s, "UserFunction").update(
            FunctionName={"Fn::Sub": "${AWS::StackName}-${Environment}-users"}
        ),
        check_names_carry_the_stack,
    ),
}

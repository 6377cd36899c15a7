"""The GitHub Actions workflows: every command they run exists (Make targets and their variables, `sam`
subcommands and flags of the pinned SAM CLI, AWS CLI operations and parameters), third-party actions are
pinned to commit SHAs, AWS access is OIDC with a role per job, and pull requests run `make test`. What main
deploys and with which parameters: test_deploy_workflow.py."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import botocore.session
import click
import pytest
import samcli
from samcli.cli.context import Context
from samcli.cli.main import cli as sam_cli

from tests.delivery.workflow_files import load, split_commands, steps

ROOT = Path(__file__).resolve().parents[2]


WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
AWS_GLOBAL_FLAGS = {"--query", "--output", "--region", "--profile", "--no-cli-pager"}
OIDC_ACTION = "aws-actions/configure-aws-credentials"


def run_commands() -> list[tuple[str, list[str]]]:
    found = []
    for path in WORKFLOWS:
        for _, step in steps(path):
            for words in split_commands(step.get("run", "")):
                start = 0
                while start < len(words) and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[start]):
                    start += 1  # leading VAR=value assignments
                if start < len(words):
                    found.append((path.name, words[start:]))
    return found


@cache
def make_targets() -> set[str]:
    return set(re.findall(r"^([A-Za-z0-9_.-]+):(?!=)", (ROOT / "Makefile").read_text(encoding="utf-8"), re.M))


@cache
def sam_options(subcommand: str) -> set[str] | None:
    ctx = click.Context(sam_cli, obj=Context())  # SAM CLI loads its subcommands only under its own context
    command = sam_cli.get_command(ctx, subcommand)
    if command is None:
        return None
    return {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}


def check_make(command: list[str]) -> list[str]:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    problems = []
    for arg in command[1:]:
        if arg.startswith("-"):
            continue
        if "=" in arg:
            variable = arg.split("=", 1)[0]
            if f"$({variable})" not in makefile:
                problems.append(f"make variable {variable} is not used by the Makefile")
        elif arg not in make_targets():
            problems.append(f"make target {arg} does not exist")
    return problems


def check_sam(command: list[str]) -> list[str]:
    subcommand = command[1]
    options = sam_options(subcommand)
    if options is None:
        return [f"sam {subcommand} is not a command of SAM CLI {samcli.__version__}"]
    flags = [arg.split("=", 1)[0] for arg in command[2:] if arg.startswith("--")]
    return [f"sam {subcommand} has no {flag}" for flag in flags if flag not in options]


def check_aws(command: list[str]) -> list[str]:
    service, operation = command[1], command[2]
    model = botocore.session.get_session().get_service_model(service)
    names = {re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower(): name for name in model.operation_names}
    if operation not in names:
        return [f"aws {service} has no {operation}"]
    shape = model.operation_model(names[operation]).input_shape
    members = shape.members if shape is not None else {}
    accepted = {"--" + re.sub(r"(?<!^)(?=[A-Z])", "-", member).lower() for member in members}
    flags = [arg for arg in command[3:] if arg.startswith("--")]
    return [f"aws {service} {operation} has no {f}" for f in flags if f not in accepted | AWS_GLOBAL_FLAGS]


def check(command: list[str]) -> list[str]:
    program = command[0]
    if program == "make":
        return check_make(command)
    if program in {"sam", ".venv/bin/sam"}:
        return check_sam(command)
    if program == "aws":
        return check_aws(command)
    if program.startswith(("./", ".ci/", "tools/")):
        return [] if (ROOT / program).is_file() else [f"script {program} does not exist"]
    return [f"unknown command {program}: add a check for it here"]


def test_the_workflows_exist() -> None:
    assert {path.name for path in WORKFLOWS} == {"test.yml", "deploy.yml", "sam-local.yml"}


def test_every_command_the_workflows_run_exists() -> None:
    commands = run_commands()
    programs = {command[0] for _, command in commands}
    assert {"make", ".venv/bin/sam", "aws"} <= programs, programs
    problems = [
        f"{name}: {' '.join(command)}: {problem}" for name, command in commands for problem in check(command)
    ]
    assert problems == []


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ("make tset", "make target tset does not exist"),
        ("make smoke STAK=x", "make variable STAK is not used by the Makefile"),
        (
            ".venv/bin/sam deploy --template-file t --no-confirm-changest",
            "sam deploy has no --no-confirm-changest",
        ),
        ("sam pakage --s3-bucket b", "sam pakage is not a command of SAM CLI"),
        ("aws cloudformation describe-stack --stack-name s", "aws cloudformation has no describe-stack"),
        ("aws cloudformation describe-stacks --stack s", "aws cloudformation describe-stacks has no --stack"),
        ("./scripts/missing.sh", "script ./scripts/missing.sh does not exist"),
        ("curl https://example.com", "unknown command curl"),
    ],
)
def test_the_check_catches_what_does_not_exist(command: str, problem: str) -> None:
    (found,) = split_commands(command)
    assert any(message.startswith(problem) for message in check(found)), check(found)


def test_commands_are_split_like_a_shell_would() -> None:
    script = 'X="$(aws sts get-caller-identity --query Account)"\nmake e2e API_URL="$X" && echo done | cat'
    assert split_commands(script) == [
        ["aws", "sts", "get-caller-identity", "--query", "Account"],
        ["X=SUBSTITUTED"],
        ["make", "e2e", "API_URL=$X"],
        ["echo", "done"],
        ["cat"],
    ]


def test_sam_is_the_pinned_version() -> None:
    pins = (ROOT / "requirements-dev.txt").read_text(encoding="utf-8")
    assert f"aws-sam-cli=={samcli.__version__}\n" in pins


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_actions_are_pinned_to_a_commit_with_the_tag_named(path: Path) -> None:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if "uses:" in line]
    assert lines
    for line in lines:
        assert re.search(r"uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$", line), line


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda path: path.name)
def test_permissions_are_minimal_and_oidc_only_where_aws_is_used(path: Path) -> None:
    """A job with a GitHub environment takes that environment's deploy role (its variable, trusted by that
    environment's token only); the one without takes the packaging role (trusted by main, uploads only)."""
    workflow = load(path)
    assert workflow["permissions"] == {}
    for job_id, job in workflow["jobs"].items():
        uses_aws = any(str(step.get("uses", "")).startswith(OIDC_ACTION) for step in job.get("steps", []))
        expected = {"id-token": "write", "contents": "read"} if uses_aws else {"contents": "read"}
        assert job.get("permissions") == expected, job_id
        for step in job.get("steps", []):
            with_ = step.get("with", {})
            assert not {"aws-access-key-id", "aws-secret-access-key"} & set(with_), job_id
            if str(step.get("uses", "")).startswith(OIDC_ACTION):
                role = "AWS_DEPLOY_ROLE_ARN" if "environment" in job else "AWS_PACKAGING_ROLE_ARN"
                assert with_["role-to-assume"] == f"${{{{ vars.{role} }}}}", job_id


def test_pull_requests_run_make_test() -> None:
    workflow = load(ROOT / ".github" / "workflows" / "test.yml")
    assert set(workflow["on"]) == {"pull_request"}
    assert [
        step["run"] for _, step in steps(ROOT / ".github" / "workflows" / "test.yml") if "run" in step
    ] == ["make test"]

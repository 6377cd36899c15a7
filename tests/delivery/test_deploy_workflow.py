"""The deploy workflow: main builds once and deploys that artifact to dev then prod, and the application's
name and each environment's parameters agree with samconfig.toml and pipeline/bootstrap.yaml."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from samcli.cli.types import CfnParameterOverridesType

from tests.delivery.bootstrap_roles import load_template
from tests.delivery.workflow_files import load, split_commands, steps

ROOT = Path(__file__).resolve().parents[2]


def test_main_builds_once_and_deploys_that_artifact_to_dev_then_prod() -> None:
    path = ROOT / ".github" / "workflows" / "deploy.yml"
    workflow = load(path)
    assert workflow["on"] == {"push": {"branches": ["main"]}}
    jobs = workflow["jobs"]
    assert (jobs["dev"]["needs"], jobs["prod"]["needs"]) == ("build", "dev")
    assert (jobs["dev"]["environment"], jobs["prod"]["environment"]) == ("dev", "prod")
    commands = {
        job_id: [
            " ".join(c)
            for _, s in [(j, s) for j, s in steps(path) if j == job_id]
            for c in split_commands(s.get("run", ""))
        ]
        for job_id in jobs
    }
    everything = [command for job_commands in commands.values() for command in job_commands]
    assert [c for c in everything if c.startswith((".venv/bin/sam build", "make build"))] == ["make build"]
    assert [c for c in everything if c.startswith(".venv/bin/sam package")] == [
        next(c for c in commands["build"] if c.startswith(".venv/bin/sam package"))
    ]
    (package,) = [c for c in commands["build"] if c.startswith(".venv/bin/sam package")]
    assert "--s3-prefix $APP_NAME/$GITHUB_SHA " in package
    for job_id in ("dev", "prod"):
        assert jobs[job_id]["env"]["DEPLOY_ENV"] == jobs[job_id]["environment"] == job_id
        (deploy,) = [c for c in commands[job_id] if c.startswith(".venv/bin/sam deploy")]
        assert "--template-file packaged.yaml" in deploy
        assert "--stack-name $APP_NAME-$DEPLOY_ENV" in deploy
        # The deploy role may write its template only under <app>/<commit>/<environment>/ (bootstrap.yaml).
        assert "--s3-prefix $APP_NAME/$GITHUB_SHA/$DEPLOY_ENV" in deploy
        assert "--role-arn $CFN_EXECUTION_ROLE_ARN" in deploy
    assert "make smoke STACK=$APP_NAME-$DEPLOY_ENV" in commands["dev"]
    assert any(c.startswith("make e2e API_URL=") for c in commands["dev"])
    uploaded = [
        s["with"]["name"] for j, s in steps(path) if str(s.get("uses", "")).startswith("actions/upload")
    ]
    downloaded = {
        j: s["with"]["name"] for j, s in steps(path) if str(s.get("uses", "")).startswith("actions/down")
    }
    assert uploaded == ["packaged-template"]
    assert downloaded == {"dev": "packaged-template", "prod": "packaged-template"}


def samconfig() -> dict[str, Any]:
    config: dict[str, Any] = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    return config


SAMCONFIG_SECTION = {"dev": "default", "prod": "prod"}


def test_the_application_name_is_one_name_everywhere() -> None:
    """Stacks are <app>-<env>: the workflow's APP_NAME, the bootstrap's AppName default and samconfig.toml's
    stack names and prefixes agree, and README lists every place to change."""
    app = load(ROOT / ".github" / "workflows" / "deploy.yml")["env"]["APP_NAME"]
    assert load_template()["Parameters"]["AppName"]["Default"] == app
    config = samconfig()
    for environment, section in SAMCONFIG_SECTION.items():
        assert config[section]["global"]["parameters"]["stack_name"] == f"{app}-{environment}"
        assert config[section]["deploy"]["parameters"]["s3_prefix"] == f"{app}-{environment}"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    rename = readme[readme.index("### Rename the application") :].split("\n## ", 1)[0]
    for place in ("samconfig.toml", ".github/workflows/deploy.yml", "APP_NAME", "AppName", "stack_name"):
        assert place in rename, place


def deploy_overrides(job_id: str) -> str:
    path = ROOT / ".github" / "workflows" / "deploy.yml"
    (step,) = [s for j, s in steps(path) if j == job_id and ".venv/bin/sam deploy" in s.get("run", "")]
    assert step["env"]["PARAMETER_OVERRIDES"] == "${{ vars.PARAMETER_OVERRIDES }}"
    (words,) = split_commands(step["run"])
    return words[words.index("--parameter-overrides") + 1]


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_each_environment_deploys_its_samconfig_parameters_then_the_teams_own(environment: str) -> None:
    """The pipeline starts from the environment's samconfig.toml parameters and appends the GitHub
    environment's PARAMETER_OVERRIDES; SAM CLI lets a later Key=Value win, so a team can set AlarmEmail or
    CreateApiGatewayAccountRole=false without editing the workflow."""
    overrides = deploy_overrides(environment)
    assert overrides.endswith(" $PARAMETER_OVERRIDES")
    parse = CfnParameterOverridesType().convert
    expected = samconfig()[SAMCONFIG_SECTION[environment]]["deploy"]["parameters"]["parameter_overrides"]
    assert parse((overrides.removesuffix(" $PARAMETER_OVERRIDES"),), None, None) == parse(
        (expected,), None, None
    )
    team = "AlarmEmail=ops@example.com CreateApiGatewayAccountRole=false LogLevel=DEBUG"
    merged = parse((overrides.replace("$PARAMETER_OVERRIDES", team),), None, None)
    assert merged["Environment"] == environment
    assert (merged["AlarmEmail"], merged["CreateApiGatewayAccountRole"], merged["LogLevel"]) == (
        "ops@example.com",
        "false",
        "DEBUG",
    )
    assert parse((overrides.replace("$PARAMETER_OVERRIDES", ""),), None, None)["Environment"] == environment

"""api_common.server_errors: one metric per 5xx, none below, with exactly the dimensions the alarms query."""

import json
from typing import Any, cast

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext as PowertoolsLambdaContext

from api_common import server_errors
from tools.lambda_doubles import LambdaContext


def context(version: str) -> PowertoolsLambdaContext:
    double = LambdaContext("shop-prod-users")
    double.function_version = version
    return cast(PowertoolsLambdaContext, double)


def documents(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


@pytest.fixture(autouse=True)
def powertools_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "UsersProductsApi")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "users")  # Powertools' default `service` must stay out


@pytest.mark.parametrize("status", [200, 204, 400, 404, 412, 429, 499])
def test_nothing_below_500(status: int, capsys: pytest.CaptureFixture[str]) -> None:
    server_errors.record(status, context("7"))
    assert documents(capsys.readouterr().out) == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_one_count_per_5xx_for_the_version_that_answered(
    status: int, capsys: pytest.CaptureFixture[str]
) -> None:
    server_errors.record(status, context("7"))
    (document,) = documents(capsys.readouterr().out)
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "UsersProductsApi"
    assert directive["Dimensions"] == [["FunctionName", "ExecutedVersion"]]
    assert (document["FunctionName"], document["ExecutedVersion"]) == ("shop-prod-users", "7")
    assert "service" not in document


def test_each_answer_is_its_own_document(capsys: pytest.CaptureFixture[str]) -> None:
    server_errors.record(500, context("7"))
    server_errors.record(503, context("8"))
    versions = [document["ExecutedVersion"] for document in documents(capsys.readouterr().out)]
    assert versions == ["7", "8"], "a version's count leaked into the next document"

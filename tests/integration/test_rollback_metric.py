"""A 5xx a function answers itself emits the metric its rollback alarm watches, for the answering version.

The alarm is read from the templates (monitoring.yaml's per-version alarm behind the deployment group, with
the values template.yaml passes it), not from a constant: metric name, namespace, dimension names and the
values a deployed function would put in them. The handlers run in-process against moto with a fault injected.
"""

import importlib
import json
from typing import Any, cast

import pytest
from aws_lambda_powertools.utilities.typing import LambdaContext as PowertoolsLambdaContext
from botocore.exceptions import ClientError

from api_common.dynamo import container_client
from api_common.observability import metrics
from tests.integration.support import api_event, reply
from tests.templates.rules.base import sub_text
from tests.templates.rules.deployments import metric_stats, monitoring_inputs, rollback_alarm, version_of
from tests.templates.stack import Stack, default_stack
from tools.lambda_doubles import LambdaContext

dynamodb = container_client()  # the handlers' client (one per process)

# What a deployed stack would be called: the function names below follow the template's FunctionName.
STACK, ENVIRONMENT, VERSION = "shop", "prod", "7"
FUNCTIONS = {
    "UserFunction": ("users.handler", "/users"),
    "ProductFunction": ("products.handler", "/products"),
}
MISSING = "6f1c2e3d-4b5a-4c6d-8e7f-901a2b3c4d5e"


def deployed_name(stack: Stack, function: str) -> str:
    template = stack.sources.template["Resources"][function]["Properties"]["FunctionName"]
    return sub_text(template).replace("${AWS::StackName}", STACK).replace("${Environment}", ENVIRONMENT)


def watched(stack: Stack, function: str) -> dict[str, Any]:
    """The metric of the function's own namespace in its rollback alarm, with the values a deployment gives:
    the function's name and the version number this deployment publishes (VERSION here)."""
    (metric,) = [m for m in metric_stats(rollback_alarm(stack, function)) if m["Namespace"] != "AWS/Lambda"]
    inputs = monitoring_inputs(stack)
    new_version = {"Fn::GetAtt": [version_of(stack, function), "Version"]}
    values = {}
    for dimension in metric["Dimensions"]:
        passed = inputs[dimension["Value"]["Ref"]]
        if passed == {"Ref": function}:
            values[dimension["Name"]] = deployed_name(stack, function)
        elif passed == new_version:
            values[dimension["Name"]] = VERSION
        else:
            pytest.fail(
                f"the alarm's {dimension['Name']} is neither the function nor its new version: {passed}"
            )
    return {
        "namespace": inputs[metric["Namespace"]["Ref"]],
        "name": metric["MetricName"],
        "dimensions": values,
    }


def invoke(stack: Stack, function: str, method: str, path: str, **request: Any) -> int:
    module_name, _ = FUNCTIONS[function]
    handler = importlib.import_module(module_name).lambda_handler
    context = LambdaContext(deployed_name(stack, function))
    context.function_version = VERSION  # as Lambda sets it when the alias routes the request to version 7
    return reply(handler(api_event(method, path, **request), cast(PowertoolsLambdaContext, context))).status


def emitted(output: str, name: str) -> list[dict[str, Any]]:
    """The EMF documents on stdout that carry the metric."""
    documents = [json.loads(line) for line in output.splitlines() if line.startswith('{"_aws"')]
    return [
        document
        for document in documents
        for directive in document["_aws"]["CloudWatchMetrics"]
        if name in {metric["Name"] for metric in directive["Metrics"]}
    ]


def failing(code: str) -> Any:
    def call(**_: Any) -> Any:
        raise ClientError({"Error": {"Code": code, "Message": "injected"}}, "GetItem")

    return call


FAULTS = [("AccessDeniedException", 500), ("ThrottlingException", 503)]


@pytest.mark.parametrize("function", list(FUNCTIONS))
@pytest.mark.parametrize("fault", FAULTS, ids=[code for code, _ in FAULTS])
def test_a_handled_5xx_emits_what_the_rollback_alarm_watches(
    aws: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    function: str,
    fault: tuple[str, int],
) -> None:
    code, status = fault
    stack = default_stack()
    alarm = watched(stack, function)
    monkeypatch.setattr(dynamodb, "get_item", failing(code))
    capsys.readouterr()

    assert invoke(stack, function, "GET", f"{FUNCTIONS[function][1]}/{MISSING}") == status

    (document,) = emitted(capsys.readouterr().out, alarm["name"])  # on stdout once the handler has returned
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == alarm["namespace"]
    assert directive["Dimensions"] == [list(alarm["dimensions"])], "a dimension set the alarm does not query"
    assert {name: document[name] for name in alarm["dimensions"]} == alarm["dimensions"]
    value = document[alarm["name"]]
    assert (value if isinstance(value, list) else [value]) == [1], (
        "one per 5xx (EMF may write a list of values)"
    )
    assert directive["Metrics"] == [{"Name": alarm["name"], "Unit": "Count"}]
    assert not metrics.metric_set, "the business metrics were not flushed after the 5xx"


@pytest.mark.parametrize("function", list(FUNCTIONS))
def test_no_metric_for_what_is_not_a_5xx(
    aws: None, capsys: pytest.CaptureFixture[str], function: str
) -> None:
    stack = default_stack()
    name = watched(stack, function)["name"]
    collection = FUNCTIONS[function][1]
    capsys.readouterr()

    assert invoke(stack, function, "GET", f"{collection}/{MISSING}") == 404
    assert invoke(stack, function, "GET", collection) == 200
    assert invoke(stack, function, "GET", collection, query={"limit": "0"}) == 400

    assert emitted(capsys.readouterr().out, name) == []

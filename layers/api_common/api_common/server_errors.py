"""Every 5xx a function answers, counted for the function version that answered it.

The resolver turns every exception into a handled response (500, or 503 for a store outage), so Lambda's own
`Errors` metric stays at 0 while a broken version answers 500 to every request. This metric is what the
deployment's rollback alarms (monitoring.yaml, docs/deployments.md) watch for the version being deployed.

Dimensions are exactly FunctionName and ExecutedVersion, the names of Lambda's own per-version metrics: one
series per function version, and only for versions that answered a 5xx. The context's function_version is the
version that runs, also when API Gateway invokes the function through its alias
(https://docs.aws.amazon.com/lambda/latest/dg/python-context.html; AWS_LAMBDA_FUNCTION_VERSION, "the version
of the function being executed": https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html).
"""

import functools
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

METRIC_NAME = "ServerErrorResponses"
FUNCTION_DIMENSION = "FunctionName"
VERSION_DIMENSION = "ExecutedVersion"

Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def record(status: int, context: LambdaContext) -> None:
    """Emit one ServerErrorResponses for a 5xx answer; nothing for any other status."""
    if status < HTTPStatus.INTERNAL_SERVER_ERROR:
        return
    # A metric set of its own (EphemeralMetrics shares no state with the business metrics), flushed at once:
    # its dimensions never leak into theirs. service="" keeps Powertools from adding its default `service`
    # dimension, so the set is exactly the two the alarms name.
    # https://docs.powertools.aws.dev/lambda/python/latest/core/metrics/#metrics-isolation
    metric = EphemeralMetrics(service="")
    metric.add_dimension(name=FUNCTION_DIMENSION, value=context.function_name)
    metric.add_dimension(name=VERSION_DIMENSION, value=context.function_version)
    metric.add_metric(name=METRIC_NAME, unit=MetricUnit.Count, value=1)
    metric.flush_metrics()


def counted(handler: Handler) -> Handler:
    """The handler, recording the status of every answer it returns (an exception is Lambda's Errors)."""

    @functools.wraps(handler)
    def answer(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        response = handler(event, context)
        record(int(response["statusCode"]), context)
        return response

    return answer

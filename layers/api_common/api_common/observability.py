"""Powertools Logger, Tracer and Metrics, configured from the POWERTOOLS_* environment of the function, and
the route span of each request in the function's tracing mode (TRACING_MODE, api_common.tracing).

Logs never carry request or response bodies (and so no emails): the handler logs ids and outcomes only.
"""

import os
from typing import cast

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

from api_common import tracing

logger = Logger()
# Patch botocore only: DynamoDB (and Secrets Manager) calls become X-Ray subsegments; nothing else is loaded.
# In the otel mode the template sets POWERTOOLS_TRACE_DISABLED and this patches nothing: the ADOT layer
# instruments botocore instead.
tracer = Tracer(patch_modules=["botocore"])
metrics = Metrics()
spans = tracing.RequestSpans(
    tracing.mode_of(os.environ), None if tracer.disabled else cast("tracing.Subsegments", tracer.provider)
)


def count(metric: str) -> None:
    """A business event, e.g. UserCreated, as an EMF metric of the function's namespace."""
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)

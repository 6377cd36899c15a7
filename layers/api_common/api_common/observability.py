"""Powertools Logger, Tracer and Metrics, configured from the POWERTOOLS_* environment of the function.

Logs never carry request or response bodies (and so no emails): the handler logs ids and outcomes only.
"""

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
# Patch botocore only: DynamoDB (and Secrets Manager) calls become X-Ray subsegments; nothing else is loaded.
tracer = Tracer(patch_modules=["botocore"])
metrics = Metrics()


def count(metric: str) -> None:
    """A business event, e.g. UserCreated, as an EMF metric of the function's namespace."""
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)

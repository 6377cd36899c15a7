"""CodeDeploy's BeforeAllowTraffic hook: check the new versions, then report Succeeded or Failed, once.

CodeDeploy invokes the hook asynchronously with the deployment's id and this hook execution's id, and moves
no traffic until it gets a status through PutLifecycleEventHookExecutionStatus (or its wait for one times
out). So whatever goes wrong in the check, even in the hook's own settings, ends in a Failed report.
https://docs.aws.amazon.com/codedeploy/latest/userguide/reference-appspec-file-structure-hooks.html#appspec-hooks-lambda
https://github.com/aws/serverless-application-model/blob/develop/docs/safe_lambda_deployments.rst
https://docs.aws.amazon.com/codedeploy/latest/APIReference/API_PutLifecycleEventHookExecutionStatus.html
"""

from dataclasses import dataclass
from typing import Any, Literal

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from pre_traffic import config
from pre_traffic.checks import verify

# Time kept back from the hook's own timeout for the report itself (its client gives up within 3 s).
REPORT_RESERVE_SECONDS = 3.0

logger = Logger()
# One attempt per probe (a retry of a hung call would only spend the budget); the checks' budget bounds it.
lambda_client = boto3.client(
    "lambda", config=Config(connect_timeout=1, read_timeout=8, retries={"total_max_attempts": 1})
)
codedeploy = boto3.client(
    "codedeploy", config=Config(connect_timeout=1, read_timeout=2, retries={"total_max_attempts": 1})
)

Status = Literal["Succeeded", "Failed"]


@dataclass(frozen=True, slots=True)
class LifecycleEvent:
    deployment_id: str
    execution_id: str

    @classmethod
    def of(cls, event: dict[str, Any]) -> "LifecycleEvent":
        return cls(str(event["DeploymentId"]), str(event["LifecycleEventHookExecutionId"]))


def failures_of_new_versions(context: LambdaContext) -> list[str]:
    """Why the new versions must not get traffic; empty when they may. Never raises."""
    try:
        budget = context.get_remaining_time_in_millis() / 1000 - REPORT_RESERVE_SECONDS
        return verify(lambda_client, config.current().targets, budget, context.aws_request_id)
    except Exception as error:  # a broken hook fails the deployment; it must not leave it waiting
        logger.exception("the pre-traffic check could not run")
        return [f"the check could not run: {type(error).__name__}"]


def report(hook: LifecycleEvent, status: Status) -> None:
    codedeploy.put_lifecycle_event_hook_execution_status(
        deploymentId=hook.deployment_id, lifecycleEventHookExecutionId=hook.execution_id, status=status
    )


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> None:
    hook = LifecycleEvent.of(event)
    failures = failures_of_new_versions(context)
    status: Status = "Failed" if failures else "Succeeded"
    # Names, statuses and error types only: the functions' answers (personal data) are never logged.
    log = logger.error if failures else logger.info
    log(
        "pre-traffic check",
        extra={"deployment_id": hook.deployment_id, "status": status, "failures": failures},
    )
    report(hook, status)

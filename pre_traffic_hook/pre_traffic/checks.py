"""The new versions under test: each probe invoked on the version itself, answers judged, failures named.

Both functions are checked side by side (one thread each, so the two cold starts overlap), every probe of a
function in turn, stopping at its first failure. The caller gets its verdict within a budget whatever the
versions do: a version that hangs counts as failed, because the hook must report before its own timeout.
"""

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from pre_traffic.config import Target
from pre_traffic.probes import Answer, Probe, answer_of, probes, rest_event


class ProbeError(Exception):
    """A probe that got no judgeable answer: the invoke was refused or failed, or the function crashed."""


def invoke(client: Any, function_arn: str, event: dict[str, Any]) -> Answer:
    """The version's answer to one event (a synchronous Invoke of the version ARN itself).
    https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html"""
    try:
        response = client.invoke(
            FunctionName=function_arn, InvocationType="RequestResponse", Payload=json.dumps(event).encode()
        )
    except ClientError as error:  # AccessDenied, ResourceNotFound, throttled: nothing was verified
        raise ProbeError(
            f"invoke refused: {error.response.get('Error', {}).get('Code', 'unknown')}"
        ) from None
    except BotoCoreError as error:
        raise ProbeError(f"invoke failed: {type(error).__name__}") from None
    payload = response["Payload"].read()
    if response.get("FunctionError"):
        # Only the error type is named: the message of an arbitrary exception may carry request data.
        try:
            error_type = json.loads(payload).get("errorType", "unknown")
        except (ValueError, AttributeError):
            error_type = "unknown"
        raise ProbeError(f"function error ({response['FunctionError']}): {error_type}")
    try:
        return answer_of(json.loads(payload))
    except ValueError as error:
        raise ProbeError(str(error)) from None


def check_function(client: Any, target: Target, request_id: str) -> list[str]:
    """The first failure of the target's probes, or none."""
    probe: Probe
    for probe in probes(target.collection):
        try:
            answer = invoke(client, target.version_arn, rest_event(probe, request_id))
        except ProbeError as error:
            return [f"{target.name}: {probe.name}: {error}"]
        reason = probe.judge(answer)
        if reason is not None:
            return [f"{target.name}: {probe.name}: {reason}"]
    return []


def verify(
    client: Any,
    targets: Sequence[Target],
    budget_seconds: float,
    request_id: str,
    *,
    workers: int | None = None,
) -> list[str]:
    """Every failure of every target, in target order; a target still running when the budget ends fails.

    `workers` (default: one per target) exists for callers that need the probes in a fixed order.
    """
    pool = ThreadPoolExecutor(max_workers=workers or len(targets), thread_name_prefix="pre-traffic")
    futures = [pool.submit(check_function, client, target, request_id) for target in targets]
    _, late = wait(futures, timeout=max(budget_seconds, 0.0))
    # Nothing waits for a hung invoke: Lambda freezes the environment once the handler returns.
    pool.shutdown(wait=False, cancel_futures=True)
    failures: list[str] = []
    for target, future in zip(targets, futures, strict=True):
        if future in late:
            failures.append(f"{target.name}: no complete answer within {budget_seconds:.1f} s")
        elif (error := future.exception()) is not None:
            failures.append(f"{target.name}: the check itself failed: {type(error).__name__}")
        else:
            failures += future.result()
    return failures

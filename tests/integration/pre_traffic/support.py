"""What the PreTraffic hook's tests share: the versions it is told about, right and wrong answers, the Lambda
clients that give them, and one run of the hook with a CodeDeploy event."""

import importlib
import io
import json
import logging
import threading
from typing import Any, cast

from aws_lambda_powertools.utilities.typing import LambdaContext as PowertoolsLambdaContext
from botocore.response import StreamingBody
from botocore.stub import ANY, Stubber

from pre_traffic import handler
from tests.integration.conftest import FakeLambdaContext
from tools.lambda_doubles import LambdaContext

ACCOUNT = "123456789012"
USERS_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:shop-prod-users:7"
PRODUCTS_ARN = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:shop-prod-products:4"
HOOK_EVENT = {"DeploymentId": "d-EXAMPLE111", "LifecycleEventHookExecutionId": "hook-execution-1"}
PAGE: dict[str, Any] = {"items": [], "nextCursor": None}


def proxy_result(status: int, body: Any, content_type: str) -> dict[str, Any]:
    """A result in the shape Powertools' REST resolver returns."""
    return {
        "statusCode": status,
        "body": json.dumps(body),
        "isBase64Encoded": False,
        "multiValueHeaders": {"Content-Type": [content_type]},
    }


def problem(status: int) -> dict[str, Any]:
    return proxy_result(status, {"type": "about:blank", "status": status}, "application/problem+json")


RIGHT_ANSWERS = [problem(404), proxy_result(200, PAGE, "application/json"), problem(400)]


def stream(document: Any) -> StreamingBody:
    raw = json.dumps(document).encode()
    return StreamingBody(io.BytesIO(raw), len(raw))


class Lambda:
    """Expectations on the hook's Lambda client: one per invoke, in order."""

    def __init__(self, stub: Stubber) -> None:
        self.stub = stub

    def answers(self, arn: str, *results: dict[str, Any]) -> None:
        for result in results:
            self.stub.add_response(
                "invoke",
                {"StatusCode": 200, "Payload": stream(result), "ExecutedVersion": arn.rsplit(":", 1)[1]},
                {"FunctionName": arn, "InvocationType": "RequestResponse", "Payload": ANY},
            )

    def crashes(self, arn: str, error_type: str) -> None:
        error = {"errorMessage": "alice@example.com broke it", "errorType": error_type, "stackTrace": []}
        self.stub.add_response(
            "invoke",
            {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": stream(error)},
            {"FunctionName": arn, "InvocationType": "RequestResponse", "Payload": ANY},
        )

    def refuses(self, code: str) -> None:
        self.stub.add_client_error("invoke", code, http_status_code=403)


def run_hook(timeout_s: float = 10.0) -> None:
    context = LambdaContext("shop-prod-pre-traffic", timeout_s=timeout_s)
    handler.lambda_handler(dict(HOOK_EVENT), cast(PowertoolsLambdaContext, context))


class Kept(logging.Handler):
    """The hook's log lines, formatted as its Powertools Logger writes them."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(handler.logger.registered_formatter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    @property
    def failures(self) -> list[str]:
        """The failures of the one verdict the hook logged."""
        (verdict,) = [json.loads(line) for line in self.lines if '"pre-traffic check"' in line]
        return list(verdict["failures"])


class AnswersFromAnyThread:
    """A Lambda client for the checks side by side: answers by version and path, whichever thread asks. It can
    make each version's first answer wait for the other version's first call (proof they run at once), or
    hold one version's answers until released (a version that hangs)."""

    def __init__(
        self, answers: dict[str, list[dict[str, Any]]], hold: str | None = None, meet: bool = False
    ) -> None:
        self.answers = answers
        self.hold = hold
        self.released = threading.Event()
        self.first_calls = threading.Barrier(len(answers), timeout=30) if meet else None
        self.asked: set[str] = set()

    def invoke(self, FunctionName: str, InvocationType: str, Payload: bytes) -> dict[str, Any]:  # noqa: N803
        if self.first_calls is not None and FunctionName not in self.asked:
            self.asked.add(FunctionName)
            self.first_calls.wait()  # raises BrokenBarrierError if the other version is not asked meanwhile
        if FunctionName == self.hold:
            self.released.wait(timeout=30)  # the test releases it once the hook has reported
        path = json.loads(Payload)["path"]
        index = 0 if path.count("/") == 2 else (1 if "limit" in Payload.decode() else 2)
        return {"StatusCode": 200, "Payload": stream(self.answers[FunctionName][index])}


class InProcessVersions:
    """Invoke = the users or products handler of this process, called as Lambda would call the version."""

    def invoke(self, FunctionName: str, InvocationType: str, Payload: bytes) -> dict[str, Any]:  # noqa: N803
        module = {USERS_ARN: "users.handler", PRODUCTS_ARN: "products.handler"}[FunctionName]
        result = importlib.import_module(module).lambda_handler(json.loads(Payload), FakeLambdaContext())
        return {"StatusCode": 200, "Payload": stream(result)}

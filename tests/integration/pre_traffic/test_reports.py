"""The PreTraffic hook reports Succeeded only when both new versions answer every probe rightly, Failed
otherwise, and exactly once either way; its verdict names the version and the probe that failed.

Lambda and CodeDeploy are botocore Stubbers on the hook's own clients: every call is checked against the
service model and the expected parameters (the version ARN, the hook's ids, the status), in order, since the
checks run one after the other here (the `in_order` fixture). A version's checks stop at its first failure,
so a call after it would find no stubbed answer.
"""

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from pre_traffic import handler
from tests.integration.conftest import FakeLambdaContext
from tests.integration.pre_traffic.support import (
    ACCOUNT,
    PAGE,
    PRODUCTS_ARN,
    RIGHT_ANSWERS,
    USERS_ARN,
    Kept,
    Lambda,
    problem,
    proxy_result,
    run_hook,
)

Reports = Callable[[str], None]
MISSING_ID = "GET /users/{id} of a missing id"
PAGE_PROBE = "GET /users?limit=1"


def test_right_answers_from_both_versions_succeed(
    lambda_stub: Lambda, reports: Reports, hook_log: Kept
) -> None:
    """Every invoke names the version ARN the template hands the hook, not the alias (the Stubber checks)."""
    lambda_stub.answers(USERS_ARN, *RIGHT_ANSWERS)
    lambda_stub.answers(PRODUCTS_ARN, *RIGHT_ANSWERS)
    reports("Succeeded")
    run_hook()
    assert hook_log.failures == []


PROBES = ["GET /products/{id} of a missing id", "GET /products?limit=1", "GET /products?cursor=<unsigned>"]


@pytest.mark.parametrize("position", range(len(RIGHT_ANSWERS)))
@pytest.mark.parametrize("status", [500, 503])
def test_a_5xx_on_any_probe_fails(
    lambda_stub: Lambda, reports: Reports, hook_log: Kept, position: int, status: int
) -> None:
    lambda_stub.answers(USERS_ARN, *RIGHT_ANSWERS)
    lambda_stub.answers(PRODUCTS_ARN, *RIGHT_ANSWERS[:position], problem(status))
    reports("Failed")
    run_hook()
    (failure,) = hook_log.failures
    assert failure.startswith(f"products: {PROBES[position]}: expected"), failure
    assert f"got {status} application/problem+json" in failure


def test_a_crashing_version_fails_and_only_its_error_type_is_logged(
    lambda_stub: Lambda, reports: Reports, hook_log: Kept
) -> None:
    lambda_stub.crashes(USERS_ARN, "Runtime.ImportModuleError")
    lambda_stub.answers(PRODUCTS_ARN, *RIGHT_ANSWERS)
    reports("Failed")
    run_hook()
    assert hook_log.failures == [
        f"users: {MISSING_ID}: function error (Unhandled): Runtime.ImportModuleError"
    ]
    assert "alice@example.com" not in "\n".join(hook_log.lines)


@pytest.mark.parametrize(
    ("wrong", "reason"),
    [
        (proxy_result(200, {"users": []}, "application/json"), "the 200 body has no items list"),
        (proxy_result(200, {"items": []}, "application/json"), "the 200 body has no nextCursor"),
        (
            proxy_result(200, {"items": [], "nextCursor": 3}, "application/json"),
            "the 200 body has no nextCursor",
        ),
        (proxy_result(200, PAGE, "text/html"), "expected 200 application/json, got 200 text/html"),
        (problem(404), "expected 200 application/json, got 404"),
        (
            {
                "statusCode": 200,
                "body": "<html>",
                "multiValueHeaders": {"Content-Type": ["application/json"]},
            },
            "the body is not JSON",
        ),
        ({"message": "not a proxy result"}, "not an API Gateway proxy result"),
    ],
)
def test_a_wrong_list_shape_fails(
    lambda_stub: Lambda, reports: Reports, hook_log: Kept, wrong: dict[str, Any], reason: str
) -> None:
    lambda_stub.answers(USERS_ARN, RIGHT_ANSWERS[0], wrong)
    lambda_stub.answers(PRODUCTS_ARN, *RIGHT_ANSWERS)
    reports("Failed")
    run_hook()
    (failure,) = hook_log.failures
    assert failure.startswith(f"users: {PAGE_PROBE}: {reason}"), failure


@pytest.mark.parametrize(
    "wrong",
    [
        proxy_result(200, {"id": "x"}, "application/json"),
        proxy_result(404, {"message": "Not Found"}, "application/json"),  # not the problem shape
        proxy_result(404, {"title": "Not Found"}, "application/problem+json"),  # no status member
    ],
)
def test_anything_but_the_404_problem_for_a_missing_id_fails(
    lambda_stub: Lambda, reports: Reports, hook_log: Kept, wrong: dict[str, Any]
) -> None:
    lambda_stub.answers(USERS_ARN, wrong)
    lambda_stub.answers(PRODUCTS_ARN, *RIGHT_ANSWERS)
    reports("Failed")
    run_hook()
    (failure,) = hook_log.failures
    assert failure.startswith(f"users: {MISSING_ID}: "), failure


@pytest.mark.parametrize(
    "code", ["AccessDeniedException", "ResourceNotFoundException", "TooManyRequestsException"]
)
def test_an_invoke_the_hook_may_not_make_fails(
    lambda_stub: Lambda, reports: Reports, hook_log: Kept, code: str
) -> None:
    lambda_stub.refuses(code)
    lambda_stub.answers(PRODUCTS_ARN, *RIGHT_ANSWERS)
    reports("Failed")
    run_hook()
    assert hook_log.failures == [f"users: {MISSING_ID}: invoke refused: {code}"]


@pytest.mark.parametrize(
    "variables",
    [
        {"USERS_VERSION_ARN": ""},  # missing
        {
            "PRODUCTS_VERSION_ARN": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:shop-prod-products"
        },  # $LATEST
        {"PRODUCTS_VERSION_ARN": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:shop-prod-products:live"},
    ],
)
def test_a_broken_hook_setting_fails_without_invoking(
    lambda_stub: Lambda,
    reports: Reports,
    hook_log: Kept,
    monkeypatch: pytest.MonkeyPatch,
    variables: dict[str, str],
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    reports("Failed")
    run_hook()  # no invoke is stubbed: one would raise
    assert hook_log.failures == ["the check could not run: RuntimeError"]


def test_a_report_that_does_not_go_through_raises_for_lambda_to_retry(lambda_stub: Lambda) -> None:
    lambda_stub.answers(USERS_ARN, *RIGHT_ANSWERS)
    lambda_stub.answers(PRODUCTS_ARN, *RIGHT_ANSWERS)
    with Stubber(handler.codedeploy) as stub:
        stub.add_client_error(
            "put_lifecycle_event_hook_execution_status", "ThrottlingException", http_status_code=400
        )
        with pytest.raises(ClientError):
            run_hook()
        stub.assert_no_pending_responses()


def test_an_event_without_the_hook_ids_is_refused_before_any_check(settings: None) -> None:
    with Stubber(handler.lambda_client), Stubber(handler.codedeploy), pytest.raises(KeyError):
        handler.lambda_handler({"DeploymentId": "d-1"}, FakeLambdaContext())

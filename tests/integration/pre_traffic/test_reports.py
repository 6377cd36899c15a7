"""The PreTraffic hook reports Succeeded only when both new versions answer every probe rightly, Failed
otherwise, and exactly once either way.

Lambda and CodeDeploy are botocore Stubbers on the hook's own clients: every call is checked against the
service model and the expected parameters (the version ARN, the hook's ids, the status), in order, since the
checks run one after the other here (the `in_order` fixture).
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


def test_right_answers_from_both_versions_succeed(
    lambda_stub: Lambda, reports: Callable[[str], None]
) -> None:
    """Every invoke names the version ARN the template hands the hook, not the alias (the Stubber checks)."""
    lambda_stub.answers(USERS_ARN, *RIGHT_ANSWERS)
    lambda_stub.answers(PRODUCTS_ARN, *RIGHT_ANSWERS)
    reports("Succeeded")
    run_hook()


@pytest.mark.parametrize("position", range(len(RIGHT_ANSWERS)))
@pytest.mark.parametrize("status", [500, 503])
def test_a_5xx_on_any_probe_fails(
    lambda_stub: Lambda, reports: Callable[[str], None], position: int, status: int
) -> None:
    # The products version fails at probe `position`; its later probes are not asked.
    lambda_stub.answers(USERS_ARN, *RIGHT_ANSWERS)
    lambda_stub.answers(PRODUCTS_ARN, *RIGHT_ANSWERS[:position], problem(status))
    reports("Failed")
    run_hook()


def test_a_crashing_version_fails_and_only_its_error_type_is_logged(
    lambda_stub: Lambda, reports: Callable[[str], None], hook_log: Kept
) -> None:
    lambda_stub.crashes(USERS_ARN, "Runtime.ImportModuleError")
    lambda_stub.answers(PRODUCTS_ARN, *RIGHT_ANSWERS)
    reports("Failed")
    run_hook()
    logs = "\n".join(hook_log.lines)
    assert "Runtime.ImportModuleError" in logs
    assert "alice@example.com" not in logs


@pytest.mark.parametrize(
    "wrong",
    [
        proxy_result(200, {"users": []}, "application/json"),  # no items
        proxy_result(200, {"items": []}, "application/json"),  # no nextCursor
        proxy_result(200, PAGE, "text/html"),
        proxy_result(404, {"status": 404}, "application/problem+json"),
        {"statusCode": 200, "body": "<html>", "multiValueHeaders": {"Content-Type": ["application/json"]}},
        {"message": "not a proxy result"},
    ],
)
def test_a_wrong_list_shape_fails(
    lambda_stub: Lambda, reports: Callable[[str], None], wrong: dict[str, Any]
) -> None:
    lambda_stub.answers(USERS_ARN, RIGHT_ANSWERS[0], wrong)
    lambda_stub.answers(PRODUCTS_ARN, *RIGHT_ANSWERS)
    reports("Failed")
    run_hook()


def test_a_200_where_the_missing_id_must_be_404_fails(
    lambda_stub: Lambda, reports: Callable[[str], None]
) -> None:
    lambda_stub.answers(USERS_ARN, proxy_result(200, {"id": "x"}, "application/json"))
    lambda_stub.answers(PRODUCTS_ARN, *RIGHT_ANSWERS)
    reports("Failed")
    run_hook()


@pytest.mark.parametrize(
    "code", ["AccessDeniedException", "ResourceNotFoundException", "TooManyRequestsException"]
)
def test_an_invoke_the_hook_may_not_make_fails(
    lambda_stub: Lambda, reports: Callable[[str], None], code: str
) -> None:
    lambda_stub.refuses(code)
    lambda_stub.answers(PRODUCTS_ARN, *RIGHT_ANSWERS)
    reports("Failed")
    run_hook()


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
    reports: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
    variables: dict[str, str],
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    reports("Failed")
    run_hook()  # no invoke is stubbed: one would raise


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

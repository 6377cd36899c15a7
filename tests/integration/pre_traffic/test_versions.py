"""The PreTraffic hook against stand-ins for the new versions: the real handlers in this process (against
moto), so that the hook's expectations are the functions' actual answers; and a Lambda that answers from any
thread, to run the checks side by side as the hook does in Lambda, or never answers (a hung version).
"""

import functools
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities import parameters
from botocore.exceptions import ClientError

from api_common.dynamo import container_client
from pre_traffic import checks, handler
from tests.integration.conftest import Call
from tests.integration.pre_traffic.support import (
    PRODUCTS_ARN,
    RIGHT_ANSWERS,
    USERS_ARN,
    AnswersFromAnyThread,
    InProcessVersions,
    Kept,
    run_hook,
)


def test_both_versions_are_checked_side_by_side(
    settings: None, reports: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = AnswersFromAnyThread({USERS_ARN: RIGHT_ANSWERS, PRODUCTS_ARN: RIGHT_ANSWERS}, meet=True)
    monkeypatch.setattr(handler, "lambda_client", client)
    reports("Succeeded")  # one after the other, the first version's first call would never be answered
    run_hook(timeout_s=60)


def test_a_version_that_hangs_fails_before_the_hook_times_out(
    settings: None,
    reports: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
    hook_log: Kept,
) -> None:
    client = AnswersFromAnyThread({USERS_ARN: RIGHT_ANSWERS, PRODUCTS_ARN: RIGHT_ANSWERS}, hold=PRODUCTS_ARN)
    monkeypatch.setattr(handler, "lambda_client", client)
    reports("Failed")
    try:
        # The report's reserve plus 0.2 s of hook time leaves the checks 0.2 s.
        run_hook(timeout_s=handler.REPORT_RESERVE_SECONDS + 0.2)
    finally:
        client.released.set()
    assert "products: no complete answer" in "\n".join(hook_log.lines)


def test_the_probes_are_what_the_real_functions_answer(
    settings: None,
    api: Call,
    reports: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
    hook_log: Kept,
) -> None:
    """The handlers in-process against moto stand in for the versions: the hook's expectations are theirs."""
    created = api("POST", "/users", body={"name": "Alice", "email": "alice@example.com"})
    assert created.status == 201
    api("POST", "/users", body={"name": "Bob", "email": "bob@example.com"})  # so the page has a next cursor
    monkeypatch.setattr(handler, "lambda_client", InProcessVersions())
    monkeypatch.setattr(handler, "verify", functools.partial(checks.verify, workers=1))
    reports("Succeeded")
    run_hook()
    logs = "\n".join(hook_log.lines)
    assert '"status":"Succeeded"' in logs
    assert "alice@example.com" not in logs, "the hook logged a function's answer"


def test_a_version_whose_store_permission_is_broken_fails(
    settings: None, api: Call, reports: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(**_: Any) -> Any:
        raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "denied"}}, "GetItem")

    monkeypatch.setattr(container_client(), "get_item", denied)
    monkeypatch.setattr(handler, "lambda_client", InProcessVersions())
    monkeypatch.setattr(handler, "verify", functools.partial(checks.verify, workers=1))
    reports("Failed")
    run_hook()


def test_a_version_that_cannot_read_its_cursor_key_fails(
    settings: None, api: Call, reports: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The probes make the function read the key whatever the table holds (the unsigned cursor)."""
    secret = boto3.client("secretsmanager").list_secrets()["SecretList"][0]["ARN"]
    boto3.client("secretsmanager").delete_secret(SecretId=secret, ForceDeleteWithoutRecovery=True)
    parameters.clear_caches()  # a key read by an earlier test would hide the loss
    monkeypatch.setattr(handler, "lambda_client", InProcessVersions())
    monkeypatch.setattr(handler, "verify", functools.partial(checks.verify, workers=1))
    reports("Failed")
    run_hook()

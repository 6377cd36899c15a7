"""Fixtures of the PreTraffic hook's tests: its settings, its clients stubbed, its log kept."""

import functools
from collections.abc import Callable, Iterator

import pytest
from botocore.stub import Stubber

from pre_traffic import checks, config, handler
from tests.integration.pre_traffic.support import HOOK_EVENT, PRODUCTS_ARN, USERS_ARN, Kept, Lambda


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("USERS_VERSION_ARN", USERS_ARN)
    monkeypatch.setenv("PRODUCTS_VERSION_ARN", PRODUCTS_ARN)
    config.current.cache_clear()
    yield
    config.current.cache_clear()


@pytest.fixture
def in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks one after the other, so that the Stubber's queue matches the calls."""
    monkeypatch.setattr(handler, "verify", functools.partial(checks.verify, workers=1))


@pytest.fixture
def lambda_stub(settings: None, in_order: None) -> Iterator[Lambda]:
    with Stubber(handler.lambda_client) as stub:
        yield Lambda(stub)
        stub.assert_no_pending_responses()


@pytest.fixture
def reports() -> Iterator[Callable[[str], None]]:
    """Expect exactly one report: a second call would find no stubbed response and raise."""
    with Stubber(handler.codedeploy) as stub:

        def expect(status: str) -> None:
            stub.add_response(
                "put_lifecycle_event_hook_execution_status",
                {"lifecycleEventHookExecutionId": HOOK_EVENT["LifecycleEventHookExecutionId"]},
                {
                    "deploymentId": HOOK_EVENT["DeploymentId"],
                    "lifecycleEventHookExecutionId": HOOK_EVENT["LifecycleEventHookExecutionId"],
                    "status": status,
                },
            )

        yield expect
        stub.assert_no_pending_responses()


@pytest.fixture
def hook_log() -> Iterator[Kept]:
    kept, level = Kept(), handler.logger.log_level
    handler.logger.addHandler(kept)
    handler.logger.setLevel("INFO")
    yield kept
    handler.logger.setLevel(level)
    handler.logger.removeHandler(kept)  # type: ignore[attr-defined]  # Powertools' Logger forwards it

"""SnapStart: each handler registers its after-restore hooks at import; once they have run (as Lambda runs
them when it resumes an environment from the snapshot), the function still serves requests."""

import importlib
import random
from typing import Any

import pytest
import snapshot_restore_py  # type: ignore[import-untyped]

from api_common import dynamo, snapstart
from tests.integration.conftest import FakeLambdaContext
from tests.integration.support import api_event, reply

BODIES = {
    "users": ("/users", {"name": "Restored", "email": "restored@example.com"}),
    "products": ("/products", {"name": "Restored", "price": 1}),
}


def restore() -> list[str]:
    """Run the registered after-restore hooks in order, as the runtime does; their names."""
    ran = []
    for hook, args, kwargs in snapshot_restore_py.get_after_restore():
        hook(*args, **kwargs)
        ran.append(hook.__name__)
    return ran


@pytest.mark.parametrize("service", ["users", "products"])
def test_a_restored_handler_serves_requests(aws: None, monkeypatch: pytest.MonkeyPatch, service: str) -> None:
    handler = importlib.import_module(f"{service}.handler")
    closed: list[bool] = []
    real_close = dynamo.container_client().close

    def close() -> None:
        closed.append(True)
        real_close()

    monkeypatch.setattr(dynamo.container_client(), "close", close)
    random.seed(1)
    before = random.getstate()

    ran = restore()

    assert {"reseed_random", "drop_pooled_connections"} <= set(ran)
    assert closed  # the shared client's connection pool was emptied
    assert random.getstate() != before  # the snapshot's random state is not reused
    path, body = BODIES[service]
    created = reply(handler.lambda_handler(api_event("POST", path, body=body), FakeLambdaContext()))
    assert created.status == 201, created.raw_body
    fetched = reply(
        handler.lambda_handler(api_event("GET", f"{path}/{created.body['id']}"), FakeLambdaContext())
    )
    assert fetched.body == created.body


def test_without_the_runtime_library_nothing_is_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(snapstart, "register_after_restore", None)
    registered = len(snapshot_restore_py.get_after_restore())

    def hook() -> Any:
        return None

    assert snapstart.after_restore(hook) is hook
    assert len(snapshot_restore_py.get_after_restore()) == registered

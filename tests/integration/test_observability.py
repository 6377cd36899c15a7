"""Logs carry the API Gateway request id and no personal data; writes emit their business metrics."""

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from api_common.observability import logger
from products import handler as products_handler
from tests.integration.conftest import Call, FakeLambdaContext
from tests.integration.support import api_event, reply


class Collected(logging.Handler):
    """The JSON lines the function's Logger writes (same formatter, hence same keys), at INFO."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(logger.registered_formatter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def info_logs() -> Iterator[Collected]:
    collected, level = Collected(), logger.log_level
    logger.addHandler(collected)
    logger.setLevel("INFO")
    yield collected
    logger.setLevel(level)
    logger.removeHandler(collected)  # type: ignore[attr-defined]  # Powertools' Logger forwards it to logging


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_info_logs_have_the_request_id_and_no_bodies_or_emails(users_api: Call, info_logs: Collected) -> None:
    reply = users_api("POST", "/users", body={"name": "Secret Name", "email": "private@example.com"})
    users_api(
        "PUT", f"/users/{reply.body['id']}", body={"name": "Other Secret", "email": "hidden@example.com"}
    )
    users_api("POST", "/users", body={"name": "Dup", "email": "hidden@example.com"})  # 409

    output = info_logs.text
    logs = json_lines(output)
    assert {line["message"] for line in logs} >= {"user created", "user updated"}
    assert all(line["correlation_id"] for line in logs)
    for secret in ("private@example.com", "hidden@example.com", "Secret Name", "Other Secret"):
        assert secret not in output


def test_writes_emit_business_metrics(api: Call, capsys: pytest.CaptureFixture[str]) -> None:
    user = api("POST", "/users", body={"name": "M", "email": "m@example.com"}).body
    api("PUT", f"/users/{user['id']}", body={"name": "M2", "email": "m@example.com"})
    api("DELETE", f"/users/{user['id']}")
    product = api("POST", "/products", body={"name": "P", "price": 1}).body
    api("PUT", f"/products/{product['id']}", body={"name": "P", "price": 2})
    api("DELETE", f"/products/{product['id']}")

    emitted = [
        metric["Name"]
        for line in json_lines(capsys.readouterr().out)
        if "_aws" in line
        for directive in line["_aws"]["CloudWatchMetrics"]
        for metric in directive["Metrics"]
        if directive["Namespace"] == "UsersProductsApi"
    ]
    for name in (
        "UserCreated",
        "UserUpdated",
        "UserDeleted",
        "ProductCreated",
        "ProductUpdated",
        "ProductDeleted",
    ):
        assert emitted.count(name) == 1, emitted


def test_the_correlation_id_is_the_api_gateway_request_id(aws: None, info_logs: Collected) -> None:
    event = api_event("POST", "/products", body={"name": "P", "price": 1})
    event["requestContext"]["requestId"] = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"

    assert reply(products_handler.lambda_handler(event, FakeLambdaContext())).status == 201

    (created,) = [line for line in json_lines(info_logs.text) if line.get("message") == "product created"]
    assert created["correlation_id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"

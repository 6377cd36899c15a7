"""The local server's own promises (API Gateway parity, start-up, shutdown), on a small fixture app with a
crashing and a slow handler. Skipped when API_URL points the suite at a deployed stack."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import boto3
import pytest
import requests
from botocore.credentials import Credentials
from moto.server import ThreadedMotoServer

from tests.local_api import FIXTURE_TEMPLATE
from tools.local_api.process import (
    LOCAL_KEY,
    LOCAL_REGION,
    LOCAL_SECRET,
    LocalServer,
    start_local_server,
)
from tools.local_api.sigv4_signer import ExecuteApiAuth

pytestmark = pytest.mark.skipif(bool(os.environ.get("API_URL")), reason="exercises the local server itself")

AUTH = ExecuteApiAuth(Credentials(LOCAL_KEY, LOCAL_SECRET), LOCAL_REGION)


def _get(server: LocalServer, path: str, **kwargs: object) -> requests.Response:
    return requests.get(f"{server.url}{path}", timeout=30, **kwargs)  # type: ignore[arg-type]


def test_function_gets_identity_request_id_and_its_own_environment(fixture_server: LocalServer) -> None:
    response = _get(fixture_server, "/items?tag=a", auth=AUTH)

    assert response.status_code == 200, response.text
    echo = response.json()
    assert echo["identity"]["accessKey"] == LOCAL_KEY
    assert echo["identity"]["userArn"].endswith(":user/local-developer")
    assert echo["identity"]["caller"]
    assert echo["requestId"] == response.headers["x-amzn-RequestId"]
    assert echo["env"] == {
        "ITEMS_TABLE_NAME": "ItemsTable",
        "ALLOWED_ORIGIN": "https://app.example.com",
        "AWS_SAM_LOCAL": "true",
    }
    assert echo["secretLength"] == 16  # CursorSigningSecret-style GenerateSecretString, created in moto
    assert 0 < echo["remainingMs"] <= 1000  # the template's Timeout: 1


def test_request_ids_differ(fixture_server: LocalServer) -> None:
    ids = {_get(fixture_server, "/items?tag=a", auth=AUTH).json()["requestId"] for _ in range(3)}
    assert len(ids) == 3


def test_unsigned_and_badly_signed_requests_get_the_configured_gateway_responses(
    fixture_server: LocalServer,
) -> None:
    unsigned = _get(fixture_server, "/items?tag=a")
    forged = _get(
        fixture_server, "/items?tag=a", auth=ExecuteApiAuth(Credentials(LOCAL_KEY, "x"), LOCAL_REGION)
    )
    unknown_route = _get(fixture_server, "/nowhere", auth=AUTH)

    assert (unsigned.status_code, forged.status_code, unknown_route.status_code) == (403, 403, 403)
    assert unsigned.json() == {
        "title": "Missing Authentication Token",
        "type": "MISSING_AUTHENTICATION_TOKEN",
    }
    assert forged.json()["type"] == "INVALID_SIGNATURE"
    assert unknown_route.json()["type"] == "MISSING_AUTHENTICATION_TOKEN"
    for response in (unsigned, forged, unknown_route):
        assert (
            response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
        )  # Fn::Sub resolved


def test_operation_without_security_needs_no_signature(fixture_server: LocalServer) -> None:
    assert _get(fixture_server, "/open").status_code == 200


def test_request_validator_checks_parameters_and_body(fixture_server: LocalServer) -> None:
    missing = _get(fixture_server, "/items", auth=AUTH)
    url = f"{fixture_server.url}/items"
    not_multiple = requests.post(url, json={"name": "a", "price": 1.001}, auth=AUTH, timeout=30)
    extra = requests.post(url, json={"name": "a", "price": 1, "x": 1}, auth=AUTH, timeout=30)
    broken = requests.post(
        url, data=b"{", headers={"Content-Type": "application/json"}, auth=AUTH, timeout=30
    )
    other_type = requests.post(url, data=b"{", headers={"Content-Type": "text/plain"}, auth=AUTH, timeout=30)

    assert missing.status_code == 400
    assert missing.json()["title"] == "Missing required request parameters: [tag]"
    for response in (not_multiple, broken):
        assert response.status_code == 400
        assert response.headers["Content-Type"] == "application/problem+json"
        body = response.json()  # the template's JSON stays valid with quotes in the validation errors
        assert body["type"] == "urn:fixture:validation-error"
        assert body["requestId"] == response.headers["x-amzn-RequestId"]
    assert "multiple of" in not_multiple.json()["detail"]
    # API Gateway does not support additionalProperties in models: the unknown field reaches the function.
    assert extra.status_code == 201, extra.text
    # No model for text/plain: API Gateway skips body validation and the function sees the request.
    assert other_type.status_code == 502  # the fixture handler choked on "{", so it did see the request


def test_decimal_numbers_are_exact_against_multiple_of(fixture_server: LocalServer) -> None:
    url = f"{fixture_server.url}/items"
    for price in ("0.07", "19.99", "1000000.01", "0.3"):
        raw = f'{{"name": "p{price}", "price": {price}}}'
        response = requests.post(
            url, data=raw, headers={"Content-Type": "application/json"}, auth=AUTH, timeout=30
        )
        assert response.status_code == 201, (price, response.text)
        stored = {item["id"]: item["price"] for item in response.json()["items"]}
        assert Decimal(stored[f"p{price}"]) == Decimal(price)


def test_cors_preflight_comes_from_the_mock_integration(fixture_server: LocalServer) -> None:
    response = requests.options(f"{fixture_server.url}/items", headers={"Origin": "https://x"}, timeout=30)

    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert response.headers["Access-Control-Allow-Methods"] == "GET,POST,OPTIONS"


def test_crash_is_502_and_overrun_is_504(fixture_server: LocalServer) -> None:
    crash = _get(fixture_server, "/crash", auth=AUTH)
    slow = _get(fixture_server, "/slow", auth=AUTH)

    assert crash.status_code == 502
    assert crash.json() == {"title": "Internal server error", "status": "5xx"}  # DEFAULT_5XX template
    assert "boom" not in crash.text
    assert slow.status_code == 504
    assert slow.json()["title"] == "Endpoint request timed out"
    assert "RuntimeError: boom" in fixture_server.log_text()  # the stack trace goes to the developer's log


def test_unsupported_methods_are_refused_like_api_gateway(fixture_server: LocalServer) -> None:
    for method in ("HEAD", "PATCH", "DELETE"):
        response = requests.request(method, f"{fixture_server.url}/items?tag=a", auth=AUTH, timeout=30)
        assert response.status_code == 403


def test_banner_prints_url_credentials_and_a_working_curl(fixture_server: LocalServer) -> None:
    log = fixture_server.log_text()
    assert fixture_server.url in log
    assert LOCAL_KEY in log
    assert LOCAL_SECRET in log
    command = next(line.strip() for line in log.splitlines() if line.strip().startswith("curl --aws-sigv4"))
    if shutil.which("curl") is None:
        pytest.skip("curl not installed")
    command = command.replace(f"{fixture_server.url}/crash", f"{fixture_server.url}/open")
    result = subprocess.run(  # noqa: S602 - the banner's own example, as a user pastes it
        command + " -s -o /dev/null -w '%{http_code}'",
        shell=True,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.stdout in {"200", "400"}, (command, result.stdout, result.stderr)  # signed: not 403


def test_no_auth_overrides_and_external_dynamodb(tmp_path: Path) -> None:
    external = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    external.start()
    host, port = external.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    server = start_local_server(
        tmp_path / "server.log",
        "--template",
        str(FIXTURE_TEMPLATE),
        "--no-auth",
        "--parameter-overrides",
        "AllowedOrigin=https://other.example.com",
        env={"AWS_ENDPOINT_URL_DYNAMODB": endpoint},
    )
    try:
        requests.get(f"{server.url}/open", timeout=60)  # the cold start, which a loaded machine can take >1 s
        response = requests.post(f"{server.url}/items", json={"name": "ext", "price": 2}, timeout=30)
        assert response.status_code == 201, response.text
        assert response.headers["Access-Control-Allow-Origin"] == "https://other.example.com"
        assert response.json()["identity"]["userArn"] is None  # nobody signed
        table = boto3.resource(
            "dynamodb",
            endpoint_url=endpoint,
            region_name=LOCAL_REGION,
            aws_access_key_id="x",
            aws_secret_access_key="x",
        ).Table("ItemsTable")
        assert table.get_item(Key={"id": "ext"})["Item"]["price"] == "2"
        assert endpoint in server.log_text()
    finally:
        assert server.stop() == 0
        external.stop()
    assert "local API stopped" in server.log_text()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_and_sigterm_stop_cleanly(tmp_path: Path, sig: int) -> None:
    server = start_local_server(tmp_path / "server.log", "--template", str(FIXTURE_TEMPLATE), "--seed")
    # The port opens before seeding ends; signal once the seed report is out, so both promises are judged.
    _wait_for(server, "seeded ")
    assert server.stop(sig) == 0
    log = server.log_text()
    assert "local API stopped" in log
    assert "Traceback" not in log
    assert re.search(r"seeded 0 users and 0 products", log)  # the fixture app has no /users or /products


def _wait_for(server: LocalServer, text: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while text not in server.log_text():
        assert time.monotonic() < deadline, f"{text!r} never appeared:\n{server.log_text()}"
        time.sleep(0.1)


def test_each_function_logs_and_counts_as_its_own_service(tmp_path: Path) -> None:
    # One process runs both functions locally; Powertools' state must still be per function (per container).
    server = start_local_server(tmp_path / "server.log", "--seed")
    try:
        _wait_for(server, "seeded ")
    finally:
        assert server.stop() == 0
    records = [json.loads(line) for line in server.log_text().splitlines() if line.startswith("{")]
    logged = {(r["message"], r["service"], r["cold_start"]) for r in records if "level" in r}
    assert ("user created", "users", True) in logged
    assert ("product created", "products", True) in logged  # its own cold start, too
    assert {service for message, service, _ in logged if message.startswith("product")} == {"products"}
    counted = {
        (name, r["service"])
        for r in records
        if "_aws" in r
        for name in ("UserCreated", "ProductCreated")
        if name in r
    }
    assert counted == {("UserCreated", "users"), ("ProductCreated", "products")}

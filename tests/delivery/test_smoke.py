"""make smoke (tools/smoke.py) against the real local server, with the stack outputs from a stubbed client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
import requests
from botocore.stub import Stubber
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from tools import smoke
from tools.local_api.process import LOCAL_KEY, LOCAL_REGION, LOCAL_SECRET, LocalServer
from tools.local_api.sigv4_signer import ExecuteApiAuth

STACK = "users-products-api-dev"


@pytest.fixture(autouse=True)
def local_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """The credentials the local server accepts, as the environment's (what boto3 finds in CI)."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", LOCAL_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", LOCAL_SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", LOCAL_REGION)


def stack_outputs(outputs: dict[str, str], status: str = "UPDATE_COMPLETE") -> dict[str, Any]:
    return {
        "Stacks": [
            {
                "StackName": STACK,
                "CreationTime": "2026-01-01T00:00:00Z",
                "StackStatus": status,
                "Outputs": [{"OutputKey": key, "OutputValue": value} for key, value in outputs.items()],
            }
        ]
    }


@pytest.fixture
def cloudformation() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("cloudformation", region_name=LOCAL_REGION)
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def describing(stubber: Stubber, response: dict[str, Any]) -> None:
    stubber.add_response("describe_stacks", response, {"StackName": STACK})


class Recorder(HTTPAdapter):
    """Sends every request to the server, except those `fail` picks: they get an injected 500 instead."""

    def __init__(self, fail: Callable[[requests.PreparedRequest], bool] = lambda _: False) -> None:
        super().__init__()
        self.fail = fail
        self.created: list[str] = []
        self.calls: list[tuple[str, str, int]] = []

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        if self.fail(request):
            response = requests.Response()
            response.status_code = 500
            response._content = b'{"message": "Internal server error"}'
            response.headers = CaseInsensitiveDict({"Content-Type": "application/json"})
            response.request, response.url = request, str(request.url)
        else:
            response = super().send(request, *args, **kwargs)
        self.calls.append((str(request.method), str(request.path_url), response.status_code))
        if request.method == "POST" and response.status_code == 201:
            self.created.append(response.headers["Location"])
        return response


def session_with(adapter: Recorder) -> requests.Session:
    session = requests.Session()
    session.mount("http://", adapter)
    return session


def gone(server: LocalServer, location: str) -> bool:
    auth = ExecuteApiAuth(boto3.session.Session().get_credentials(), LOCAL_REGION)  # type: ignore[arg-type]
    return requests.get(server.url + location, auth=auth, timeout=30).status_code == 404


def test_round_trip_on_both_collections_passes_and_leaves_nothing(
    local_server: LocalServer, cloudformation: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    client, stubber = cloudformation
    describing(stubber, stack_outputs({"ApiUrl": local_server.url + "/", "UsersTableName": "t"}))
    recorder = Recorder()

    code = smoke.main(["--stack", STACK], cloudformation=client, session=session_with(recorder))

    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith(f"smoke OK: {STACK} ({local_server.url}): users, products round trip"), out
    assert [location.split("/")[1] for location in recorder.created] == ["users", "products"]
    assert ("PUT", recorder.created[0], 412) in recorder.calls  # the stale If-Match was refused
    assert all(gone(local_server, location) for location in recorder.created)


def test_a_failing_step_cleans_up_and_exits_non_zero_with_one_line(
    local_server: LocalServer, cloudformation: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    client, stubber = cloudformation
    describing(stubber, stack_outputs({"ApiUrl": local_server.url}))
    recorder = Recorder(fail=lambda request: request.method == "PUT" and "/products/" in str(request.url))

    code = smoke.main(["--stack", STACK], cloudformation=client, session=session_with(recorder))

    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith("smoke FAILED: PUT /products/"), err
    assert "answered 500, expected 200" in err, err
    # users finished their round trip; the product was created, then removed by the cleanup
    assert [location.split("/")[1] for location in recorder.created] == ["users", "products"]
    product = recorder.created[1]
    assert recorder.calls[-1] == ("DELETE", product, 204)
    assert all(gone(local_server, location) for location in recorder.created)


def test_refused_signature_fails_the_first_step_and_creates_nothing(
    local_server: LocalServer,
    cloudformation: tuple[Any, Stubber],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-local-secret")
    client, stubber = cloudformation
    describing(stubber, stack_outputs({"ApiUrl": local_server.url}))
    recorder = Recorder()

    code = smoke.main(["--stack", STACK], cloudformation=client, session=session_with(recorder))

    assert code == 1
    assert capsys.readouterr().err.startswith("smoke FAILED: POST /users answered 403, expected 201")
    assert recorder.created == []


def test_a_stack_without_the_url_output_is_a_setup_error(
    cloudformation: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    client, stubber = cloudformation
    describing(stubber, stack_outputs({"UsersTableName": "t"}, status="ROLLBACK_COMPLETE"))

    assert smoke.main(["--stack", STACK], cloudformation=client) == 2
    reason = f"smoke: stack {STACK} has no ApiUrl output (status ROLLBACK_COMPLETE)\n"
    assert capsys.readouterr().err == reason


def test_an_unknown_stack_is_a_setup_error_in_one_line(
    cloudformation: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    client, stubber = cloudformation
    stubber.add_client_error(
        "describe_stacks",
        service_error_code="ValidationError",
        service_message=f"Stack with id {STACK} does not exist",
        http_status_code=400,
        expected_params={"StackName": STACK},
    )

    assert smoke.main(["--stack", STACK], cloudformation=client) == 2
    assert capsys.readouterr().err == f"smoke: stack {STACK}: Stack with id {STACK} does not exist\n"


def test_an_empty_stack_name_says_how_to_call_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert smoke.main(["--stack", ""]) == 2
    assert "make smoke STACK=<stack name>" in capsys.readouterr().err


def test_the_region_is_the_stack_clients(cloudformation: tuple[Any, Stubber]) -> None:
    client, stubber = cloudformation
    describing(stubber, stack_outputs({"ApiUrl": "https://abc.execute-api.example/dev/"}))
    expected = smoke.Target("https://abc.execute-api.example/dev", LOCAL_REGION)
    assert smoke.stack_target(STACK, client) == expected


def test_a_given_url_is_called_instead_of_the_output_signed_for_the_stacks_region(
    local_server: LocalServer, cloudformation: tuple[Any, Stubber], capsys: pytest.CaptureFixture[str]
) -> None:
    # A custom domain's host names no Region: the signature's Region is the CloudFormation client's.
    client, _stubber = cloudformation  # no DescribeStacks: the stubber fails on any unexpected call
    recorder = Recorder()

    code = smoke.main(
        ["--stack", STACK, "--url", local_server.url + "/"],
        cloudformation=client,
        session=session_with(recorder),
    )

    out, err = capsys.readouterr()
    assert code == 0, err
    assert out.startswith(f"smoke OK: {STACK} ({local_server.url}): "), out
    assert recorder.calls, "nothing was called"

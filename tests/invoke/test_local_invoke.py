"""`make invoke` (tools/local_api/invoke.py): every sample event gives the status in its file name
through the in-process runner of `make local`, against the embedded backend seeded by
tools/local_api/samples.py;
the command prints what `sam local invoke` prints (the result alone on stdout, logs on stderr)."""

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.invoke.events import EVENTS, IDS, ROOT, expected_status, function_for, load
from tools.local_api.invoke import LocalInvoker, main


@pytest.fixture(scope="module")
def invoker() -> Iterator[LocalInvoker]:
    local = LocalInvoker()
    try:
        yield local
    finally:
        local.close()


@pytest.mark.parametrize("path", EVENTS, ids=IDS)
def test_every_event_gives_its_documented_status(invoker: LocalInvoker, path: Path) -> None:
    invoker.reseed()  # each event starts from the sample items, whatever the previous one changed
    event = load(path)
    function = function_for(event, invoker.stack.api.routes)

    result = json.loads(invoker.invoke(function, path.read_text(encoding="utf-8")))

    assert result["statusCode"] == expected_status(path), result
    if expected_status(path) >= 400:
        assert result["multiValueHeaders"]["Content-Type"] == ["application/problem+json"]


def test_reseed_undoes_what_an_event_changed(invoker: LocalInvoker) -> None:
    delete = (ROOT / "events" / "users-delete-204.json").read_text(encoding="utf-8")
    get = (ROOT / "events" / "users-get-200.json").read_text(encoding="utf-8")
    invoker.reseed()
    assert json.loads(invoker.invoke("UserFunction", delete))["statusCode"] == 204
    assert json.loads(invoker.invoke("UserFunction", get))["statusCode"] == 404
    invoker.reseed()
    assert json.loads(invoker.invoke("UserFunction", get))["statusCode"] == 200


def test_make_invoke_prints_the_result_on_stdout_and_logs_on_stderr() -> None:
    event = (ROOT / "events" / "products-get-200.json").read_text(encoding="utf-8")

    done = subprocess.run(
        ["make", "--no-print-directory", "-s", "invoke", "FUNCTION=ProductFunction", "EVENT=-"],  # noqa: S607
        input=event,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)  # the whole of stdout is one JSON document
    assert result["statusCode"] == 200
    assert json.loads(result["body"])["id"] == "0b6e1f2a-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
    # The function's own output (Powertools' EMF cold-start metric) went to stderr, not into the result.
    assert '"ColdStart"' in done.stderr
    assert "ColdStart" not in done.stdout


def test_unknown_function_is_an_error_listing_the_functions(capfd: pytest.CaptureFixture[str]) -> None:
    assert main(["NoSuchFunction", "events/users-get-200.json"]) == 1

    out, err = capfd.readouterr()
    assert out == ""
    assert "NoSuchFunction not found" in err
    assert "UserFunction" in err


def test_an_event_that_is_not_json_is_refused_before_any_invocation(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("not json"))

    assert main(["UserFunction", "-"]) == 2

    out, err = capfd.readouterr()
    assert out == ""
    assert "cannot read the event" in err

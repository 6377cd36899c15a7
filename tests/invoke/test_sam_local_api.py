"""tools/local_api/sam_local_api.py: the start-api step of `make sam-local-check` and of the sam-local CI job,
driven by stand-ins for `sam` (an HTTP server that says "Running on" as SAM CLI does) and for pytest."""

import json
import socket
import sys
from pathlib import Path

import boto3
import pytest

from tools.local_api.container_backend import CREDENTIALS, ContainerBackend
from tools.local_api.sam_local_api import main, warm_up_paths
from tools.local_api.samples import USER_ID

FAKE_SAM = """#!{python}
import http.server, json, signal, sys, time
args = sys.argv[1:]
log = open({log!r}, "a")
log.write(json.dumps(args) + "\\n"); log.flush()
if {exit_at_once!r}:
    sys.exit(1)
port = int(args[args.index("--port") + 1])
def stop(*_):
    log.write("stopped\\n"); log.flush(); sys.exit(0)
signal.signal(signal.SIGINT, stop)
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        log.write(f"GET {{self.path}}\\n"); log.flush()
        self.send_response(200); self.end_headers(); self.wfile.write(b"[]")
server = http.server.HTTPServer(("127.0.0.1", port), Handler)
time.sleep(1)  # SAM CLI starts its warm containers before it serves
print(f" * Running on http://127.0.0.1:{{port}}", flush=True)
server.serve_forever()
"""

FAKE_PYTEST = """#!{python}
import json, os, sys, urllib.request
api = os.environ["API_URL"]
with urllib.request.urlopen(api + "/users") as answer:
    status = answer.status
with open({log!r}, "a") as log:
    log.write(json.dumps({{"argv": sys.argv[1:], "target": os.environ["E2E_TARGET"], "api": api,
                          "status": status}}) + "\\n")
sys.exit(3)
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _script(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(0o755)
    return path


def _users_table(backend: ContainerBackend) -> object:
    return boto3.client(
        "dynamodb",
        endpoint_url=backend.url,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["key"],
        aws_secret_access_key=CREDENTIALS["secret"],
    )


def test_the_suite_runs_against_the_started_api_as_sam_local_then_sam_is_stopped(
    backend: ContainerBackend, tmp_path: Path
) -> None:
    dynamodb = _users_table(backend)
    dynamodb.delete_item(TableName="UsersTable", Key={"id": {"S": USER_ID}})  # type: ignore[attr-defined]
    sam_log, pytest_log, port = tmp_path / "sam.log", tmp_path / "pytest.log", _free_port()
    sam = _script(
        tmp_path / "sam", FAKE_SAM.format(python=sys.executable, log=str(sam_log), exit_at_once=False)
    )
    fake_pytest = _script(tmp_path / "pytest", FAKE_PYTEST.format(python=sys.executable, log=str(pytest_log)))

    argv = ["--backend", backend.url, "--sam", str(sam), "--pytest", str(fake_pytest), "--port", str(port),
            "--skip-pull-image", "--template", "t.yaml", "--", "-k", "waf or method"]  # fmt: skip
    assert main(argv) == 3  # the suite's exit code

    sam_call, *requests, stopped = sam_log.read_text().splitlines()
    call = json.loads(sam_call)
    assert call[:2] == ["local", "start-api"]
    expected = {
        "--env-vars": "local/env.json",
        "--warm-containers": "EAGER",
        "--port": str(port),
        "--template": "t.yaml",
        "--add-host": "host.docker.internal:host-gateway",
    }
    for option, value in expected.items():
        assert call[call.index(option) + 1] == value
    assert "--skip-pull-image" in call
    assert stopped == "stopped"  # SIGINT: SAM CLI removes its warm containers
    # each function answered once (its cold start) before the suite's own request
    assert requests == ["GET /products", "GET /users", "GET /users"]
    run = json.loads(pytest_log.read_text())
    assert run["argv"][0] == "tests/e2e"
    assert run["argv"][-2:] == ["-k", "waf or method"]
    assert (run["target"], run["api"], run["status"]) == ("sam-local", f"http://127.0.0.1:{port}", 200)
    # the backend was reseeded before the API started: Ada is back
    assert "Item" in dynamodb.get_item(TableName="UsersTable", Key={"id": {"S": USER_ID}})  # type: ignore[attr-defined]


def test_no_suite_runs_when_sam_local_does_not_serve(
    backend: ContainerBackend, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sam_log, pytest_log = tmp_path / "sam.log", tmp_path / "pytest.log"
    sam = _script(
        tmp_path / "sam", FAKE_SAM.format(python=sys.executable, log=str(sam_log), exit_at_once=True)
    )
    fake_pytest = _script(tmp_path / "pytest", FAKE_PYTEST.format(python=sys.executable, log=str(pytest_log)))

    argv = [
        "--backend",
        backend.url,
        "--sam",
        str(sam),
        "--pytest",
        str(fake_pytest),
        "--port",
        str(_free_port()),
    ]
    assert main(argv) == 1

    assert not pytest_log.exists()
    assert "sam local start-api did not serve" in capsys.readouterr().err


def test_every_function_of_the_template_is_warmed_by_a_get_without_parameters() -> None:
    assert warm_up_paths() == ["/products", "/users"]

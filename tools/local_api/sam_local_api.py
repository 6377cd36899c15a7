"""python -m tools.local_api.sam_local_api: the e2e suite against real `sam local start-api` (Docker).

Needs `sam build` done and `make backend` running (local/env.json points the functions at it). Reseeds the
backend, starts `sam local start-api` with warm containers, waits until every function has answered once (a
container starts the runtime, and so imports the handler, on its first invoke: minutes under qemu, longer
than the suite's 30 s per request), then runs tests/e2e with
E2E_TARGET=sam-local, so the tests that need what SAM CLI's emulator lacks are skipped with the reason
(tests/e2e/targets.py). SAM CLI is stopped (SIGINT, which removes its warm containers) whatever happens; the
exit code is the suite's. Arguments before `--` go to `sam local start-api` (e.g. --skip-pull-image
--template ...), those after it to pytest (e.g. -k waf).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType

from tools.local_api.container_backend import DEFAULT_PORT, default_host, reseed_running
from tools.local_api.sam_local_events import PINNED_SAM, PROJECT, REGION
from tools.local_api.stack import load_stack

READY_LINE = "Running on"  # werkzeug's banner: SAM CLI's Flask app serves


def _parse(argv: list[str]) -> tuple[argparse.Namespace, list[str], list[str]]:
    split = argv.index("--") if "--" in argv else len(argv)
    ours, pytest_args = argv[:split], argv[split + 1 :]
    parser = argparse.ArgumentParser(
        prog="python -m tools.local_api.sam_local_api", description=__doc__, allow_abbrev=False
    )
    parser.add_argument("--backend", default=None, help="URL of `make backend` (default: its own default)")
    parser.add_argument("--sam", default=PINNED_SAM, help="the sam executable (default: the venv's)")
    parser.add_argument("--pytest", default=None, help="the pytest command (default: this Python's)")
    parser.add_argument("--port", type=int, default=3001, help="where sam local start-api listens")
    parser.add_argument("--log", type=Path, default=None, help="SAM CLI's output (default: a temporary file)")
    parser.add_argument("--ready-timeout", type=int, default=900, help="seconds until the API must answer")
    args, sam_args = parser.parse_known_args(ours)
    return args, sam_args, pytest_args


def warm_up_paths() -> list[str]:
    """One GET path without parameters per function of the template (unsigned: sam local checks nothing)."""
    routes = load_stack(PROJECT / "template.yaml", REGION).api.routes
    paths = {
        str(route.function_name): route.path
        for route in sorted(routes, key=lambda route: route.path, reverse=True)
        if "GET" in route.methods and "{" not in route.path
    }
    return sorted(paths.values())


def _answers(url: str, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout):  # noqa: S310 - our own http://127.0.0.1 URL
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer means the function ran
    except OSError:
        return False


def _wait_until_ready(sam: subprocess.Popen[bytes], log: Path, urls: list[str], timeout: int) -> bool:
    deadline = time.monotonic() + timeout
    pending = list(urls)
    while pending and time.monotonic() < deadline:
        if sam.poll() is not None:
            return False
        if READY_LINE in log.read_text(errors="replace") and _answers(
            pending[0], deadline - time.monotonic()
        ):
            pending.pop(0)
            continue
        time.sleep(1)
    return not pending


def _stop(sam: subprocess.Popen[bytes]) -> None:
    if sam.poll() is None:
        sam.send_signal(signal.SIGINT)  # SAM CLI stops and removes its warm containers on Ctrl-C
        try:
            sam.wait(timeout=45)
        except subprocess.TimeoutExpired:
            sam.kill()
            sam.wait()


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # so that SAM CLI is stopped on SIGTERM too


def main(argv: list[str] | None = None) -> int:
    args, sam_args, pytest_args = _parse(sys.argv[1:] if argv is None else argv)
    signal.signal(signal.SIGTERM, _interrupt)
    reseed_running(args.backend or f"http://{default_host()}:{DEFAULT_PORT}", REGION)
    url = f"http://127.0.0.1:{args.port}"
    log = args.log or Path(tempfile.mkstemp(prefix="sam-local-start-api.", suffix=".log")[1])
    command = [
        args.sam, "local", "start-api",
        "--env-vars", "local/env.json",
        "--region", REGION,
        "--add-host", "host.docker.internal:host-gateway",
        "--warm-containers", "EAGER",
        "--port", str(args.port),
        *sam_args,
    ]  # fmt: skip
    started = time.monotonic()
    with log.open("wb") as output:
        sam = subprocess.Popen(command, cwd=PROJECT, stdout=output, stderr=subprocess.STDOUT)  # noqa: S603
    try:
        if not _wait_until_ready(sam, log, [url + path for path in warm_up_paths()], args.ready_timeout):
            print(log.read_text(errors="replace")[-4000:], file=sys.stderr)
            print(f"sam local start-api did not serve {url} (log: {log})", file=sys.stderr)
            return 1
        ready = time.monotonic() - started
        print(f"sam local start-api serves {url}, every function warm, after {ready:.0f} s", flush=True)
        pytest = args.pytest.split() if args.pytest else [sys.executable, "-m", "pytest"]
        suite = [*pytest, "tests/e2e", "-p", "no:cacheprovider", "--no-cov", "-q", "-rs", *pytest_args]
        environment = {**os.environ, "E2E_TARGET": "sam-local", "API_URL": url}
        done = subprocess.run(suite, cwd=PROJECT, env=environment, check=False)  # noqa: S603
        return done.returncode
    finally:
        _stop(sam)


if __name__ == "__main__":
    sys.exit(main())

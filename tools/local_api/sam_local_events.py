"""python -m tools.local_api.sam_local_events: every file in events/ through real `sam local invoke` (Docker).

Needs `sam build` done and `make backend` running (local/env.json points the functions at it). Before each
event the backend is reseeded, so each one starts from the sample items; the function is the one the
template routes the event to. Each event must answer the status in its file name; the exit code says whether
all did. Extra arguments go to `sam local invoke` (e.g. --skip-pull-image).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tools.local_api.container_backend import DEFAULT_PORT, default_host, reseed_running
from tools.local_api.stack import load_stack

PROJECT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
# The pinned SAM CLI of this Python's venv (requirements-dev.txt), whatever else PATH holds.
PINNED_SAM = shutil.which("sam", path=str(Path(sys.executable).parent)) or "sam"


def _result(stdout: str) -> dict[str, object] | None:
    # sam local invoke prints the function's result as the last line of stdout.
    for line in reversed(stdout.strip().splitlines()):
        try:
            document = json.loads(line)
        except ValueError:
            continue
        if isinstance(document, dict):
            return document
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.local_api.sam_local_events", description=__doc__)
    parser.add_argument("--backend", default=None, help="URL of `make backend` (default: its own default)")
    parser.add_argument("--sam", default=PINNED_SAM, help="the sam executable (default: the venv's)")
    args, extra = parser.parse_known_args(argv)
    backend = args.backend or f"http://{default_host()}:{DEFAULT_PORT}"
    routes = {
        (route.path, method): str(route.function_name)
        for route in load_stack(PROJECT / "template.yaml", REGION).api.routes
        for method in route.methods
    }
    failures = []
    for path in sorted((PROJECT / "events").glob("*.json")):
        event = json.loads(path.read_text(encoding="utf-8"))
        function = routes[(event["resource"], event["httpMethod"])]
        expected = int(path.stem.rsplit("-", 1)[1])
        reseed_running(backend, REGION)
        command = [
            args.sam,
            "local",
            "invoke",
            function,
            "--event",
            str(path.relative_to(PROJECT)),
            "--env-vars",
            "local/env.json",
            "--region",
            REGION,
            "--add-host",
            "host.docker.internal:host-gateway",
            *extra,
        ]
        started = time.monotonic()
        done = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, check=False)  # noqa: S603
        stdout, stderr = done.stdout, done.stderr
        result = _result(stdout)
        status = result.get("statusCode") if result else None
        verdict = "ok" if status == expected else "FAIL"
        print(
            f"{path.stem:40} {function:16} expected {expected}, got {status}  {verdict}"
            f"  ({time.monotonic() - started:.0f} s)",
            flush=True,
        )
        if status != expected:
            failures.append(path.name)
            print(stdout[-2000:], stderr[-4000:], sep="\n", file=sys.stderr)
    if failures:
        print(
            f"sam local invoke: {len(failures)} events did not answer their status: {failures}",
            file=sys.stderr,
        )
        return 1
    print("sam local invoke: every event answered its documented status")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""tools.artifact_check.check --root DIR --runtime DIR: what `sam build` wrote, run as Lambda runs it.

For each function of the template: its built CodeUri goes to /var/task of an arm64 Debian root, its built
layers to /opt, the boto3/botocore the python3.13 runtime ships (downloaded for aarch64, pinned in
local/lambda-runtime-requirements.txt) to the runtime's own site-packages, and nothing else: no package of
this machine's venv is visible. Then in_root.py (beside this file) imports the handler under that root's
python3.13 (chroot; qemu runs the aarch64 binaries) and answers every sample event routed to the function,
each against the embedded backend freshly reseeded (../samples.py). Every event must give the status
in its file name.

Fails with a clear message when the handler does not import (a module the build left out, a wheel of the
wrong architecture, bytecode this Python cannot load) or an event answers another status.
"""

from __future__ import annotations

import argparse
import json
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tools import lambda_doubles
from tools.local_api import sam
from tools.local_api.container_backend import ContainerBackend, reseed_running
from tools.local_api.runner import function_environment
from tools.local_api.stack import LocalStack, load_stack

PROJECT = Path(__file__).resolve().parents[3]
BUILD = PROJECT / ".aws-sam" / "build"
EVENTS = PROJECT / "events"
IN_ROOT = Path(__file__).resolve().parent / "in_root.py"
REGION = "us-east-1"
RUNTIME_SITE = "var/lang/lib/python3.13/site-packages"
# ELF e_machine values (System V ABI): what a shared object was compiled for.
ELF_MACHINES = {183: "aarch64", 62: "x86-64", 3: "x86", 40: "arm"}
IMPORT_TIMEOUT_S = 900  # emulated imports are slow (about a minute); this only bounds a hung process
EVENT_TIMEOUT_S = 300


@dataclass
class Outcome:
    function: str
    failures: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def elf_machine(path: Path) -> str | None:
    with path.open("rb") as handle:
        header = handle.read(20)
    if len(header) < 20 or header[:4] != b"\x7fELF":
        return None
    machine = int.from_bytes(header[18:20], "little" if header[5] == 1 else "big")
    return ELF_MACHINES.get(machine, f"machine {machine}")


def foreign_binaries(folders: Iterable[Path], root_prefix: dict[Path, str]) -> list[str]:
    """Shared objects that an arm64 Lambda cannot load, as paths inside the Lambda layout."""
    found = []
    for folder in folders:
        for path in sorted(folder.rglob("*.so*")):
            if path.is_file() and (machine := elf_machine(path)) not in (None, "aarch64"):
                found.append(f"{root_prefix[folder]}/{path.relative_to(folder)} is built for {machine}")
    return found


def _replace(target: Path, sources: Iterable[Path]) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for source in sources:
        shutil.copytree(source, target, dirs_exist_ok=True, symlinks=True)


def lay_out(root: Path, function: sam.Function, runtime: Path) -> tuple[Path, list[Path]]:
    """/var/task, /opt and the runtime's packages of `root`, from the build output only."""
    code = BUILD / str(function.name)
    layers = [BUILD / str(layer.name) for layer in function.layers]
    for folder in (code, *layers):
        if not folder.is_dir():
            raise SystemExit(f"{folder.relative_to(PROJECT)} is missing: run `sam build` first")
    _replace(root / "var" / "task", [code])
    _replace(root / "opt", layers)
    _replace(root / RUNTIME_SITE, [runtime])
    _replace(root / "var" / "runtime", [])
    (root / "var" / "check").mkdir(exist_ok=True)
    shutil.copy2(IN_ROOT, root / "var" / "check" / "in_root.py")
    shutil.copy2(lambda_doubles.__file__, root / "var" / "check" / "lambda_doubles.py")
    return code, layers


def lambda_environment(function: sam.Function, backend_url: str) -> dict[str, str]:
    """What `sam local` gives the function (SAM CLI's own resolution) plus what the runtime sets itself,
    with the endpoints pointing at the backend (the chroot shares this machine's loopback)."""
    variables = (function.environment or {}).get("Variables", {})
    overrides = {name: backend_url for name in variables if name.startswith("AWS_ENDPOINT_URL_")}
    creds = {"region": REGION, "key": "AKIAARTIFACTCHECK000", "secret": "artifact-check"}
    environment = function_environment(function, overrides, creds)
    return {
        **environment,
        "_HANDLER": str(function.handler),
        "LAMBDA_TASK_ROOT": "/var/task",
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
        "HOME": "/tmp",  # noqa: S108 - the only writable folder on Lambda
    }


def events_by_function(stack: LocalStack) -> dict[str, list[Path]]:
    routes = {
        (route.path, method): route.function_name for route in stack.api.routes for method in route.methods
    }
    grouped: dict[str, list[Path]] = {}
    for path in sorted(EVENTS.glob("*.json")):
        event = json.loads(path.read_text(encoding="utf-8"))
        function = routes.get((event["resource"], event["httpMethod"]))
        if function is None:
            raise SystemExit(f"{path.name}: no route for {event['httpMethod']} {event['resource']}")
        grouped.setdefault(str(function), []).append(path)
    return grouped


def _read_line(stream: IO[str], timeout: float, process: subprocess.Popen[str]) -> dict[str, Any] | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([stream], [], [], 5)
        if ready:
            line = stream.readline()
            return json.loads(line) if line else None
        if process.poll() is not None:
            return None
    return None


@dataclass(frozen=True)
class Layout:
    root: Path  # the arm64 Debian root
    runtime: Path  # the runtime's boto3/botocore (aarch64)
    logs: Path  # each function's stderr


def run_function(layout: Layout, function: sam.Function, events: list[Path], backend_url: str) -> Outcome:
    outcome = Outcome(str(function.name))
    root, log = layout.root, layout.logs / f"{function.name}.log"
    code, layers = lay_out(root, function, layout.runtime)
    prefixes = {code: "/var/task", **dict.fromkeys(layers, "/opt"), layout.runtime: f"/{RUNTIME_SITE}"}
    outcome.failures += [f"wrong architecture: {item}" for item in foreign_binaries(prefixes, prefixes)]
    command = ["/usr/sbin/chroot", str(root), "/usr/bin/python3.13", "-I", "-B", "/var/check/in_root.py"]
    with log.open("w") as stderr:
        process = subprocess.Popen(  # noqa: S603 - fixed argv
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env=lambda_environment(function, backend_url),
        )
        assert process.stdin is not None  # noqa: S101 - PIPE above
        assert process.stdout is not None  # noqa: S101
        try:
            started = time.monotonic()
            first = _read_line(process.stdout, IMPORT_TIMEOUT_S, process)
            if not first or "ready" not in first:
                reason = first["init_error"] if first else f"no answer (exit {process.poll()}), see {log}"
                outcome.failures.append(f"cold start failed: cannot import {function.handler}: {reason}")
                return outcome
            outcome.lines.append(f"  init: {function.handler} imported in {time.monotonic() - started:.0f} s")
            for path in events:
                reseed_running(backend_url, REGION)
                process.stdin.write(json.dumps(json.loads(path.read_text(encoding="utf-8"))) + "\n")
                process.stdin.flush()
                reply = _read_line(process.stdout, EVENT_TIMEOUT_S, process)
                expected = int(path.stem.rsplit("-", 1)[1])
                status = (reply or {}).get("result", {}).get("statusCode")
                verdict = "ok" if status == expected else "FAIL"
                outcome.lines.append(f"  {path.stem:40} expected {expected}, got {status}  {verdict}")
                if status != expected:
                    detail = (reply or {}).get("error") or (reply or {}).get("result") or "no answer"
                    outcome.failures.append(f"{path.name}: expected {expected}, got {status}: {detail}")
        finally:
            process.stdin.close()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.artifact_check.check", description=__doc__)
    parser.add_argument("--root", type=Path, required=True, help="the arm64 Debian root (python3.13)")
    parser.add_argument(
        "--runtime", type=Path, required=True, help="the runtime's boto3/botocore, for aarch64"
    )
    parser.add_argument("--logs", type=Path, required=True, help="folder for each function's stderr")
    args = parser.parse_args(argv)
    if not (BUILD / "template.yaml").is_file():
        raise SystemExit("no .aws-sam/build/template.yaml: run `sam build` first")
    stack = load_stack(PROJECT / "template.yaml", REGION)
    grouped = events_by_function(stack)
    args.logs.mkdir(parents=True, exist_ok=True)
    layout = Layout(args.root, args.runtime, args.logs)
    backend = ContainerBackend("127.0.0.1", 0, REGION)
    outcomes = []
    try:
        for function in sorted(stack.functions.values(), key=lambda item: str(item.name)):
            events = grouped.get(str(function.name), [])
            print(f"{function.name} (arm64 python3.13 under qemu): {len(events)} events", flush=True)
            outcome = run_function(layout, function, events, backend.url)
            if outcome.lines:
                print("\n".join(outcome.lines), flush=True)
            outcomes.append(outcome)
    finally:
        backend.stop()
    failures = [f"{outcome.function}: {failure}" for outcome in outcomes for failure in outcome.failures]
    if failures:
        print("\nartifact check FAILED:\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    total = sum(len(events) for events in grouped.values())
    print(f"\nartifact check passed: {len(outcomes)} functions, {total} events, each its documented status")
    return 0


if __name__ == "__main__":
    sys.exit(main())

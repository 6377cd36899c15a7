"""An in-process stand-in for SAM CLI's Docker Lambda runner.

LocalApigwService needs only `is_debugging()` and `invoke(name, event, stdout=...)`. Each function runs with
its own environment (the template's variables, resolved and overridden like `sam local --env-vars`), its
CodeUri and layers on sys.path, and its timeout. Invocations are serialised: os.environ is process-wide
and the two functions' environments differ, so one function runs at a time, as one warm container each.
A container also has its own modules: see tools/local_api/namespaces.py.
"""

from __future__ import annotations

import importlib
import json
import os
import queue
import sys
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from tools.lambda_doubles import LambdaContext
from tools.local_api import sam
from tools.local_api.namespaces import ModuleNamespaces

Outcome = str  # "ok" | "crash" | "timeout"

# Packages with per-process state that a Lambda container would not share with another function.
PER_CONTAINER_PACKAGES = ("aws_lambda_powertools", "aws_xray_sdk", "api_common")


@dataclass
class _Loaded:
    handler: Callable[[dict[str, Any], LambdaContext], Any]
    module: ModuleType


class InProcessRunner:
    def __init__(
        self,
        functions: Mapping[str, sam.Function],
        base_dir: Path,
        environments: Mapping[str, dict[str, str]],
        region: str,
        *,
        event_hook: Callable[[dict[str, Any]], dict[str, Any]] = lambda event: event,
        outcome_hook: Callable[[Outcome], None] = lambda outcome: None,
    ) -> None:
        self._functions = dict(functions)
        self._base_dir = base_dir
        self._environments = environments
        self._region = region
        self._event_hook = event_hook
        self._outcome_hook = outcome_hook
        self._loaded: dict[str, _Loaded] = {}
        self.namespaces = ModuleNamespaces(
            (*PER_CONTAINER_PACKAGES, *(str(f.handler).split(".", 1)[0] for f in self._functions.values()))
        )
        self._lock = threading.Lock()
        self._workers = {f.full_path: _Worker(f"lambda-{f.name}") for f in self._functions.values()}
        self._add_code_to_path()

    # ---- the two methods LocalApigwService calls
    def is_debugging(self) -> bool:
        return False

    def invoke(
        self,
        function_identifier: str,
        event: str,
        tenant_id: str | None = None,
        stdout: sam.StreamWriter | None = None,
        stderr: sam.StreamWriter | None = None,
        **_kwargs: Any,
    ) -> None:
        function = self._function(function_identifier)
        payload = self._event_hook(json.loads(event))
        outcome, result = self._run(function, payload)
        self._outcome_hook(outcome)
        if stdout is not None:
            stdout.write_str(result)
            stdout.flush()

    # ---- internals
    def _function(self, identifier: str) -> sam.Function:
        for function in self._functions.values():
            if identifier in (function.full_path, function.name, function.functionname):
                return function
        raise KeyError(identifier)

    def _add_code_to_path(self) -> None:
        # Layers first, as /opt/python precedes nothing in Lambda; each CodeUri holds a distinctly named
        # package (users/, products/), so one sys.path serves both functions without shadowing.
        paths: list[str] = []
        for function in self._functions.values():
            for layer in function.layers:
                paths.append(str((self._base_dir / layer.codeuri).resolve()))
            paths.append(str((self._base_dir / function.codeuri).resolve()))
        for path in reversed(dict.fromkeys(paths)):
            if path not in sys.path:
                sys.path.insert(0, path)

    def _run(self, function: sam.Function, event: dict[str, Any]) -> tuple[Outcome, str]:
        timeout = float(function.timeout or 3)
        box: dict[str, tuple[Outcome, str]] = {}
        deadline: list[float] = []  # set once the invocation has the lock: its timeout counts from then
        done = threading.Event()

        def invocation() -> None:
            try:
                with self._lock:
                    deadline.append(time.monotonic() + timeout)
                    box["result"] = self._call(function, event, deadline[0])
            finally:
                done.set()

        self._workers[function.full_path].submit(invocation)
        # One wake-up when the call ends in time; more only while it waits for the lock or runs out of time.
        while not done.wait(deadline[0] - time.monotonic() if deadline else timeout):
            if deadline and time.monotonic() >= deadline[0]:
                # A thread cannot be killed: the handler finishes in the background (holding the lock, as a
                # stuck container would), and the caller gets API Gateway's 504 now.
                return "timeout", _error_payload(TimeoutError(f"Task timed out after {timeout:.2f} seconds"))
        return box["result"]

    def _call(self, function: sam.Function, event: dict[str, Any], deadline: float) -> tuple[Outcome, str]:
        environment = self._environments[function.full_path]
        saved = {name: os.environ.get(name) for name in environment}
        os.environ.update(environment)
        try:
            with self.namespaces.entered(function.full_path):
                loaded = self._load(function)
                context = LambdaContext(
                    str(function.functionname),
                    memory_limit_in_mb=int(function.memory or 128),
                    timeout_s=deadline - time.monotonic(),  # the clock started when the call got the lock
                    region=self._region,
                )
                result = loaded.handler(event, context)
            return "ok", json.dumps(result)
        except Exception as error:
            traceback.print_exc()
            return "crash", _error_payload(error)
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def _load(self, function: sam.Function) -> _Loaded:
        loaded = self._loaded.get(function.full_path)
        if loaded is None:
            module_name, _, attribute = str(function.handler).rpartition(".")
            module = importlib.import_module(module_name)
            expected = (self._base_dir / str(function.codeuri)).resolve()
            origin = Path(module.__file__ or "").resolve()
            if expected not in origin.parents:
                raise ImportError(f"{module_name} was imported from {origin}, not from {expected} (shadowed)")
            loaded = _Loaded(handler=getattr(module, attribute), module=module)
            self._loaded[function.full_path] = loaded
        return loaded


class _Worker:
    """The thread a function's invocations run on, one after another, as in one warm container (a thread
    per invocation cost its start-up on every request)."""

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        threading.Thread(target=self._serve, name=name, daemon=True).start()

    def submit(self, job: Callable[[], None]) -> None:
        self._jobs.put(job)

    def _serve(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                job()
            except BaseException:  # e.g. a handler's sys.exit(): the caller answers 500, the worker goes on
                traceback.print_exc()


def _error_payload(error: BaseException) -> str:
    return json.dumps(
        {
            "errorMessage": str(error),
            "errorType": type(error).__name__,
            "stackTrace": traceback.format_exception(error)[1:],
        }
    )


def function_environment(
    function: sam.Function,
    overrides: Mapping[str, str],
    aws_creds: Mapping[str, str],
) -> dict[str, str]:
    """The environment Lambda would give the function, computed by SAM CLI's own EnvironmentVariables."""
    variables = (function.environment or {}).get("Variables", {})
    env = sam.EnvironmentVariables(
        function_name=function.functionname,
        function_memory=function.memory,
        function_timeout=function.timeout,
        function_handler=function.handler,
        variables=variables,
        override_values={name: value for name, value in overrides.items() if name in variables},
        aws_creds=dict(aws_creds),
    ).resolve()
    env = {str(name): str(value) for name, value in env.items()}
    env.update({name: value for name, value in overrides.items() if name not in variables})
    return env

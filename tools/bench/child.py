"""One Lambda execution environment, run as a fresh process (`python -S -B child.py SPEC OUT`).

Self-contained on purpose: before the handler it imports only the standard library, its stub of DynamoDB
and Secrets Manager (aws_stub.py, at the client's HTTP send) and the context double (tools/lambda_doubles.py),
which import nothing the Lambda runtime has not loaded already, so that the import time it measures is the
function's own.

Modes: `cold` (import + one invocation), `warm` (N timed invocations per route, wall and CPU clocks),
`rss` (import + N invocations across the routes, then peak resident memory and the modules loaded),
`profile` (N invocations of one route under cProfile, self time per top-level package).
"""

from __future__ import annotations  # annotations stay unevaluated, so `typing` is never loaded here

# The Lambda runtime (awslambdaric) has imported these before it loads a handler; importing them here keeps
# them out of the figures for the functions and the baseline alike.
import decimal  # noqa: F401
import enum  # noqa: F401
import importlib
import importlib.machinery
import json
import logging  # noqa: F401
import math  # noqa: F401
import os
import sys
import time
import traceback  # noqa: F401
from collections.abc import Callable  # loaded by the imports above already

# The stub and the context double: loaded here, before the measured import, from this folder (run as a
# script) or as part of the bench package (the tests import this module).
aws_stub = importlib.import_module("bench.aws_stub" if __package__ else "aws_stub")

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    type Handler = Callable[[dict[str, Any], object], dict[str, Any]]
    type Spec = dict[str, Any]
    type Route = dict[str, Any]


def _lambda_context(spec: Spec) -> object:
    """tools/lambda_doubles.py's context, imported from its folder, which then leaves sys.path again."""
    folder = os.path.dirname(spec["doubles"])
    sys.path.insert(0, folder)
    try:
        doubles = importlib.import_module("lambda_doubles")
    finally:
        sys.path.remove(folder)
    function = spec["context"]
    context: object = doubles.LambdaContext(
        function["function_name"], memory_limit_in_mb=int(function["memory_mb"]),
        timeout_s=float(function["timeout_s"]),
    )  # fmt: skip
    return context


def _events(route: Route, count: int) -> list[dict[str, Any]]:
    """`count` events for a route; a route that needs a fresh header value per call gets one in each copy."""
    unique = route.get("unique_header")
    if not unique:
        return [route["event"]] * count
    events: list[dict[str, Any]] = []
    for n in range(count):
        event = dict(route["event"])
        event["headers"] = {**event["headers"], unique: f"bench-{os.urandom(8).hex()}-{n}"}
        event["multiValueHeaders"] = {**event["multiValueHeaders"], unique: [event["headers"][unique]]}
        events.append(event)
    return events


def _peak_rss_mb() -> float:
    """VmHWM, the peak resident set of this process image (ru_maxrss would carry the parent's over exec)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _invoke(handler: Handler, event: dict[str, Any], context: object) -> str:
    """The status code, or what the runtime would report (API Gateway then answers 502)."""
    try:
        return str(handler(event, context)["statusCode"])
    except Exception as error:  # an unhandled error is a result to report, not a reason to stop
        return f"unhandled {type(error).__name__}"


def _load(handler_path: str) -> tuple[Handler, tuple[float, float]]:
    """The handler, and the wall-clock and CPU seconds its import took."""
    module_name, _, function_name = handler_path.rpartition(".")
    sys.stderr.write("bench: handler import starts\n")
    sys.stderr.flush()
    started, cpu = time.perf_counter(), time.process_time()
    __import__(module_name)  # unlike importlib.import_module, this shows up in -X importtime
    elapsed = (time.perf_counter() - started, time.process_time() - cpu)
    return getattr(sys.modules[module_name], function_name), elapsed


def _warm(handler: Handler, routes: list[Route], context: object, spec: Spec) -> dict[str, Any]:
    measured: dict[str, Any] = {}
    for route in routes:
        for event in _events(route, spec["warmup"]):
            _invoke(handler, event, context)
        samples: list[float] = []
        cpu_samples: list[float] = []
        statuses: dict[str, int] = {}
        calls_before = aws_stub.DYNAMODB_CALLS[0]
        for event in _events(route, spec["iterations"]):
            t0, c0 = time.perf_counter_ns(), time.process_time_ns()
            status = _invoke(handler, event, context)
            samples.append((time.perf_counter_ns() - t0) / 1000)
            cpu_samples.append((time.process_time_ns() - c0) / 1000)
            statuses[status] = statuses.get(status, 0) + 1
        calls = (aws_stub.DYNAMODB_CALLS[0] - calls_before) / max(len(samples), 1)
        measured[route["name"]] = {
            "us": samples,
            "cpu_us": cpu_samples,
            "statuses": statuses,
            "dynamodb_calls": calls,
        }
    return {"routes": measured}


def _rss(handler: Handler, routes: list[Route], context: object, spec: Spec) -> dict[str, Any]:
    statuses: dict[str, int] = {}
    for n in range(spec["iterations"]):
        status = _invoke(handler, _events(routes[n % len(routes)], 1)[0], context)
        statuses[status] = statuses.get(status, 0) + 1
    loaded = sorted(
        {os.path.realpath(file) for m in list(sys.modules.values()) if (file := getattr(m, "__file__", None))}
    )
    return {"statuses": statuses, "maxrss_mb": _peak_rss_mb(), "loaded_files": loaded}


STDLIB = "stdlib"
STUB = "(bench stub)"
STUB_FILES = {__file__, aws_stub.__file__}


def _package_of(filename: str, function: str, roots: list[str]) -> str:
    """Top-level package a profiled function belongs to: by file, or by the type named for C functions."""
    if filename in STUB_FILES:
        return STUB
    if filename == "~":
        owner = (
            function.rsplit(" of '", 1)[-1] if " of '" in function else function[len("<built-in method ") :]
        )
        top = owner.strip("<>'").split(".")[0]
        return STDLIB if top in sys.stdlib_module_names or " " in top else top
    for root in roots:
        if filename.startswith(root + os.sep):
            return filename[len(root) + 1 :].split(os.sep, 1)[0].removesuffix(".py")
    return STDLIB


type Func = tuple[str, int, str]


def _charged(stats: dict[Func, Any], roots: list[str]) -> dict[str, float]:
    """Self time per package, with standard-library time charged to the packages whose code called it."""
    packages = {func: _package_of(func[0], func[2], roots) for func in stats}
    shares: dict[Func, dict[str, float]] = {}

    def share(func: Func, seen: frozenset[Func]) -> dict[str, float]:
        if packages[func] != STDLIB:
            return {packages[func]: 1.0}
        if func in shares:
            return shares[func]
        callers = {c: t[3] for c, t in stats[func][4].items() if c in stats and c not in seen}
        total = sum(callers.values())
        if not total:
            return {STDLIB: 1.0}
        mixed: dict[str, float] = {}
        for caller, cumulative in callers.items():
            for package, part in share(caller, seen | {func}).items():
                mixed[package] = mixed.get(package, 0.0) + part * cumulative / total
        shares[func] = mixed
        return mixed

    totals: dict[str, float] = {}
    for func, row in stats.items():
        for package, part in share(func, frozenset()).items():
            totals[package] = totals.get(package, 0.0) + row[2] * part
    return totals


def _profile(handler: Handler, routes: list[Route], context: object, spec: Spec) -> dict[str, Any]:
    """Self time per package (µs per invocation) over `iterations` calls of the first route."""
    import cProfile  # only this mode needs them, and only after the measured import
    import pstats

    route = routes[0]
    for event in _events(route, spec["warmup"]):
        _invoke(handler, event, context)
    events = _events(route, spec["iterations"])
    profiler = cProfile.Profile()
    profiler.enable()
    for event in events:
        _invoke(handler, event, context)
    profiler.disable()
    roots = sorted(spec["paths"], key=len, reverse=True)
    collected: Any = pstats.Stats(profiler)  # its raw table, `stats`, is not in the type stubs
    totals = _charged(collected.stats, roots)
    return {"route": route["name"], "packages_us": {k: v * 1e6 / len(events) for k, v in totals.items()}}


MODES = {"cold": None, "warm": _warm, "rss": _rss, "profile": _profile}


def main(spec_path: str, out_path: str) -> None:
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    sys.path[:0] = spec["paths"]
    sys.meta_path.insert(0, aws_stub.PatchBotocoreOnImport())
    aws_stub.seed(spec["seed"])
    context = _lambda_context(spec)
    routes: list[Route] = spec["routes"]

    handler, (import_s, import_cpu_s) = _load(spec["handler"])
    started, cpu = time.perf_counter(), time.process_time()
    first = handler(json.loads(json.dumps(routes[0]["event"])), context)
    result: dict[str, Any] = {
        "import_ms": import_s * 1000,
        "first_ms": (time.perf_counter() - started) * 1000,
        "init_cpu_ms": (import_cpu_s + time.process_time() - cpu) * 1000,
        "first_response": first,
    }
    if measure := MODES[spec["mode"]]:
        result |= measure(handler, routes, context, spec)
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(result, f)


if __name__ == "__main__":
    # Run as a script with -S: drop this folder from the path so nothing of the bench shadows the function.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path = [p for p in sys.path if os.path.abspath(p or ".") != here]
    main(sys.argv[1], sys.argv[2])

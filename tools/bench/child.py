"""One Lambda execution environment, run as a fresh process (`python -S -B child.py SPEC OUT`).

Self-contained on purpose: it imports only the standard library before the handler, so that the import
time it measures is the function's own. DynamoDB and Secrets Manager are stubbed at the client's HTTP send
(`botocore.endpoint.Endpoint._send`), so botocore still serialises, signs and parses every call, but nothing
leaves the process. The stub is hooked in when botocore is first imported, whoever imports it.

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
from collections.abc import Callable, Iterator  # loaded by the imports above already

# --------------------------------------------------------------------------- stubbed AWS services

_STORE: dict[str, dict[str, dict[str, object]]] = {}
_DYNAMODB_CALLS = [0]  # requests the handler sent to DynamoDB (one per API call; botocore retries none here)
_SECRET = "bench-cursor-signing-key-" + "k" * 40


def _wire(value: object) -> dict[str, object]:
    """A plain JSON value as a DynamoDB attribute value."""
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float):
        return {"N": str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list):
        return {"L": [_wire(v) for v in value]}
    if isinstance(value, dict):
        return {"M": {k: _wire(v) for k, v in value.items()}}
    if value is None:
        return {"NULL": True}
    raise TypeError(f"cannot store {type(value).__name__}")


def _seed(tables: dict[str, list[dict[str, object]]]) -> None:
    for table, items in tables.items():
        _STORE[table] = {item["id"]: {k: _wire(v) for k, v in item.items()} for item in items}


def _key_of(request: dict[str, object]) -> str:
    return str(request.get("Key", {}).get("id", {}).get("S", ""))


def _dynamodb(operation: str, request: dict[str, object]) -> dict[str, object]:
    """A table that never changes: writes succeed, reads see the seeded items, conditions always hold."""
    table = _STORE.get(request.get("TableName", ""), {})
    if operation == "GetItem":
        found = table.get(_key_of(request))
        return {"Item": found} if found else {}
    if operation in {"UpdateItem", "DeleteItem", "PutItem"}:
        found = table.get(_key_of(request)) or request.get("Item")
        wants = request.get("ReturnValues", "NONE") != "NONE"
        return {"Attributes": found} if wants and found else {}
    if operation in {"Query", "Scan"}:
        items = [item for key, item in table.items() if not key.startswith("email#")]
        items = items[: int(request.get("Limit", 100))]
        return {"Items": items, "Count": len(items), "ScannedCount": len(items)}
    if operation == "TransactGetItems":
        gets = [_dynamodb("GetItem", entry["Get"]) for entry in request.get("TransactItems", [])]
        return {"Responses": gets}
    return {}


def _secretsmanager(operation: str, request: dict[str, object]) -> dict[str, object]:
    if operation != "GetSecretValue":
        return {}
    name = request.get("SecretId", "secret")
    return {"ARN": name, "Name": name, "SecretString": _SECRET, "VersionId": "v1", "CreatedDate": 1.7e9}


class _Body:
    def __init__(self, payload: bytes) -> None:
        self._payload = payload

    def stream(self, **_: object) -> Iterator[bytes]:
        yield self._payload


def _patch_botocore(endpoint_module: object) -> None:
    from botocore.awsrequest import AWSResponse  # botocore is loading at this point

    def send(_self: object, request: object) -> object:
        target = request.headers.get("X-Amz-Target", b"")
        target = target.decode() if isinstance(target, bytes) else target
        service, _, operation = target.partition(".")
        body = request.body.decode() if isinstance(request.body, bytes) else request.body or "{}"
        handler = _secretsmanager if service == "secretsmanager" else _dynamodb
        _DYNAMODB_CALLS[0] += handler is _dynamodb
        payload = json.dumps(handler(operation, json.loads(body))).encode()
        headers = {"x-amzn-RequestId": os.urandom(16).hex(), "Content-Type": "application/x-amz-json-1.0"}
        return AWSResponse(request.url, 200, headers, _Body(payload))

    endpoint_module.Endpoint._send = send


class _PatchBotocoreOnImport:
    """Patches `botocore.endpoint` as it is imported, so the stub adds nothing to the measured import."""

    def find_spec(
        self, fullname: str, path: object, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "botocore.endpoint":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        load = loader.exec_module

        def exec_module(module: object) -> None:
            load(module)
            _patch_botocore(module)

        loader.exec_module = exec_module
        return spec


# --------------------------------------------------------------------------- Lambda stand-ins


class Context:
    """The attributes of awslambdaric's LambdaContext that handlers and Powertools read."""

    def __init__(self, spec: dict[str, object]) -> None:
        self.function_name: str = spec["function_name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn: str = spec["function_arn"]
        self.memory_limit_in_mb = int(spec["memory_mb"])
        self.aws_request_id = os.urandom(16).hex()
        self.log_group_name = "/aws/lambda/" + self.function_name
        self.log_stream_name = "bench"
        self._deadline = time.monotonic() + float(spec["timeout_s"])

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


def _events(route: dict[str, object], count: int) -> list[dict[str, object]]:
    """`count` events for a route; a route that needs a fresh header value per call gets one in each copy."""
    unique = route.get("unique_header")
    if not unique:
        return [route["event"]] * count
    events = []
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


type Handler = Callable[..., dict[str, object]]


def _invoke(handler: Handler, event: dict[str, object], context: Context) -> str:
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


def _warm(handler: Handler, routes: list[dict], context: Context, spec: dict) -> dict[str, object]:
    measured = {}
    for route in routes:
        for event in _events(route, spec["warmup"]):
            _invoke(handler, event, context)
        samples, cpu_samples, statuses = [], [], {}
        calls_before = _DYNAMODB_CALLS[0]
        for event in _events(route, spec["iterations"]):
            t0, c0 = time.perf_counter_ns(), time.process_time_ns()
            status = _invoke(handler, event, context)
            samples.append((time.perf_counter_ns() - t0) / 1000)
            cpu_samples.append((time.process_time_ns() - c0) / 1000)
            statuses[status] = statuses.get(status, 0) + 1
        calls = (_DYNAMODB_CALLS[0] - calls_before) / max(len(samples), 1)
        measured[route["name"]] = {
            "us": samples,
            "cpu_us": cpu_samples,
            "statuses": statuses,
            "dynamodb_calls": calls,
        }
    return {"routes": measured}


def _rss(handler: Handler, routes: list[dict], context: Context, spec: dict) -> dict[str, object]:
    statuses = {}
    for n in range(spec["iterations"]):
        status = _invoke(handler, _events(routes[n % len(routes)], 1)[0], context)
        statuses[status] = statuses.get(status, 0) + 1
    loaded = sorted(
        {os.path.realpath(m.__file__) for m in list(sys.modules.values()) if getattr(m, "__file__", None)}
    )
    return {"statuses": statuses, "maxrss_mb": _peak_rss_mb(), "loaded_files": loaded}


STDLIB = "stdlib"
STUB = "(bench stub)"


def _package_of(filename: str, function: str, roots: list[str]) -> str:
    """Top-level package a profiled function belongs to: by file, or by the type named for C functions."""
    if filename == __file__:
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


def _charged(stats: dict, roots: list[str]) -> dict[str, float]:
    """Self time per package, with standard-library time charged to the packages whose code called it."""
    packages = {func: _package_of(func[0], func[2], roots) for func in stats}
    shares: dict[tuple, dict[str, float]] = {}

    def share(func: tuple, seen: frozenset) -> dict[str, float]:
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


def _profile(handler: Handler, routes: list[dict], context: Context, spec: dict) -> dict[str, object]:
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
    totals = _charged(pstats.Stats(profiler).stats, roots)
    return {"route": route["name"], "packages_us": {k: v * 1e6 / len(events) for k, v in totals.items()}}


MODES = {"cold": None, "warm": _warm, "rss": _rss, "profile": _profile}


def main(spec_path: str, out_path: str) -> None:
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    sys.path[:0] = spec["paths"]
    sys.meta_path.insert(0, _PatchBotocoreOnImport())
    _seed(spec["seed"])
    context = Context(spec["context"])
    routes: list[dict[str, object]] = spec["routes"]

    handler, (import_s, import_cpu_s) = _load(spec["handler"])
    started, cpu = time.perf_counter(), time.process_time()
    first = handler(json.loads(json.dumps(routes[0]["event"])), context)
    result: dict[str, object] = {
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

"""`python -m tools.bench` (`make bench`): measure, print the Markdown report, refresh docs/performance.md.

Steps: `sam build` into .aws-sam/bench/build; a host-loadable copy of each function as Lambda lays it out;
cold init (fresh processes, interleaved with the baseline); `-X importtime` contributors; warm overhead per
route; peak RSS; package sizes; the local API under signed load. See docs/performance.md for the method.
"""

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from tools.bench import events, lambda_env, packaging, report
from tools.bench.local_load import moto_server, run_load, summary
from tools.bench.runner import Subject, import_contributors, median_contributors, run_child
from tools.bench.stats import median, percentile, percentile_ci, ratio_ci

REPO = Path(__file__).resolve().parents[2]
WORK = REPO / ".aws-sam" / "bench"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=15, help="cold starts per function and baseline")
    parser.add_argument("--importtime-runs", type=int, default=3)
    # 5,000: the p99 95 % interval at 10,000 was +-1.7 %, at 5,000 about +-2.4 %, a quarter of the cold
    # ratio's interval at 15 runs (+-9 %), the spread that decides the headline (docs/performance.md).
    parser.add_argument("--warm", type=int, default=5_000, help="timed invocations per route")
    parser.add_argument("--warmup", type=int, default=200, help="untimed invocations per route first")
    parser.add_argument("--rss-invocations", type=int, default=1000)
    parser.add_argument("--local-requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--jobs", type=int, default=min(2, os.cpu_count() or 1), help="warm children run side by side"
    )
    parser.add_argument("--profile-invocations", type=int, default=500, help="cProfile calls per route")
    parser.add_argument("--skip-build", action="store_true", help="reuse .aws-sam/bench/build")
    parser.add_argument("--skip-local", action="store_true", help="leave out the local API load")
    parser.add_argument("--no-docs", action="store_true", help="print only; leave docs/ untouched")
    return parser.parse_args(argv)


_STARTED = time.monotonic()


def _step(message: str) -> None:
    print(f"bench: [{time.monotonic() - _STARTED:5.0f} s] {message}", file=sys.stderr, flush=True)


def _table_variable(function: packaging.Function) -> str:
    for variable in ("USERS_TABLE_NAME", "PRODUCTS_TABLE_NAME"):
        if variable in function.environment:
            return variable
    raise SystemExit(f"bench: {function.name} has neither USERS_TABLE_NAME nor PRODUCTS_TABLE_NAME")


def _subjects(
    functions: list[packaging.Function], scratch: Path
) -> tuple[list[tuple[Subject, Subject]], Subject]:
    """(function, its baseline) pairs, each ready to start cold, and the framework floor."""
    runtime = packaging.runtime_copy(scratch / "runtime")
    baseline_paths = [packaging.reference_copy("baseline", scratch / "baseline")]
    floor_task = packaging.reference_copy("floor", scratch / "floor")
    pairs = []
    for function in functions:
        paths, swapped = packaging.lambda_copy(function, scratch / function.name)
        _step(f"{function.name}: host wheels for {', '.join(swapped) or 'nothing'}")
        variable = _table_variable(function)
        common = {
            "seed": {function.environment[variable]: events.seed_items(variable)},
            "context": {
                "function_name": function.name,
                "function_arn": lambda_env.function_arn(function.name),
                "memory_mb": function.memory_mb,
                "timeout_s": function.timeout_s,
            },
        }
        routes = events.routes_for(variable)
        real = Subject(
            label=function.name, handler=function.handler, paths=[*paths, runtime], routes=routes,
            environment=lambda_env.lambda_environment(function, str(paths[0])), **common,
        )  # fmt: skip
        baseline = Subject(
            label=f"baseline ({function.name})", handler="baseline_handler.lambda_handler",
            paths=[*baseline_paths, runtime], routes=routes[:1],
            environment=lambda_env.lambda_environment(function, str(baseline_paths[0])), **common,
        )  # fmt: skip
        pairs.append((real, baseline))
    first = pairs[0][0]
    floor = replace(
        first, label=report.FLOOR, handler="floor_handler.lambda_handler", routes=first.routes[:1],
        paths=[floor_task, *first.paths[1:]],
        environment={**first.environment, "LAMBDA_TASK_ROOT": str(floor_task), "HOME": str(floor_task),
                     "_HANDLER": "floor_handler.lambda_handler"},
    )  # fmt: skip
    return pairs, floor


def _check_same_response(real: dict[str, Any], baseline: dict[str, Any], label: str) -> str | None:
    if real["statusCode"] != 200:
        raise SystemExit(
            f"bench: {label} answered the cold GET with {real['statusCode']}: {real.get('body')}"
        )
    ours, theirs = json.loads(real["body"]), json.loads(baseline["body"])
    differing = sorted(key for key in ours.keys() | theirs.keys() if ours.get(key) != theirs.get(key))
    if differing:
        shown = ", ".join(f"`{key}` {ours.get(key)!r} vs {theirs.get(key)!r}" for key in differing)
        return f"{label}'s response differs from the baseline's in {shown}"
    return None


def _cold(
    pairs: list[tuple[Subject, Subject]], floor: Subject, runs: int, importtime_runs: int
) -> dict[str, Any]:
    subjects = [*(s for pair in pairs for s in pair), floor]
    samples: dict[str, list[dict[str, Any]]] = {s.label: [] for s in subjects}
    for run in range(runs):
        _step(f"cold start round {run + 1}/{runs}")
        turn = run % len(subjects)  # rotate the order, so no subject always runs first
        for subject in subjects[turn:] + subjects[:turn]:
            samples[subject.label].append(run_child(subject, "cold")[0])
    notes = [
        note
        for real, baseline in pairs
        if (
            note := _check_same_response(
                samples[real.label][0]["first_response"],
                samples[baseline.label][0]["first_response"],
                real.label,
            )
        )
    ]
    result: dict[str, Any] = {"notes": notes, "subjects": {}, "ratio_ci": {}}
    # The headline ratios' spread: a bootstrap 95 % interval of median(subject) / median(its baseline).
    versus = [(real.label, baseline.label) for real, baseline in pairs] + [(floor.label, pairs[0][1].label)]
    for label, base in versus:
        result["ratio_ci"][label] = {
            measure: ratio_ci(
                [_measure(r, measure) for r in samples[label]],
                [_measure(r, measure) for r in samples[base]],
                median,
            )
            for measure in ("init", "init_cpu")
        }
    for subject in subjects:
        _step(f"-X importtime: {subject.label}")
        contributors = [
            import_contributors(run_child(subject, "cold", importtime=True)[1])
            for _ in range(importtime_runs)
        ]
        rows = samples[subject.label]
        imports = [r["import_ms"] for r in rows]
        firsts = [r["first_ms"] for r in rows]
        inits = [r["import_ms"] + r["first_ms"] for r in rows]
        cpus = [r["init_cpu_ms"] for r in rows]
        result["subjects"][subject.label] = {
            "import": {"median": median(imports), "p90": percentile(imports, 90)},
            "first": {"median": median(firsts), "p90": percentile(firsts, 90)},
            "init": {"median": median(inits), "p90": percentile(inits, 90)},
            "init_cpu": {"median": median(cpus), "p90": percentile(cpus, 90)},
            "contributors": median_contributors(contributors)[:10],
        }
    return result


def _measure(row: dict[str, Any], measure: str) -> float:
    return float(row["import_ms"] + row["first_ms"]) if measure == "init" else float(row[f"{measure}_ms"])


def _warm(subjects: list[Subject], iterations: int, warmup: int, jobs: int) -> dict[str, Any]:
    """Each subject in a child of its own, `jobs` children at a time: the goal is judged on CPU time, which a
    child on the other core leaves as it is (the wall-clock p99 next to it is the noisier for it)."""

    def measure(subject: Subject) -> dict[str, Any]:
        _step(f"warm: {subject.label}, {iterations} invocations x {len(subject.routes)} routes")
        return run_child(subject, "warm", iterations=iterations, warmup=warmup)[0]

    with ThreadPoolExecutor(jobs) as pool:
        children = list(pool.map(measure, subjects))
    result: dict[str, Any] = {}
    for subject, measured in zip(subjects, children, strict=True):
        expected = {route["name"]: route["expect"] for route in subject.routes}
        result[subject.label] = {
            name: {
                "p50": percentile(route["us"], 50),
                "p99": percentile(route["us"], 99),
                "cpu_p50": percentile(route["cpu_us"], 50),
                "cpu_p99": percentile(route["cpu_us"], 99),
                "cpu_p99_ci": percentile_ci(route["cpu_us"], 99),
                "statuses": route["statuses"],
                "expected": expected[name],
                "dynamodb_calls": route["dynamodb_calls"],
            }
            for name, route in measured["routes"].items()
        }
    return result


def _profiles(pairs: list[tuple[Subject, Subject]], warm: dict[str, Any], iterations: int) -> dict[str, Any]:
    """Where the warm time goes, for GET by id and for each function's slowest route."""
    result: dict[str, Any] = {}
    for real, _ in pairs:
        slowest = max(warm[real.label].items(), key=lambda item: item[1]["cpu_p99"])[0]
        for name in dict.fromkeys([real.routes[0]["name"], slowest]):
            _step(f"profile: {real.label} {name}, {iterations} invocations")
            route = next(r for r in real.routes if r["name"] == name)
            profiled = run_child(replace(real, routes=[route]), "profile", iterations=iterations, warmup=50)[
                0
            ]
            result[f"{real.label} {name}"] = profiled["packages_us"]
    return result


def _rss(subjects: list[Subject], invocations: int) -> tuple[dict[str, float], dict[str, Any]]:
    """Peak RSS per subject, and how much of each function's layers the routes ever import."""
    peaks, imported = {}, {}
    for subject in subjects:
        _step(f"peak RSS: {subject.label}")
        measured = run_child(subject, "rss", iterations=invocations)[0]
        peaks[subject.label] = measured["maxrss_mb"]
        if subject.handler.startswith(("baseline_handler", "floor_handler")):
            continue
        opt = subject.paths[1].parents[3]  # <scratch>/<function>/opt (site-packages is opt/python/lib/...)
        imported[subject.label] = packaging.imported_bytes(opt, measured["loaded_files"])
    return peaks, imported


def _sizes(functions: list[packaging.Function], scratch: Path) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for function in functions:
        size = packaging.package_size(function, scratch / "zips")
        result[function.name] = {
            "unzipped": size.unzipped,
            "zipped": size.zipped,
            "parts": size.parts,
            "largest": {
                part.name: packaging.largest_entries(part)
                for part in (function.code_dir, *function.layer_dirs)
            },
        }
    return result


def _local(args: argparse.Namespace) -> dict[str, Any]:
    """`make local` as it ships (moto embedded in the server), then with moto in a process of its own."""
    measured = {}
    for variant in ("embedded moto", "moto_server process"):
        _step(f"local API ({variant}): {args.local_requests} signed requests, concurrency {args.concurrency}")
        with contextlib.ExitStack() as stack:
            endpoint = stack.enter_context(moto_server()) if variant == "moto_server process" else None
            load = run_load(REPO, args.local_requests, args.concurrency, endpoint)
        measured[variant] = {
            **summary(load),
            "requests": load.requests,
            "concurrency": args.concurrency,
            "seconds": load.seconds,
            "unexpected": load.unexpected,
            "statuses": sorted([route, status, count] for (route, status), count in load.statuses.items()),
        }
    return measured


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    started = time.time()
    build_dir = WORK / "build"
    if not args.skip_build:
        _step("sam build")
        packaging.sam_build(REPO, build_dir)
    functions = packaging.read_functions(build_dir)
    scratch = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        pairs, floor = _subjects(functions, scratch)
        subjects = [*(s for pair in pairs for s in pair), floor]
        results: dict[str, Any] = {
            "args": vars(args),
            "machine": report.machine(),
            "functions": {
                f.name: {"memory_mb": f.memory_mb, "architecture": f.architecture} for f in functions
            },
            "sizes": _sizes(functions, scratch),
            "cold": _cold(pairs, floor, args.runs, args.importtime_runs),
            "warm": _warm(subjects, args.warm, args.warmup, args.jobs),
        }
        results["rss"], results["imported"] = _rss(subjects, args.rss_invocations)
        results["profiles"] = _profiles(pairs, results["warm"], min(args.warm, args.profile_invocations))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    failed = False
    if not args.skip_local:
        try:
            results["local"] = _local(args)
        except (RuntimeError, TimeoutError, OSError) as error:  # keep the other figures; say what broke
            results["local_error"] = f"{type(error).__name__}: {error}"
            failed = True
    results["elapsed_s"] = time.time() - started
    results["load_end"] = os.getloadavg()[0]
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "results.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    markdown = report.markdown(results)
    print(markdown)
    if not args.no_docs:
        report.write_docs(REPO / "docs", markdown, results)
    _step(f"done in {results['elapsed_s']:.0f} s" + (" (the local API run failed)" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""The measures of one run, each over every subject of the cast: cold init, warm overhead, where the warm
time goes, peak RSS, package size and the local API under load. docs/performance.md describes the method."""

import argparse
import contextlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from tools.bench import packaging
from tools.bench.local_load import moto_server, run_load, summary
from tools.bench.runner import Subject, import_contributors, median_contributors, run_child, step
from tools.bench.stats import median, percentile, percentile_ci, ratio_ci
from tools.bench.subjects import Cast, same_response


def _measure(row: dict[str, Any], measure: str) -> float:
    return float(row["import_ms"] + row["first_ms"]) if measure == "init" else float(row[f"{measure}_ms"])


def _ratio_cis(samples: dict[str, list[dict[str, Any]]], label: str, base: str) -> dict[str, Any]:
    """Bootstrap 95 % intervals of median(label) / median(base), wall clock and CPU time."""
    return {
        measure: ratio_ci(
            [_measure(r, measure) for r in samples[label]],
            [_measure(r, measure) for r in samples[base]],
            median,
        )
        for measure in ("init", "init_cpu")
    }


def cold(cast: Cast, runs: int, importtime_runs: int) -> dict[str, Any]:
    subjects = cast.all
    samples: dict[str, list[dict[str, Any]]] = {s.label: [] for s in subjects}
    for run in range(runs):
        step(f"cold start round {run + 1}/{runs}")
        turn = run % len(subjects)  # rotate the order, so no subject always runs first
        for subject in subjects[turn:] + subjects[:turn]:
            samples[subject.label].append(run_child(subject, "cold")[0])
    notes = [
        note
        for real, baseline in cast.pairs
        if (
            note := same_response(
                samples[real.label][0]["first_response"],
                samples[baseline.label][0]["first_response"],
                real.label,
            )
        )
    ]
    result: dict[str, Any] = {"notes": notes, "subjects": {}, "ratio_ci": {}}
    result |= {"versus_default": {}, "variants": {}}
    # The headline ratios' spread: a bootstrap 95 % interval of median(subject) / median(its baseline).
    for label, base in [(r.label, b.label) for r, b in cast.pairs] + [
        (cast.floor.label, cast.pairs[0][1].label)
    ]:
        result["ratio_ci"][label] = _ratio_cis(samples, label, base)
    for real, variant in cast.variants:  # otel code path / default, with its interval
        result["versus_default"][variant.label] = _ratio_cis(samples, variant.label, real.label)
        result["variants"][variant.label] = real.label
    for subject in subjects:
        step(f"-X importtime: {subject.label}")
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


def warm(subjects: list[Subject], iterations: int, warmup: int, jobs: int) -> dict[str, Any]:
    """Each subject in a child of its own, `jobs` children at a time: the goal is judged on CPU time, which a
    child on the other core leaves as it is (the wall-clock p99 next to it is the noisier for it)."""

    def measure(subject: Subject) -> dict[str, Any]:
        step(f"warm: {subject.label}, {iterations} invocations x {len(subject.routes)} routes")
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


def profiles(
    pairs: list[tuple[Subject, Subject]], warm: dict[str, Any], iterations: int, jobs: int
) -> dict[str, Any]:
    """Where the warm time goes, for GET by id and for each function's slowest route (`jobs` at a time)."""
    runs = []
    for real, _ in pairs:
        slowest = max(warm[real.label].items(), key=lambda item: item[1]["cpu_p99"])[0]
        for name in dict.fromkeys([real.routes[0]["name"], slowest]):
            route = next(r for r in real.routes if r["name"] == name)
            runs.append((f"{real.label} {name}", replace(real, routes=[route])))

    def profile(run: tuple[str, Subject]) -> dict[str, float]:
        step(f"profile: {run[0]}, {iterations} invocations")
        profiled, _ = run_child(run[1], "profile", iterations=iterations, warmup=50)
        shares: dict[str, float] = profiled["packages_us"]
        return shares

    with ThreadPoolExecutor(jobs) as pool:
        return dict(zip((name for name, _ in runs), pool.map(profile, runs), strict=True))


def rss(cast: Cast, invocations: int, jobs: int) -> tuple[dict[str, float], dict[str, Any]]:
    """Peak RSS per subject (`jobs` children at a time: each measures its own process), and how much of each
    function's layers the routes ever import."""

    def measure(subject: Subject) -> dict[str, Any]:
        step(f"peak RSS: {subject.label}")
        return run_child(subject, "rss", iterations=invocations)[0]

    with ThreadPoolExecutor(jobs) as pool:
        measured = dict(zip((s.label for s in cast.all), pool.map(measure, cast.all), strict=True))
    peaks = {label: float(m["maxrss_mb"]) for label, m in measured.items()}
    imported = {}
    for real, _ in cast.pairs:
        opt = real.paths[1].parents[3]  # <scratch>/<function>/opt (site-packages: opt/python/lib/...)
        imported[real.label] = packaging.imported_bytes(opt, measured[real.label]["loaded_files"])
    return peaks, imported


def sizes(functions: list[packaging.Function], scratch: Path) -> dict[str, Any]:
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


def local(args: argparse.Namespace) -> dict[str, Any]:
    """`make local` as it ships (moto embedded in the server), then with moto in a process of its own."""
    measured = {}
    for variant in ("embedded moto", "moto_server process"):
        step(f"local API ({variant}): {args.local_requests} signed requests, concurrency {args.concurrency}")
        with contextlib.ExitStack() as stack:
            endpoint = stack.enter_context(moto_server()) if variant == "moto_server process" else None
            load = run_load(args.local_requests, args.concurrency, endpoint)
        measured[variant] = {
            **summary(load),
            "requests": load.requests,
            "concurrency": args.concurrency,
            "seconds": load.seconds,
            "unexpected": load.unexpected,
            "statuses": sorted([route, status, count] for (route, status), count in load.statuses.items()),
        }
    return measured

"""The tables of the Markdown report, one function per section, from the results `make bench` keeps."""

from typing import Any

from tools.bench.subjects import FLOOR

MB = 1_000_000
GOALS = {"cold_ratio": 1.5, "unzipped_mb": 10.0, "warm_p99_us": 1000.0, "local_rps": 300.0}
X = "\N{MULTIPLICATION SIGN}"

__all__ = ["FLOOR", "GOALS", "MB", "X"]


def _met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _pairs(results: dict[str, Any]) -> list[tuple[str, str]]:
    return [(name, f"baseline ({name})") for name in results["functions"]]


def _ratio(results: dict[str, Any], label: str, base: str, measure: str = "init") -> float:
    cold = results["cold"]["subjects"]
    return float(cold[label][measure]["median"] / cold[base][measure]["median"])


def _ci(results: dict[str, Any], label: str, measure: str) -> str:
    """The ratio's 95 % interval, as ` [low to high]` (absent from results written before it was measured)."""
    spread = results["cold"].get("ratio_ci", {}).get(label, {}).get(measure)
    return f" [95 % CI {spread[0]:.2f} to {spread[1]:.2f}]" if spread else ""


def goals(results: dict[str, Any]) -> list[str]:
    rows = [
        "| measure | goal | " + " | ".join(results["functions"]) + " |",
        "|---|---|" + "---|" * len(results["functions"]),
    ]
    warm, sizes = results["warm"], results["sizes"]
    ratio_cells, size_cells, warm_cells = [], [], []
    for name, base in _pairs(results):
        ratio, cpu_ratio = _ratio(results, name, base), _ratio(results, name, base, "init_cpu")
        ratio_cells.append(
            f"{ratio:.2f}{X}{_ci(results, name, 'init')} ({_met(ratio <= GOALS['cold_ratio'])}); "
            f"CPU time {cpu_ratio:.2f}{X}{_ci(results, name, 'init_cpu')}"
        )
        unzipped = sizes[name]["unzipped"] / MB
        size_cells.append(f"{unzipped:.1f} MB ({_met(unzipped <= GOALS['unzipped_mb'])})")
        route, worst = max(warm[name].items(), key=lambda item: item[1]["cpu_p99"])
        verdict = _met(worst["cpu_p99"] <= GOALS["warm_p99_us"])
        spread = worst.get("cpu_p99_ci")
        interval = f" [95 % CI {spread[0] / 1000:.2f} to {spread[1] / 1000:.2f}]" if spread else ""
        warm_cells.append(
            f"{worst['cpu_p99'] / 1000:.2f} ms CPU{interval}, {route} ({verdict}); "
            f"wall {worst['p99'] / 1000:.2f} ms"
        )
    rows.append(
        f"| cold init (import + first GET), median, vs baseline | ≤ 1.5{X} | "
        + " | ".join(ratio_cells)
        + " |"
    )
    rows.append("| unzipped package (function + layer) | ≤ 10 MB | " + " | ".join(size_cells) + " |")
    warm_goal = "| warm overhead p99 (CPU time), slowest route | ≤ 1 ms | "
    rows.append(warm_goal + " | ".join(warm_cells) + " |")
    if results.get("local"):
        local = next(iter(results["local"].values()))  # `make local` as it ships
        cell = f"{local['rps']:.0f} req/s ({_met(local['rps'] >= GOALS['local_rps'])})"
        spare = " |" * (len(results["functions"]) - 1)
        rows.append(f"| local API (both functions, one server) | ≥ 300 req/s | {cell} |{spare}")
    return rows


def _groups(results: dict[str, Any], section: str) -> list[tuple[str, tuple[str, ...]]]:
    """(baseline, labels compared with it): each function with its baseline, then the floor if measured."""
    groups: list[tuple[str, tuple[str, ...]]] = [(base, (name, base)) for name, base in _pairs(results)]
    if FLOOR in results[section] or FLOOR in results[section].get("subjects", {}):
        groups.append((_pairs(results)[0][1], (FLOOR,)))
    return groups


def cold(results: dict[str, Any]) -> list[str]:
    cold = results["cold"]["subjects"]
    rows = [
        "| subject | import median / p90 | first GET median / p90 | **init** median / p90 "
        "| init vs baseline | init CPU time median | CPU vs baseline |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for base, labels in _groups(results, "cold"):
        for label in labels:
            c = cold[label]
            versus = "" if label != FLOOR else f" (vs {base})"
            rows.append(
                f"| {label} | {c['import']['median']:.1f} / {c['import']['p90']:.1f} ms "
                f"| {c['first']['median']:.1f} / {c['first']['p90']:.1f} ms "
                f"| **{c['init']['median']:.1f}** / {c['init']['p90']:.1f} ms "
                f"| {_ratio(results, label, base):.2f}{X}{_ci(results, label, 'init')}{versus} "
                f"| {c['init_cpu']['median']:.1f} ms "
                f"| {_ratio(results, label, base, 'init_cpu'):.2f}{X}{_ci(results, label, 'init_cpu')} |"
            )
    return rows


def tracing(results: dict[str, Any]) -> list[str]:
    """Each function beside itself in the otel tracing mode (as far as it runs here), cold."""
    variants = results["cold"].get("variants", {})
    if not variants:
        return []
    cold = results["cold"]["subjects"]
    rows = [
        "| subject | import median | **init** median / p90 | init CPU time median | vs the default mode |",
        "|---|---:|---:|---:|---:|",
    ]
    for variant, default in variants.items():
        spread = results["cold"]["versus_default"][variant]["init"]
        ratio = cold[variant]["init"]["median"] / cold[default]["init"]["median"]
        for label, versus in (
            (default, ""),
            (variant, f"{ratio:.2f}{X} [95 % CI {spread[0]:.2f} to {spread[1]:.2f}]"),
        ):
            c = cold[label]
            rows.append(
                f"| {label} | {c['import']['median']:.1f} ms | **{c['init']['median']:.1f}** / "
                f"{c['init']['p90']:.1f} ms | {c['init_cpu']['median']:.1f} ms | {versus} |"
            )
    return rows


def contributors(results: dict[str, Any]) -> list[str]:
    cold = results["cold"]["subjects"]
    labels = [label for pair in _pairs(results) for label in pair] + [FLOOR] * (FLOOR in cold)
    rows = ["| # | " + " | ".join(labels) + " |", "|---:|" + "---|" * len(labels)]
    for rank in range(10):
        cells = []
        for label in labels:
            top = cold[label]["contributors"]
            cells.append(f"{top[rank][0]} {top[rank][1]:.1f} ms" if rank < len(top) else "")
        rows.append(f"| {rank + 1} | " + " | ".join(cells) + " |")
    return rows


def calls(warm: dict[str, Any]) -> str:
    """DynamoDB requests per invocation (the stub's conditions always hold: the success path's count)."""
    calls = warm.get("dynamodb_calls")
    return "n/a" if calls is None else f"{calls:g}"


def warm(results: dict[str, Any]) -> list[str]:
    rows = [
        "| subject | route | p50 | p99 | p50 / p99 vs baseline GET | CPU time p50 / p99 | DynamoDB calls "
        "| statuses |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for base, labels in _groups(results, "warm"):
        baseline = next(iter(results["warm"][base].values()))
        for label in labels:
            for route, w in results["warm"][label].items():
                vs = f"{w['p50'] / baseline['p50']:.2f}{X} / {w['p99'] / baseline['p99']:.2f}{X}"
                statuses = ", ".join(f"{count}{X} {status}" for status, count in w["statuses"].items())
                if set(w["statuses"]) != {str(w["expected"])}:
                    statuses += f" (**expected {w['expected']}**)"
                rows.append(
                    f"| {label} | {route} | {w['p50']:.0f} µs | {w['p99']:.0f} µs | {vs} "
                    f"| {w['cpu_p50']:.0f} / {w['cpu_p99']:.0f} µs | {calls(w)} | {statuses} |"
                )
    return rows


def profiles(results: dict[str, Any]) -> list[str]:
    profiles = results.get("profiles", {})
    if not profiles:
        return []
    columns = list(profiles)
    totals = {
        package: sum(p.get(package, 0.0) for p in profiles.values())
        for p in profiles.values()
        for package in p
    }
    top = sorted(totals, key=lambda package: totals[package], reverse=True)[:8]
    rows = ["| package | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for package in top:
        rows.append(
            f"| {package} | " + " | ".join(f"{profiles[c].get(package, 0.0):.0f} µs" for c in columns) + " |"
        )
    rows.append(
        "| *all (under the profiler)* | "
        + " | ".join(f"{sum(profiles[c].values()):.0f} µs" for c in columns)
        + " |"
    )
    return rows


def sizes(results: dict[str, Any]) -> list[str]:
    rows = ["| function | part | unzipped | zipped |", "|---|---|---:|---:|"]
    for name, size in results["sizes"].items():
        for part, (unzipped, zipped) in size["parts"].items():
            rows.append(f"| {name} | {part} | {_bytes(unzipped)} | {_bytes(zipped)} |")
        rows.append(
            f"| **{name}** | **total** | **{size['unzipped'] / MB:.2f} MB** "
            f"| **{size['zipped'] / MB:.2f} MB** |"
        )
    for name, used in results.get("imported", {}).items():
        rows.append(
            f"| {name} | layers: imported by the routes (host copy, .py + .pyc + .so) "
            f"| {used['imported'] / MB:.2f} of {used['total'] / MB:.2f} MB | |"
        )
    largest = next(iter(results["sizes"].values()))["largest"]
    rows.append("")
    for part, entries in largest.items():
        if sum(size for _, size in entries) < MB:
            continue
        listed = ", ".join(f"{entry} {size / MB:.2f} MB" for entry, size in entries)
        rows.append(f"Largest entries of {part}: {listed}.  ")
    return rows


def _bytes(size: int) -> str:
    return f"{size / MB:.2f} MB" if size >= 100_000 else f"{size / 1000:.1f} kB"


def rss(results: dict[str, Any]) -> list[str]:
    rows = ["| subject | peak RSS | MemorySize | headroom |", "|---|---:|---:|---:|"]
    for name, base in _pairs(results):
        memory = results["functions"][name]["memory_mb"]
        for label in (name, base):
            peak = results["rss"][label]
            rows.append(f"| {label} | {peak:.1f} MiB | {memory} MB | {memory - peak:.0f} MiB |")
    if FLOOR in results["rss"]:
        peak, memory = results["rss"][FLOOR], next(iter(results["functions"].values()))["memory_mb"]
        rows.append(f"| {FLOOR} | {peak:.1f} MiB | {memory} MB | {memory - peak:.0f} MiB |")
    return rows


def local(results: dict[str, Any]) -> list[str]:
    rows = [
        "| DynamoDB behind the server | requests | concurrency | wall time | req/s | p50 | p99 "
        "| unexpected |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for variant, local in results["local"].items():
        rows.append(
            f"| {variant} | {local['requests']} | {local['concurrency']} | {local['seconds']:.1f} s "
            f"| {local['rps']:.0f} | {local['p50_ms']:.1f} ms | {local['p99_ms']:.1f} ms "
            f"| {local['unexpected']} |"
        )
    first = next(iter(results["local"].values()))
    per_route = "; ".join(f"{route} {status}{X}{count}" for route, status, count in first["statuses"])
    return [*rows, "", f"Statuses per route ({next(iter(results['local']))}): {per_route}."]

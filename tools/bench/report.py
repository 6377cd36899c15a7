"""The Markdown report (stdout and docs/performance.md) and the chart (docs/performance.png)."""

import os
import platform
import re
import time
from pathlib import Path
from typing import Any

MB = 1_000_000
BEGIN, END = "<!-- bench:begin (written by `make bench`) -->", "<!-- bench:end -->"
GOALS = {"cold_ratio": 1.5, "unzipped_mb": 10.0, "warm_p99_us": 1000.0, "local_rps": 300.0}
CHART = "performance.png"
X = "\N{MULTIPLICATION SIGN}"
FLOOR = "floor (Powertools + pydantic)"


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text(encoding="utf-8")
        if found := re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.MULTILINE):
            cpu = found.group(1).strip()
    except OSError:
        pass
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cores": os.cpu_count(),
        "cpu": cpu,
        "os": f"{platform.system()} {platform.release()} {platform.machine()}",
        "python": platform.python_version(),
        "load_start": os.getloadavg()[0],
    }


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


def _goals(results: dict[str, Any]) -> list[str]:
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
    groups = [(base, (name, base)) for name, base in _pairs(results)]
    if FLOOR in results[section] or FLOOR in results[section].get("subjects", {}):
        groups.append((_pairs(results)[0][1], (FLOOR,)))
    return groups


def _cold(results: dict[str, Any]) -> list[str]:
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


def _contributors(results: dict[str, Any]) -> list[str]:
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


def _calls(warm: dict[str, Any]) -> str:
    """DynamoDB requests per invocation (the stub's conditions always hold: the success path's count)."""
    calls = warm.get("dynamodb_calls")
    return "n/a" if calls is None else f"{calls:g}"


def _warm(results: dict[str, Any]) -> list[str]:
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
                    f"| {w['cpu_p50']:.0f} / {w['cpu_p99']:.0f} µs | {_calls(w)} | {statuses} |"
                )
    return rows


def _profiles(results: dict[str, Any]) -> list[str]:
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


def _sizes(results: dict[str, Any]) -> list[str]:
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


def _rss(results: dict[str, Any]) -> list[str]:
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


def _local(results: dict[str, Any]) -> list[str]:
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


def markdown(results: dict[str, Any]) -> str:
    m, args = results["machine"], results["args"]
    arch = ", ".join(f"{n} {f['architecture']} {f['memory_mb']} MB" for n, f in results["functions"].items())
    lines = [
        f"## Latest run: {m['date']}",
        "",
        f"- Machine: {m['cores']} cores ({m['cpu']}), {m['os']}, Python {m['python']}. Deployed as: {arch}.",
        f"- Load: 1-minute load average {m['load_start']:.1f} at the start, "
        f"{results.get('load_end', 0.0):.1f} at the end; other work on the machine shows in p90/p99.",
        f"- Command: `make bench` (= `python -m tools.bench`), {args['runs']} cold starts per subject, "
        f"{args['warm']:,} warm invocations per route, {args['rss_invocations']} for RSS, "
        f"{args['local_requests']} local requests at concurrency {args['concurrency']}; "
        f"took {results['elapsed_s']:.0f} s.",
        "",
        "### Goals",
        "",
        *_goals(results),
        "",
        f"![Cold init and warm overhead against the baseline]({CHART})",
        "",
        "### 1. Cold init (fresh process: handler import, then the first `GET /{collection}/{id}`)",
        "",
        *_cold(results),
        "",
        *(f"- Note: {note}" for note in results["cold"]["notes"]),
        "Top 10 import-time contributors (self time per top-level package, median of "
        f"{args['importtime_runs']} `-X importtime` runs):",
        "",
        *_contributors(results),
        "",
        "### 2. Warm overhead (in-process invocations, DynamoDB stubbed at the client)",
        "",
        *_warm(results),
        "",
        "Where the warm time goes: self time per top-level package in µs per invocation, under cProfile",
        "(which inflates call-heavy code: read the shares, not the sums). Standard-library and builtin time",
        "is charged to the package that called it; `(bench stub)` is the stubbed DynamoDB answering.",
        "",
        *_profiles(results),
        "",
        "### 3. Package size (as `sam build` produces it; zipped as `sam package` zips it)",
        "",
        *_sizes(results),
        "",
        "",
        f"### 4. Peak RSS (cold init + {args['rss_invocations']} invocations across the routes)",
        "",
        *_rss(results),
        "",
    ]
    if "local_error" in results:
        lines += [
            "### 5. Local API",
            "",
            "The run failed:",
            "",
            "```",
            results["local_error"][-2000:],
            "```",
            "",
        ]
    if "local" in results:
        lines += [
            "### 5. Local API (`python -m tools.local_api`, SigV4-signed, mixed routes)",
            "",
            *_local(results),
            "",
        ]
    return "\n".join(lines)


def chart(results: dict[str, Any], target: Path) -> None:
    """Cold init (wall, CPU) and warm GET by id (p50, p99, p99 CPU): each function beside its baseline."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cold, warm = results["cold"]["subjects"], results["warm"]
    names = list(results["functions"])
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 5.2))
    width = 0.38
    for offset, (kind, color) in enumerate((("function", "#d9822b"), ("baseline", "#5b8db8"))):
        labels = [n if kind == "function" else f"baseline ({n})" for n in names]
        xs = [i + (offset - 0.5) * width for i in range(len(names))]
        imports = [cold[label]["import"]["median"] for label in labels]
        firsts = [cold[label]["first"]["median"] for label in labels]
        left.bar(xs, imports, width, color=color, label=f"{kind}: import")
        left.bar(xs, firsts, width, bottom=imports, color=color, alpha=0.45, label=f"{kind}: first GET")
        left.scatter(
            xs,
            [cold[label]["init"]["p90"] for label in labels],
            marker="_",
            s=300,
            color="black",
            label="p90 (wall)" if offset == 0 else None,
        )
        left.scatter(
            xs,
            [cold[label]["init_cpu"]["median"] for label in labels],
            marker="D",
            s=25,
            color="white",
            edgecolors="black",
            label="median CPU time" if offset == 0 else None,
        )
        gets = [next(iter(warm[label].values())) for label in labels]
        third = width / 3
        for n, (key, alpha, hatch, what) in enumerate(
            (("p50", 1.0, None, "p50"), ("p99", 0.45, None, "p99"), ("cpu_p99", 0.45, "///", "p99 CPU time"))
        ):
            right.bar(
                [x + (n - 1) * third for x in xs],
                [g[key] for g in gets],
                third,
                color=color,
                alpha=alpha,
                hatch=hatch,
                edgecolor="black" if hatch else None,
                linewidth=0,
                label=f"{kind} {what}",
            )
    for i, name in enumerate(names):
        goal = GOALS["cold_ratio"] * cold[f"baseline ({name})"]["init"]["median"]
        left.hlines(
            goal,
            i - width,
            i + width,
            colors="red",
            linestyles="dashed",
            label=f"goal: 1.5{X} baseline" if i == 0 else None,
        )
    right.axhline(GOALS["warm_p99_us"], color="red", linestyle="dashed", label="goal: p99 1 ms")
    for axis, title, unit in (
        (left, "Cold init (import + first GET), median", "ms"),
        (right, "Warm GET /{collection}/{id}", "µs"),
    ):
        axis.set_xticks(range(len(names)), names)
        axis.set_title(title, fontsize=10)
        axis.set_ylabel(unit)
        axis.grid(axis="y", alpha=0.3)
        axis.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, frameon=False)
    fig.suptitle(
        f"Users & Products API against the stdlib + boto3 baseline ({results['machine']['date']}, "
        f"load {results['machine'].get('load_start', 0.0):.1f})",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(target, dpi=110)
    plt.close(fig)


def write_docs(docs: Path, report: str, results: dict[str, Any]) -> None:
    """Refresh the generated block of docs/performance.md (the prose around it is kept) and the chart."""
    page = docs / "performance.md"
    text = page.read_text(encoding="utf-8") if page.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text = f"{text.rstrip()}\n\n{BEGIN}\n{END}\n"
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    page.write_text(f"{head}{BEGIN}\n{report}\n{END}{tail}", encoding="utf-8")
    chart(results, docs / CHART)

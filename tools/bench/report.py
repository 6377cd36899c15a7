"""The Markdown report (stdout and docs/performance.md) and the chart (docs/performance.png)."""

import os
import platform
import re
import time
from pathlib import Path
from typing import Any

from tools.bench import markdown_tables
from tools.bench.chart import chart
from tools.bench.markdown_tables import FLOOR, X

BEGIN, END = "<!-- bench:begin (written by `make bench`) -->", "<!-- bench:end -->"
CHART = "performance.png"

__all__ = ["BEGIN", "CHART", "END", "FLOOR", "X", "machine", "markdown", "write_docs"]


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


def markdown(results: dict[str, Any]) -> str:
    """The report, printed and written to docs/performance.md."""
    m, args = results["machine"], results["args"]
    arch = ", ".join(f"{n} {f['architecture']} {f['memory_mb']} MB" for n, f in results["functions"].items())
    lines = [
        f"## Latest run: {m['date']}",
        "",
        f"- Machine: {m['cores']} cores ({m['cpu']}), {m['os']}, Python {m['python']}. Deployed as: {arch}.",
        f"- Load: 1-minute load average {m['load_start']:.1f} at the start, "
        f"{results.get('load_end', 0.0):.1f} at the end; other work on the machine shows in p90/p99.",
        "- Command: `make bench` (= `.venv/bin/python -m tools.bench`), "
        f"{args['runs']} cold starts per subject, "
        f"{args['warm']:,} warm invocations per route, {args['rss_invocations']} for RSS, "
        f"{args['local_requests']} local requests at concurrency {args['concurrency']}; "
        f"took {results['elapsed_s']:.0f} s.",
        "",
        "### Goals",
        "",
        *markdown_tables.goals(results),
        "",
        f"![Cold init and warm overhead against the baseline]({CHART})",
        "",
        "### 1. Cold init (fresh process: handler import, then the first `GET /{collection}/{id}`)",
        "",
        *markdown_tables.cold(results),
        "",
        *(f"- Note: {note}" for note in results["cold"]["notes"]),
        "Top 10 import-time contributors (self time per top-level package, median of "
        f"{args['importtime_runs']} `-X importtime` runs):",
        "",
        *markdown_tables.contributors(results),
        "",
        *_tracing(results),
        "### 2. Warm overhead (in-process invocations, DynamoDB stubbed at the client)",
        "",
        *markdown_tables.warm(results),
        "",
        "Where the warm time goes: self time per top-level package in µs per invocation, under cProfile",
        "(which inflates call-heavy code: read the shares, not the sums). Standard-library and builtin time",
        "is charged to the package that called it; `(bench stub)` is the stubbed DynamoDB answering.",
        "",
        *markdown_tables.profiles(results),
        "",
        "### 3. Package size (as `sam build` produces it; zipped as `sam package` zips it)",
        "",
        *markdown_tables.sizes(results),
        "",
        "",
        f"### 4. Peak RSS (cold init + {args['rss_invocations']} invocations across the routes)",
        "",
        *markdown_tables.rss(results),
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
            *markdown_tables.local(results),
            "",
        ]
    return "\n".join(lines)


def _tracing(results: dict[str, Any]) -> list[str]:
    rows = markdown_tables.tracing(results)
    if not rows:
        return []
    return [
        "The otel tracing mode's code path, cold (`TRACING_MODE=otel`, Powertools' Tracer off, the",
        "OpenTelemetry API the ADOT layer ships on the path and no SDK: the route span goes to the",
        "API's no-op tracer). The layer itself runs only on Lambda: its wrapper, SDK, botocore",
        "instrumentation and export come on top of this.",
        "",
        *rows,
        "",
    ]


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

"""`python -m tools.bench` (`make bench`): measure, print the Markdown report, refresh docs/performance.md.

Steps: `sam build` into .aws-sam/bench/build; a host-loadable copy of each function as Lambda lays it out;
cold init (fresh processes, interleaved with the baseline); `-X importtime` contributors; warm overhead per
route; peak RSS; package sizes; the local API under signed load. See docs/performance.md for the method.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tools.bench import measure, packaging, report
from tools.bench.runner import step
from tools.bench.subjects import cast

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


def _measure(args: argparse.Namespace, build_dir: Path) -> dict[str, Any]:
    functions = packaging.read_functions(build_dir)
    scratch = Path(tempfile.mkdtemp(prefix="bench-"))
    try:
        subjects = cast(functions, scratch)
        results: dict[str, Any] = {
            "args": vars(args),
            "machine": report.machine(),
            "functions": {
                f.name: {"memory_mb": f.memory_mb, "architecture": f.architecture} for f in functions
            },
            "sizes": measure.sizes(functions, scratch),
            "cold": measure.cold(subjects, args.runs, args.importtime_runs),
            "warm": measure.warm(subjects.side_by_side, args.warm, args.warmup, args.jobs),
        }
        results["rss"], results["imported"] = measure.rss(subjects, args.rss_invocations, args.jobs)
        iterations = min(args.warm, args.profile_invocations)
        results["profiles"] = measure.profiles(subjects.pairs, results["warm"], iterations, args.jobs)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return results


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    started = time.time()
    build_dir = WORK / "build"
    if not args.skip_build:
        step("sam build")
        packaging.sam_build(REPO, build_dir)
    results = _measure(args, build_dir)
    failed = False
    if not args.skip_local:
        try:
            results["local"] = measure.local(args)
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
    step(f"done in {results['elapsed_s']:.0f} s" + (" (the local API run failed)" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

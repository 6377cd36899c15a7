"""The report's side-by-side section for `--compare-to REV`: each function as REV built it (before) and as
the working tree builds it (after), measured in the same run."""

from typing import Any

from tools.bench.markdown_tables import MB, X, calls


def _us(value: float) -> str:
    return f"{value / 1000:.2f} ms"


def _p99(row: dict[str, Any]) -> str:
    spread = row.get("cpu_p99_ci")
    interval = f" [{spread[0] / 1000:.2f} to {spread[1] / 1000:.2f}]" if spread else ""
    return f"{_us(row['cpu_p99'])}{interval}"


def _statuses(row: dict[str, Any]) -> str:
    if set(row["statuses"]) == {str(row["expected"])}:
        return ""
    return f" (**{', '.join(row['statuses'])}, expected {row['expected']}**)"


def _cold(results: dict[str, Any], labels: dict[str, str]) -> list[str]:
    cold = results["cold"]["subjects"]
    rows = [
        "| function | init median, before | after | after / before [95 % CI] | init CPU time, before | after "
        "| after / before [95 % CI] | init vs baseline, before | after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, old in labels.items():
        versus = results["cold"]["versus_before"][name]
        cells = []
        for measure in ("init", "init_cpu"):
            then, now = cold[old][measure]["median"], cold[name][measure]["median"]
            low, high = versus[measure]
            cells.append(f"{then:.1f} ms | {now:.1f} ms | {now / then:.2f}{X} [{low:.2f} to {high:.2f}]")
        baseline = cold[f"baseline ({name})"]["init"]["median"]
        cells += [f"{cold[label]['init']['median'] / baseline:.2f}{X}" for label in (old, name)]
        rows.append(f"| {name} | " + " | ".join(cells) + " |")
    return rows


def _warm(results: dict[str, Any], labels: dict[str, str]) -> list[str]:
    warm = results["warm"]
    rows = [
        "| function | route | DynamoDB calls, before / after | CPU p50, before | after "
        "| CPU p99 [95 % CI], before | after | wall p50, before | after |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, old in labels.items():
        for route, now in warm[name].items():
            then = warm[old][route]
            rows.append(
                f"| {name} | {route} | {calls(then)} / {calls(now)} "
                f"| {_us(then['cpu_p50'])}{_statuses(then)} | {_us(now['cpu_p50'])}{_statuses(now)} "
                f"| {_p99(then)} | {_p99(now)} | {_us(then['p50'])} | {_us(now['p50'])} |"
            )
    return rows


def _footprint(results: dict[str, Any], labels: dict[str, str]) -> list[str]:
    before_sizes = results["before"]["sizes"]
    rows = [
        "| function | unzipped (function + layer), before | after | peak RSS, before | after |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, old in labels.items():
        rows.append(
            f"| {name} | {before_sizes[name]['unzipped'] / MB:.2f} MB "
            f"| {results['sizes'][name]['unzipped'] / MB:.2f} MB "
            f"| {results['rss'][old]:.1f} MiB | {results['rss'][name]:.1f} MiB |"
        )
    return rows


def section(results: dict[str, Any]) -> list[str]:
    """The section's lines, or none when the run compared with no revision."""
    before = results.get("before")
    if not before:
        return []
    labels: dict[str, str] = before["labels"]
    revision = before["revision"]
    return [
        f"### 6. Before and after: the functions as `{revision[:7]}` built them, beside the working tree",
        "",
        f"Same run, same stub, same requests: `{revision}` exported with `git archive` and built with "
        "`sam build` (its own layer), then started in the same cold rounds and warm runs as the current "
        "code. DynamoDB calls are counted at the stub's send for both.",
        "",
        *_cold(results, labels),
        "",
        *_warm(results, labels),
        "",
        *_footprint(results, labels),
        "",
    ]

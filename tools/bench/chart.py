"""The chart of docs/performance.png: each function beside its baseline, cold and warm."""

from pathlib import Path
from typing import Any

from tools.bench.markdown_tables import GOALS, X


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

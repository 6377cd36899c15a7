"""Smoke tests of the benchmark harness (`python -m tools.bench`): its plumbing, never its timings."""

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tools.bench import aws_stub, events, lambda_env, packaging, report
from tools.bench.runner import Subject, import_contributors, run_child
from tools.bench.stats import median, percentile
from tools.bench.subjects import Cast


def test_percentile_is_nearest_rank_and_median_interpolates() -> None:
    values = [5.0, 1.0, 4.0, 2.0, 3.0]
    assert percentile(values, 50) == 3.0
    assert percentile(values, 90) == 5.0
    assert percentile(values, 1) == 1.0
    assert median([1.0, 2.0, 3.0, 10.0]) == 2.5
    with pytest.raises(ValueError, match="empty"):
        percentile([], 50)


def test_stub_table_serves_the_seed_and_hides_email_markers() -> None:
    aws_stub.seed({"Users": events.seed_items("USERS_TABLE_NAME")})
    got = aws_stub.dynamodb("GetItem", {"TableName": "Users", "Key": {"id": {"S": events.USER_ID}}})
    assert got["Item"]["version"] == {"N": "1"}
    assert aws_stub.dynamodb("GetItem", {"TableName": "Users", "Key": {"id": {"S": "nope"}}}) == {}
    scanned = aws_stub.dynamodb("Scan", {"TableName": "Users", "Limit": 20})
    assert [item["id"]["S"] for item in scanned["Items"]] == [events.USER_ID]
    assert aws_stub.wire({"a": [1, True, None]}) == {
        "M": {"a": {"L": [{"N": "1"}, {"BOOL": True}, {"NULL": True}]}}
    }


def test_routes_start_with_the_cold_get_and_carry_proxy_events() -> None:
    for variable, collection in (("USERS_TABLE_NAME", "users"), ("PRODUCTS_TABLE_NAME", "products")):
        routes = events.routes_for(variable)
        assert routes[0]["name"] == f"GET /{collection}/{{id}}"
        assert {r["event"]["httpMethod"] for r in routes} == {"GET", "POST", "PUT", "DELETE"}
        post = next(r for r in routes if r["event"]["httpMethod"] == "POST")
        assert json.loads(post["event"]["body"])
        assert post["event"]["headers"]["Content-Type"] == "application/json"


def test_importtime_contributors_count_only_the_handler_import() -> None:
    stderr = (
        "import time:       100 |        100 | json\n"
        "bench: handler import starts\n"
        "import time:      2000 |       2000 |   botocore.utils\n"
        "import time:      1000 |       3000 | botocore\n"
        "import time:       500 |        500 | pydantic\n"
    )
    assert import_contributors(stderr) == {"botocore": 3.0, "pydantic": 0.5}


def test_baseline_cold_start_answers_200_from_the_stub(tmp_path: Path) -> None:
    """The whole child path (Lambda layout, -S -B, import hook, stubbed send) on the baseline handler."""
    runtime = packaging.runtime_copy(tmp_path / "runtime")
    paths = [packaging.reference_copy("baseline", tmp_path / "baseline")]
    function = packaging.Function(
        name="UserFunction", handler="baseline_handler.lambda_handler", code_dir=paths[0], layer_dirs=(),
        environment={"USERS_TABLE_NAME": "Users"}, memory_mb=256, timeout_s=10, architecture="arm64",
    )  # fmt: skip
    subject = Subject(
        label="baseline", handler=function.handler, paths=[*paths, runtime],
        environment=lambda_env.lambda_environment(function, os.fspath(paths[0])),
        seed={"Users": events.seed_items("USERS_TABLE_NAME")},
        routes=events.routes_for("USERS_TABLE_NAME")[:1],
        context={"function_name": "UserFunction", "function_arn": lambda_env.function_arn("UserFunction"),
                 "memory_mb": 256, "timeout_s": 10},
    )  # fmt: skip
    measured, _ = run_child(subject, "rss", iterations=3)
    assert measured["first_response"]["statusCode"] == 200
    assert json.loads(measured["first_response"]["body"]) == events.SEED_USER
    assert measured["statuses"] == {"200": 3}
    assert measured["maxrss_mb"] > 0


def _results(cold_ratio: float) -> dict[str, Any]:
    def cold(init: float) -> dict[str, Any]:
        stat = {"median": init, "p90": init}
        return {
            "import": stat,
            "first": stat,
            "init": stat,
            "init_cpu": stat,
            "contributors": [("botocore", 20.0)],
        }

    warm = {
        "GET /users/{id}": {
            "p50": 300.0, "p99": 600.0, "cpu_p50": 290.0, "cpu_p99": 500.0,
            "statuses": {"200": 10}, "expected": 200,
        }
    }  # fmt: skip
    return {
        "args": {"runs": 15, "warm": 10000, "rss_invocations": 1000, "local_requests": 2000, "concurrency": 8,
                 "importtime_runs": 5},
        "machine": {"date": "2026-01-01 00:00 UTC", "cores": 2, "cpu": "cpu", "os": "Linux",
                    "python": "3.13.0", "load_start": 0.5},
        "functions": {"UserFunction": {"memory_mb": 256, "architecture": "arm64"}},
        "sizes": {"UserFunction": {"unzipped": 12_000_000, "zipped": 4_000_000,
                                   "parts": {"UserFunction": [20_000, 8_000],
                                             "CommonLayer": [11_980_000, 3_992_000]},
                                   "largest": {"CommonLayer": [["pydantic_core", 4_500_000]]}}},
        "cold": {"notes": [], "subjects": {"UserFunction": cold(100 * cold_ratio),
                                           "baseline (UserFunction)": cold(100)}},
        "warm": {"UserFunction": warm, "baseline (UserFunction)": warm},
        "rss": {"UserFunction": 60.0, "baseline (UserFunction)": 48.0},
        "local": {"embedded moto": {"rps": 350.0, "p50_ms": 20.0, "p99_ms": 60.0, "requests": 2000,
                                    "concurrency": 8, "seconds": 5.7, "unexpected": 0,
                                    "statuses": [["GET /users/{id}", 200, 2000]]}},
        "elapsed_s": 100.0,
    }  # fmt: skip


def test_report_judges_each_goal() -> None:
    text = report.markdown(_results(cold_ratio=2.0))
    goals = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ")}
    assert (
        f"2.00{report.X} (**missed**); CPU time 2.00{report.X}"
        in goals["cold init (import + first GET), median, vs baseline"]
    )
    assert "12.0 MB (**missed**)" in goals["unzipped package (function + layer)"]
    assert "0.50 ms CPU" in goals["warm overhead p99 (CPU time), slowest route"]
    assert "(met)" in goals["warm overhead p99 (CPU time), slowest route"]
    assert "350 req/s (met)" in goals["local API (both functions, one server)"]
    assert f"1.20{report.X} (met)" in report.markdown(_results(cold_ratio=1.2))


def test_write_docs_keeps_the_prose_around_the_generated_block(tmp_path: Path) -> None:
    page = tmp_path / "performance.md"
    page.write_text(f"# Perf\n\nintro\n\n{report.BEGIN}\nold figures\n{report.END}\n\n## Analysis\nkept\n")
    report.write_docs(tmp_path, "new figures", _results(cold_ratio=1.0))
    text = page.read_text()
    assert "old figures" not in text
    assert "new figures" in text
    assert text.startswith("# Perf\n\nintro\n")
    assert text.endswith("## Analysis\nkept\n")
    assert (tmp_path / report.CHART).read_bytes().startswith(b"\x89PNG")


def test_each_function_runs_warm_beside_its_baseline() -> None:
    """With two warm children at a time, neighbours in this order run at the same time."""

    def subject(label: str) -> Subject:
        return Subject(label, "app.lambda_handler", [], {}, {}, [], {})

    pairs = [(subject("U"), subject("baseline U")), (subject("P"), subject("baseline P"))]
    cast = Cast(pairs, subject("floor"))
    assert [s.label for s in cast.side_by_side] == ["U", "baseline U", "P", "baseline P", "floor"]
    assert sorted(s.label for s in cast.all) == sorted(s.label for s in cast.side_by_side)

"""`python -m tools.bench --compare-to REV`: the revision's committed tree is what gets measured, its
DynamoDB calls are counted as the current code's are, and the report sets both side by side. No timings
asserted."""

import os
import subprocess
import sysconfig
from pathlib import Path
from typing import Any

import pytest

from tools.bench import before_after, compare, lambda_env, packaging
from tools.bench.__main__ import _parse
from tools.bench.markdown_tables import X
from tools.bench.runner import Subject, run_child
from tools.bench.subjects import Cast
from tools.lambda_doubles import api_event

# Three requests through two clients, as the Powertools idempotency layer's own client and the function's did
# before issue 10 (record put, the write, record update).
THEN = """
import boto3

_items = boto3.client("dynamodb")
_records = boto3.session.Session().client("dynamodb")


def lambda_handler(event, context):
    _records.put_item(TableName="Records", Item={"id": {"S": "key"}})
    _items.put_item(TableName="Items", Item={"id": {"S": "item"}})
    _records.update_item(TableName="Records", Key={"id": {"S": "key"}})
    return {"statusCode": 201, "body": "{}"}
"""
# The work tree's version, not committed: one request.
NOW = "\n".join(line for line in THEN.splitlines() if not line.startswith("    _records."))


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - fixed arguments, a repository of the test's own
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com", *args],  # noqa: S607
        cwd=repo, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose one commit has THEN, with NOW (one call) and an untracked file in the work tree."""
    root = tmp_path / "repo"
    (root / "fn").mkdir(parents=True)
    (root / "fn" / "app.py").write_text(THEN)
    _git(root, "init", "-q")
    _git(root, "add", ".")
    _git(root, "commit", "-qm", "then")
    (root / "fn" / "app.py").write_text(NOW)
    (root / "fn" / "untracked.py").write_text("")
    return root


def test_a_revision_resolves_to_its_commit_and_a_wrong_one_stops_the_bench(repo: Path) -> None:
    assert compare.resolve(repo, "HEAD") == _git(repo, "rev-parse", "HEAD")
    with pytest.raises(SystemExit, match="not a commit"):
        compare.resolve(repo, "no-such-revision")


def test_the_revision_is_measured_as_committed_and_its_calls_counted_at_the_send(
    repo: Path, tmp_path: Path
) -> None:
    tree = compare.export(repo, compare.resolve(repo, "HEAD"), tmp_path / "tree")
    assert (tree / "fn" / "app.py").read_text() == THEN
    assert not (tree / "fn" / "untracked.py").exists()

    function = packaging.Function(
        name="ItemFunction", handler="app.lambda_handler", code_dir=tree / "fn", layer_dirs=(),
        environment={}, memory_mb=256, timeout_s=10, architecture="arm64",
    )  # fmt: skip
    counted = {}
    for label, code in (("then", tree / "fn"), ("now", repo / "fn")):
        paths = [code, Path(sysconfig.get_paths()["purelib"])]
        subject = Subject(
            label=label, handler=function.handler, paths=paths, seed={},
            environment=lambda_env.lambda_environment(function, os.fspath(code)),
            routes=[{"name": "POST /items", "expect": 201, "event": api_event("POST", "/items", body={})}],
            context={"function_name": function.name, "memory_mb": 256, "timeout_s": 10},
        )  # fmt: skip
        measured, _ = run_child(subject, "warm", iterations=3, warmup=1)
        assert measured["routes"]["POST /items"]["statuses"] == {"201": 3}
        counted[label] = measured["routes"]["POST /items"]["dynamodb_calls"]
    assert counted == {"then": 3, "now": 1}


def _route(calls: float, cpu_p99: float, statuses: dict[str, int] | None = None) -> dict[str, Any]:
    return {
        "p50": 900.0, "p99": 5000.0, "cpu_p50": 800.0, "cpu_p99": cpu_p99,
        "cpu_p99_ci": [cpu_p99 - 10, cpu_p99 + 10], "statuses": statuses or {"201": 10}, "expected": 201,
        "dynamodb_calls": calls,
    }  # fmt: skip


def test_the_report_sets_before_and_after_side_by_side() -> None:
    cold = {"init": {"median": 400.0}, "init_cpu": {"median": 380.0}}
    results = {
        "before": {"revision": "dadd274794d0", "labels": {"UserFunction": "UserFunction @ dadd274"},
                   "sizes": {"UserFunction": {"unzipped": 9_600_000}}},
        "sizes": {"UserFunction": {"unzipped": 9_500_000}},
        "rss": {"UserFunction": 62.0, "UserFunction @ dadd274": 64.0},
        "cold": {"subjects": {"UserFunction": cold, "baseline (UserFunction)": {"init": {"median": 200.0}},
                              "UserFunction @ dadd274": {**cold, "init": {"median": 500.0}}},
                 "versus_before": {"UserFunction": {"init": [0.7, 0.9], "init_cpu": [0.9, 1.1]}}},
        "warm": {"UserFunction": {"POST /users + Idempotency-Key": _route(1, 2100.0)},
                 "UserFunction @ dadd274": {"POST /users + Idempotency-Key": _route(3, 3900.0, {"500": 10})}},
    }  # fmt: skip
    text = "\n".join(before_after.section(results))
    assert "`dadd274` built them" in text
    assert f"| UserFunction | 500.0 ms | 400.0 ms | 0.80{X} [0.70 to 0.90] |" in text
    assert f"| 2.50{X} | 2.00{X} |" in text  # init against the baseline, before and after
    row = next(line for line in text.splitlines() if "POST /users + Idempotency-Key" in line)
    assert "| 3 / 1 |" in row
    assert "3.90 ms [3.89 to 3.91] | 2.10 ms [2.09 to 2.11]" in row
    assert "**500, expected 201**" in row  # a before that failed is flagged, not averaged in silently
    assert "| 9.60 MB | 9.50 MB | 64.0 MiB | 62.0 MiB |" in text
    assert before_after.section({"warm": {}}) == []


def test_compare_to_is_an_option_and_off_by_default() -> None:
    assert _parse([]).compare_to is None
    assert _parse(["--compare-to", "dadd274"]).compare_to == "dadd274"


def test_each_function_runs_warm_beside_its_earlier_revision() -> None:
    """With two warm children at a time, neighbours in this order run at the same time."""

    def subject(label: str) -> Subject:
        return Subject(label, "app.lambda_handler", [], {}, {}, [], {})

    pairs = [(subject("U"), subject("baseline U")), (subject("P"), subject("baseline P"))]
    before = [(pairs[0][0], subject("U @ then")), (pairs[1][0], subject("P @ then"))]
    compared = Cast(pairs, subject("floor"), before)
    assert [s.label for s in compared.side_by_side] == [
        "U", "U @ then", "baseline U", "P", "P @ then", "baseline P", "floor",
    ]  # fmt: skip
    assert sorted(s.label for s in compared.all) == sorted(s.label for s in compared.side_by_side)
    alone = Cast(pairs, subject("floor"), [])
    assert [s.label for s in alone.side_by_side] == ["U", "baseline U", "P", "baseline P", "floor"]

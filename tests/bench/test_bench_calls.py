"""`make bench` reports DynamoDB calls per route: counted at the stub's send, in the child that times them."""

import os
import sysconfig
from pathlib import Path

from tools.bench import events, lambda_env, markdown_tables, packaging
from tools.bench.runner import Subject, run_child

ROOT = Path(__file__).resolve().parents[2]


def test_warm_mode_counts_the_dynamodb_calls_of_each_route() -> None:
    """The products function from source (host wheels on the path): every route at one call, the stub's
    conditions always holding (so this is each route's success path)."""
    function = packaging.Function(
        name="ProductFunction", handler="products.handler.lambda_handler", code_dir=ROOT / "product_function",
        layer_dirs=(), memory_mb=256, timeout_s=10, architecture="arm64",
        environment={
            "PRODUCTS_TABLE_NAME": "Products", "PRODUCTS_CATEGORY_INDEX": "category-index",
            "IDEMPOTENCY_TABLE_NAME": "Idempotency", "CURSOR_SECRET_ID": "cursor-key", "ALLOWED_ORIGIN": "*",
            "POWERTOOLS_SERVICE_NAME": "products", "POWERTOOLS_METRICS_NAMESPACE": "Bench",
        },
    )  # fmt: skip
    paths = [
        ROOT / "product_function",
        ROOT / "layers" / "api_common",
        Path(sysconfig.get_paths()["purelib"]),
    ]
    subject = Subject(
        label="products", handler=function.handler, paths=paths,
        environment=lambda_env.lambda_environment(function, os.fspath(paths[0])),
        seed={"Products": events.seed_items("PRODUCTS_TABLE_NAME")},
        routes=events.routes_for("PRODUCTS_TABLE_NAME"),
        context={"function_name": function.name, "function_arn": lambda_env.function_arn(function.name),
                 "memory_mb": 256, "timeout_s": 10},
    )  # fmt: skip

    measured, _ = run_child(subject, "warm", iterations=2, warmup=0)

    for name, route in measured["routes"].items():
        assert set(route["statuses"]) == {str(next(r["expect"] for r in subject.routes if r["name"] == name))}
        assert route["dynamodb_calls"] == 1, name  # POST carries a fresh Idempotency-Key: still one call


def test_the_report_shows_the_calls_next_to_the_cpu_figures() -> None:
    warm = {"p50": 300.0, "p99": 600.0, "cpu_p50": 290.0, "cpu_p99": 500.0, "statuses": {"201": 2},
            "expected": 201, "dynamodb_calls": 1.0}  # fmt: skip
    results = {
        "functions": {"UserFunction": {}},
        "warm": {"UserFunction": {"POST /users": warm}, "baseline (UserFunction)": {"GET": warm}},
    }
    rows = markdown_tables.warm(results)
    assert "DynamoDB calls" in rows[0]
    assert any(row.startswith("| UserFunction | POST /users |") and "| 1 |" in row for row in rows)

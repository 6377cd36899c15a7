"""The otel tracing mode in `make bench`: the first function again, with the template's variables for that
mode and the OpenTelemetry API beside its layers (no SDK: the ADOT layer runs only on Lambda), started cold
only, and reported against the same function in the default mode. No timings asserted."""

from pathlib import Path

from tools.bench import markdown_tables, packaging
from tools.bench.markdown_tables import X
from tools.bench.runner import Subject
from tools.bench.subjects import OTEL_API, Cast, otel_variant


def subject(label: str, paths: list[Path] | None = None) -> Subject:
    return Subject(label, "app.lambda_handler", paths or [], {"TRACING_MODE": "xray-sdk"}, {}, [], {})


def test_the_variant_is_the_function_with_the_otel_modes_variables_and_the_api_before_the_runtime() -> None:
    task, site, opt, runtime, api = (Path(p) for p in ("/task", "/site", "/opt/python", "/runtime", "/api"))
    function = subject("UserFunction", [task, site, opt, runtime])

    variant = otel_variant(function, api)

    assert variant.label == "UserFunction, otel code path"
    assert variant.paths == [task, site, opt, api, runtime], "the layers' packages come before the runtime's"
    assert variant.environment == {"TRACING_MODE": "otel", "POWERTOOLS_TRACE_DISABLED": "true"}
    assert (variant.handler, variant.routes) == (function.handler, function.routes)


def test_the_variant_starts_cold_only() -> None:
    real, baseline = subject("U"), subject("baseline U")
    cast = Cast([(real, baseline)], subject("floor"), [(real, subject("U, otel code path"))])
    assert "U, otel code path" in [s.label for s in cast.all]
    assert "U, otel code path" not in [s.label for s in cast.side_by_side]


def test_the_api_copy_is_the_api_alone(tmp_path: Path) -> None:
    api = packaging.distributions_copy(OTEL_API, tmp_path / "api")
    assert (api / "opentelemetry" / "trace" / "__init__.py").is_file()
    assert not (api / "opentelemetry" / "sdk").exists(), "an SDK would record spans the layer would export"


def test_the_report_sets_the_otel_code_path_beside_the_default() -> None:
    measured = {
        "import": {"median": 300.0},
        "init": {"median": 400.0, "p90": 450.0},
        "init_cpu": {"median": 380.0},
    }
    otel = {**measured, "init": {"median": 420.0, "p90": 470.0}}
    results = {
        "cold": {
            "subjects": {"UserFunction": measured, "UserFunction, otel code path": otel},
            "variants": {"UserFunction, otel code path": "UserFunction"},
            "versus_default": {
                "UserFunction, otel code path": {"init": [1.01, 1.09], "init_cpu": [1.0, 1.1]}
            },
        }
    }
    rows = markdown_tables.tracing(results)
    assert rows[2].startswith("| UserFunction | 300.0 ms | **400.0** / 450.0 ms |")
    assert f"| 1.05{X} [95 % CI 1.01 to 1.09] |" in rows[3]
    assert markdown_tables.tracing({"cold": {"subjects": {}}}) == []

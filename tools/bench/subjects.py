"""What the bench starts: each built function beside its baseline, the framework floor, the first function in
its otel tracing mode."""

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tools.bench import events, lambda_env, packaging
from tools.bench.runner import Subject, step

FLOOR = "floor (Powertools + pydantic)"
# Tracing=otel as far as it runs here: the template's variables for that mode and the OpenTelemetry API (the
# version the ADOT layer ships, standing in for the layer's copy), with no SDK: the layer itself (its wrapper,
# the SDK, the botocore instrumentation, the export) runs only on Lambda, so its cost is not in this figure.
OTEL_VARIABLES = {"TRACING_MODE": "otel", "POWERTOOLS_TRACE_DISABLED": "true"}
OTEL_API = ("opentelemetry-api",)


@dataclass(frozen=True)
class Cast:
    """Every subject of one run: (function, its baseline) pairs and the floor."""

    pairs: list[tuple[Subject, Subject]]
    floor: Subject
    # (function, the same function in the otel tracing mode): measured cold only.
    variants: list[tuple[Subject, Subject]] = field(default_factory=list)

    @property
    def all(self) -> list[Subject]:
        return [
            *(s for pair in self.pairs for s in pair),
            self.floor,
            *(variant for _, variant in self.variants),
        ]

    @property
    def side_by_side(self) -> list[Subject]:
        """Every subject, each function right before its baseline: with two warm children at a time, the two
        run at the same time, under the same load from the rest of the host."""
        return [*(subject for pair in self.pairs for subject in pair), self.floor]


def otel_label(name: str) -> str:
    return f"{name}, otel code path"


def otel_variant(function: Subject, api: Path) -> Subject:
    """The function with Tracing=otel's variables and the OpenTelemetry API beside its layers, as in /opt."""
    task, *layers, runtime = function.paths
    return replace(
        function,
        label=otel_label(function.label),
        paths=[task, *layers, api, runtime],
        environment={**function.environment, **OTEL_VARIABLES},
    )


def _table_variable(function: packaging.Function) -> str:
    for variable in ("USERS_TABLE_NAME", "PRODUCTS_TABLE_NAME"):
        if variable in function.environment:
            return variable
    raise SystemExit(f"bench: {function.name} has neither USERS_TABLE_NAME nor PRODUCTS_TABLE_NAME")


def _function_subject(function: packaging.Function, label: str, scratch: Path, runtime: Path) -> Subject:
    """The built function as Lambda lays it out, with host wheels for its native distributions."""
    paths, swapped = packaging.lambda_copy(function, scratch)
    step(f"{label}: host wheels for {', '.join(swapped) or 'nothing'}")
    variable = _table_variable(function)
    return Subject(
        label=label, handler=function.handler, paths=[*paths, runtime], routes=events.routes_for(variable),
        environment=lambda_env.lambda_environment(function, str(paths[0])), **_common(function, variable),
    )  # fmt: skip


def _common(function: packaging.Function, variable: str) -> dict[str, Any]:
    """The seeded table and the context, the same for a function and its baseline."""
    return {
        "seed": {function.environment[variable]: events.seed_items(variable)},
        "context": {
            "function_name": function.name,
            "memory_mb": function.memory_mb,
            "timeout_s": function.timeout_s,
        },
    }


def cast(functions: list[packaging.Function], scratch: Path) -> Cast:
    """Every subject, each ready to start cold."""
    runtime = packaging.runtime_copy(scratch / "runtime")
    baseline_paths = [packaging.reference_copy("baseline", scratch / "baseline")]
    floor_task = packaging.reference_copy("floor", scratch / "floor")
    pairs = []
    for function in functions:
        real = _function_subject(function, function.name, scratch / function.name, runtime)
        variable = _table_variable(function)
        baseline = Subject(
            label=f"baseline ({function.name})", handler="baseline_handler.lambda_handler",
            paths=[*baseline_paths, runtime], routes=real.routes[:1],
            environment=lambda_env.lambda_environment(function, str(baseline_paths[0])),
            **_common(function, variable),
        )  # fmt: skip
        pairs.append((real, baseline))
    first = pairs[0][0]
    floor = replace(
        first, label=FLOOR, handler="floor_handler.lambda_handler", routes=first.routes[:1],
        paths=[floor_task, *first.paths[1:]],
        environment={**first.environment, "LAMBDA_TASK_ROOT": str(floor_task), "HOME": str(floor_task),
                     "_HANDLER": "floor_handler.lambda_handler"},
    )  # fmt: skip
    api = packaging.distributions_copy(OTEL_API, scratch / "otel-api")
    first = pairs[0][0]
    return Cast(pairs, floor, [(first, otel_variant(first, api))])


def same_response(real: dict[str, Any], baseline: dict[str, Any], label: str) -> str | None:
    """None if the function's first GET answered 200 with the baseline's body, else what differs."""
    if real["statusCode"] != 200:
        raise SystemExit(
            f"bench: {label} answered the cold GET with {real['statusCode']}: {real.get('body')}"
        )
    ours, theirs = json.loads(real["body"]), json.loads(baseline["body"])
    differing = sorted(key for key in ours.keys() | theirs.keys() if ours.get(key) != theirs.get(key))
    if differing:
        shown = ", ".join(f"`{key}` {ours.get(key)!r} vs {theirs.get(key)!r}" for key in differing)
        return f"{label}'s response differs from the baseline's in {shown}"
    return None

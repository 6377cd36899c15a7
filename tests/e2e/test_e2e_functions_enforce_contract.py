"""Every rule of openapi.yaml that API Gateway does not enforce is enforced by the functions, over HTTP.

API Gateway ignores, for parameters, every attribute but name, in, required, type and description, and in
models `additionalProperties`, `anyOf`, `oneOf`, `exclusiveMinimum`, `minItems`, `maxItems` ("Amazon API
Gateway important notes for REST APIs"); the local gateway does the same (docs/local-internals.md). So each
parameter constraint and each `additionalProperties: false` of openapi.yaml becomes one request here, derived
from the document itself, that breaks only that rule: the answer is 400, and locally it names the field, which
only the functions do (the gateway's BAD_REQUEST_* responses name "body" or "parameters").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from e2e_support import BODIES, Api, assert_problem

SPEC = yaml.safe_load((Path(__file__).resolve().parents[2] / "openapi.yaml").read_text(encoding="utf-8"))
PATTERN_CANDIDATES = ["x y", "ab\u00e9", " ", "'", '"', "-", "0", "a"]


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # OpenAPI path, {id} filled in by the test
    location: str  # query, header, path, body
    name: str
    rule: str
    value: Any

    @property
    def collection(self) -> str:
        return self.path.split("/")[1]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.location}:{self.name} {self.rule}"


def _violations(schema: dict[str, Any]) -> list[tuple[str, Any]]:
    """(rule, value) pairs that break exactly one keyword of a parameter schema."""
    found: list[tuple[str, Any]] = []
    if "minLength" in schema:
        found.append(("minLength", "x" * (int(schema["minLength"]) - 1)))
    if "maxLength" in schema:
        found.append(("maxLength", "1" * (int(schema["maxLength"]) + 1)))
    if schema.get("type") == "integer":
        lowest = int(schema.get("minimum", 1))
        found += [(f"integer:{text}", text) for text in ("abc", "5.0", "05", "+5", "5_0", "1e1")]
        found += [("minimum", str(lowest - 1))] if "minimum" in schema else []
        found += [("maximum", str(int(schema["maximum"]) + 1))] if "maximum" in schema else []
    if "pattern" in schema:
        bad = next(c for c in PATTERN_CANDIDATES if not re.search(schema["pattern"], c))
        found.append(("pattern", bad))
    return found


def _cases() -> list[Any]:
    cases = []
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            if method in ("parameters", "options"):
                continue
            for parameter in list(item.get("parameters") or []) + list(operation.get("parameters") or []):
                for rule, value in _violations(parameter.get("schema") or {}):
                    if parameter["in"] == "path" and value == "":
                        continue  # an empty segment is another route, not this parameter
                    case = Case(method.upper(), path, parameter["in"], parameter["name"], rule, value)
                    cases.append(pytest.param(case, id=str(case)))
            body = (operation.get("requestBody") or {}).get("content", {}).get("application/json", {})
            model = _deref(body.get("schema") or {})
            if model.get("additionalProperties") is False:
                case = Case(method.upper(), path, "body", "unknownField", "additionalProperties", 1)
                cases.append(pytest.param(case, id=str(case)))
    return cases


def _deref(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return dict(SPEC["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]])
    return schema


@pytest.mark.parametrize("case", _cases())
def test_the_functions_refuse_what_the_gateway_lets_through(api: Api, unique: str, case: Case) -> None:
    body = BODIES[case.collection](unique)
    item_id = "x"
    if "{id}" in case.path:
        created = api.post(f"/{case.collection}", json=body)
        assert created.status_code == 201, created.text
        item_id = created.json()["id"]
        body = BODIES[case.collection](unique + "b")
    path = case.path.replace("{id}", str(case.value) if case.location == "path" else item_id)
    kwargs: dict[str, Any] = {"json": body} if case.method in ("POST", "PUT") else {}
    headers = {"If-Match": '"1"'} if case.method in ("PUT", "DELETE") else {}
    if case.location == "query":
        kwargs["params"] = {case.name: case.value}
    elif case.location == "header":
        headers[case.name] = case.value
    elif case.location == "body":
        kwargs["json"] = {**body, case.name: case.value}
    response = api.request(case.method, path, headers=headers, **kwargs)

    problem = assert_problem(response, 400)
    if api.local:  # the gateway lets it through locally, as deployed: the function named the field
        fields = {error["field"].lower() for error in problem.get("errors", [])}
        assert case.name.lower() in fields, problem

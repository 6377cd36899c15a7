"""A small IAM policy evaluator for identity-based policies, enough to judge pipeline/bootstrap.yaml's roles.

It follows the documented evaluation logic rather than matching strings:
- an explicit Deny wins, then any Allow, else the request is implicitly denied
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html);
- Action/NotAction match case-insensitively with `*` and `?`, Resource/NotResource case-sensitively
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html);
- a condition key missing from the request makes a condition false, and a negated one (StringNotEquals,
  ArnNotLike, ...) true; `...IfExists` passes on a missing key and `Null` tests presence; ForAnyValue needs
  one match, ForAllValues holds for an empty or missing set
  (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
An operator it does not know raises, so an unsupported condition never passes silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

Context = Mapping[str, str | Sequence[str]]


@dataclass(frozen=True)
class Request:
    action: str
    resource: str
    context: Context = field(default_factory=dict)


@cache
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(f"^{body}$", re.IGNORECASE | re.DOTALL if ignore_case else re.DOTALL)


def glob_match(pattern: str, value: str, ignore_case: bool = False) -> bool:
    return bool(_glob(pattern, ignore_case).match(value))


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _values_match(base: str, policy_value: str, request_value: str) -> bool:
    if base in {"StringEquals", "ArnEquals"}:
        return policy_value == request_value
    if base == "StringEqualsIgnoreCase":
        return policy_value.lower() == request_value.lower()
    if base in {"StringLike", "ArnLike"}:
        return glob_match(policy_value, request_value)
    if base == "Bool":
        return policy_value.lower() == request_value.lower()
    raise ValueError(f"condition operator {base} is not supported by this evaluator")


NEGATIONS = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _when_missing(qualifier: str, if_exists: bool, negated: bool) -> bool:
    if if_exists or qualifier == "ForAllValues":
        return True
    return False if qualifier == "ForAnyValue" else negated


def _condition_holds(operator: str, key: str, policy_values: list[Any], context: Context) -> bool:
    present = key in context
    if operator == "Null":
        (expected,) = {str(v).lower() for v in policy_values}
        return (not present) == (expected == "true")
    qualifier, _, operator = operator.rpartition(":")
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    negated = operator in NEGATIONS
    base = NEGATIONS.get(operator, operator)
    if not present:
        return _when_missing(qualifier, if_exists, negated)
    wanted = [str(v) for v in policy_values]
    # One verdict per value of the request (a single-valued key has one).
    verdicts = [any(_values_match(base, w, g) for w in wanted) != negated for g in as_list(context[key])]
    return all(verdicts) if qualifier == "ForAllValues" else any(verdicts)


def conditions_hold(condition: Mapping[str, Mapping[str, Any]], context: Context) -> bool:
    return all(
        _condition_holds(operator, key, as_list(values), context)
        for operator, keys in condition.items()
        for key, values in keys.items()
    )


def statement_applies(statement: Mapping[str, Any], request: Request) -> bool:
    if "Action" in statement:
        action_ok = any(glob_match(a, request.action, ignore_case=True) for a in as_list(statement["Action"]))
    else:
        action_ok = not any(
            glob_match(a, request.action, ignore_case=True) for a in as_list(statement["NotAction"])
        )
    if "Resource" in statement:
        resource_ok = any(glob_match(r, request.resource) for r in as_list(statement["Resource"]))
    else:
        resource_ok = not any(glob_match(r, request.resource) for r in as_list(statement["NotResource"]))
    return action_ok and resource_ok and conditions_hold(statement.get("Condition", {}), request.context)


def decide(statements: Iterable[Mapping[str, Any]], request: Request) -> str:
    """ "Deny" (explicit), "Allow", or "ImplicitDeny"."""
    applying = [s for s in statements if statement_applies(s, request)]
    if any(s["Effect"] == "Deny" for s in applying):
        return "Deny"
    return "Allow" if any(s["Effect"] == "Allow" for s in applying) else "ImplicitDeny"


def allowed(statements: Iterable[Mapping[str, Any]], request: Request) -> bool:
    return decide(statements, request) == "Allow"

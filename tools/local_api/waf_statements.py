"""AWS WAF rule statements that a local server can evaluate exactly, compiled from a WebACL's rules.

A statement evaluates to True (match), False (no match) or None (unknown: it depends on a label that only a
rule the local WAF cannot run would add, such as a managed rule group's). Logical statements combine these as
three-valued logic, so `A and not B` is still decided locally whenever B alone decides it. A statement that
uses anything not listed here does not compile (NotEmulated), and its rule is reported as not emulated.

Sources: statements https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statements-list.html,
SizeConstraintStatement https://docs.aws.amazon.com/waf/latest/APIReference/API_SizeConstraintStatement.html,
ByteMatchStatement https://docs.aws.amazon.com/waf/latest/APIReference/API_ByteMatchStatement.html,
LabelMatchStatement https://docs.aws.amazon.com/waf/latest/APIReference/API_LabelMatchStatement.html,
request body inspection https://docs.aws.amazon.com/waf/latest/APIReference/API_Body.html.
"""

from __future__ import annotations

import base64
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

# https://docs.aws.amazon.com/waf/latest/APIReference/API_SizeConstraintStatement.html
COMPARISONS: Mapping[str, Callable[[int, int], bool]] = {
    "EQ": operator.eq,
    "NE": operator.ne,
    "LE": operator.le,
    "LT": operator.lt,
    "GE": operator.ge,
    "GT": operator.gt,
}
# https://docs.aws.amazon.com/waf/latest/APIReference/API_ByteMatchStatement.html (not CONTAINS_WORD)
POSITIONS: Mapping[str, Callable[[bytes, bytes], bool]] = {
    "EXACTLY": operator.eq,
    "STARTS_WITH": bytes.startswith,
    "ENDS_WITH": bytes.endswith,
    "CONTAINS": lambda value, search: search in value,
}
# Components read from the request line as the client sent it (no decoding: transformation NONE only).
LINE_FIELDS = ("Method", "UriPath", "QueryString")
LABEL_PREFIX_OF_MANAGED_GROUPS = "awswaf:managed:"


class NotEmulatedError(Exception):
    """The statement uses something the local WAF does not evaluate; the message says what."""


@dataclass(frozen=True)
class WebRequest:
    """What WAF inspects, as API Gateway hands it over: the method token and the URI path as sent (on the
    execute-api endpoint the path starts with the stage), the raw query string after `?`, and the body."""

    method: str
    uri_path: str
    query_string: bytes
    body: bytes

    def line_field(self, name: str) -> bytes:
        values = {
            "Method": self.method.encode(),
            "UriPath": self.uri_path.encode(),
            "QueryString": self.query_string,
        }
        return values[name]


@dataclass
class Labels:
    """The labels on a request so far: those known present, and namespaces that rules the local WAF cannot
    run (managed rule groups) may have added to without anyone knowing."""

    present: set[str] = field(default_factory=set)
    unknown_namespaces: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Inspection:
    body_limit: int  # bytes of body API Gateway forwards to WAF (AssociationConfig)


class Statement(Protocol):
    def evaluate(self, request: WebRequest, labels: Labels, inspection: Inspection) -> bool | None: ...


@dataclass(frozen=True)
class _Size:
    field: str
    oversize: str  # Body only: CONTINUE, MATCH, NO_MATCH
    compare: Callable[[int, int], bool]
    size: int

    def evaluate(self, request: WebRequest, labels: Labels, inspection: Inspection) -> bool | None:
        if self.field != "Body":
            return self.compare(len(request.line_field(self.field)), self.size)
        size = len(request.body)
        if size > inspection.body_limit:
            if self.oversize in ("MATCH", "NO_MATCH"):
                return self.oversize == "MATCH"
            size = inspection.body_limit  # CONTINUE: WAF only sees what API Gateway forwarded
        return self.compare(size, self.size)


@dataclass(frozen=True)
class _Bytes:
    field: str
    position: Callable[[bytes, bytes], bool]
    search: bytes

    def evaluate(self, request: WebRequest, labels: Labels, inspection: Inspection) -> bool | None:
        return self.position(request.line_field(self.field), self.search)


@dataclass(frozen=True)
class _Label:
    scope: str  # LABEL or NAMESPACE
    key: str

    def evaluate(self, request: WebRequest, labels: Labels, inspection: Inspection) -> bool | None:
        if any(self._matches(label) for label in labels.present):
            return True
        could_be_added = any(
            self.key.startswith(ns) or ns.startswith(self.key) for ns in labels.unknown_namespaces
        )
        return None if could_be_added else False

    def _matches(self, label: str) -> bool:
        if self.scope == "NAMESPACE":
            return label.startswith(self.key)
        return label == self.key


@dataclass(frozen=True)
class _All:
    parts: tuple[Statement, ...]

    def evaluate(self, request: WebRequest, labels: Labels, inspection: Inspection) -> bool | None:
        results = [part.evaluate(request, labels, inspection) for part in self.parts]
        return False if False in results else (None if None in results else True)


@dataclass(frozen=True)
class _Any:
    parts: tuple[Statement, ...]

    def evaluate(self, request: WebRequest, labels: Labels, inspection: Inspection) -> bool | None:
        results = [part.evaluate(request, labels, inspection) for part in self.parts]
        return True if True in results else (None if None in results else False)


@dataclass(frozen=True)
class _Not:
    part: Statement

    def evaluate(self, request: WebRequest, labels: Labels, inspection: Inspection) -> bool | None:
        result = self.part.evaluate(request, labels, inspection)
        return None if result is None else not result


def compile_statement(statement: Mapping[str, Any]) -> Statement:
    """The evaluable form of a rule's Statement, or NotEmulatedError naming what is missing."""
    if len(statement) != 1:
        raise NotEmulatedError(f"statement {list(statement)}")
    ((kind, spec),) = statement.items()
    if not isinstance(spec, Mapping):
        raise NotEmulatedError(f"statement {kind}")
    if kind == "AndStatement":
        return _All(tuple(compile_statement(s) for s in spec["Statements"]))
    if kind == "OrStatement":
        return _Any(tuple(compile_statement(s) for s in spec["Statements"]))
    if kind == "NotStatement":
        return _Not(compile_statement(spec["Statement"]))
    if kind == "LabelMatchStatement":
        return _Label(str(spec["Scope"]), str(spec["Key"]))
    if kind == "SizeConstraintStatement":
        name, options = _field(spec, allowed=(*LINE_FIELDS, "Body"))
        return _Size(
            name,
            str(options.get("OversizeHandling", "CONTINUE")),
            _pick(COMPARISONS, spec, "ComparisonOperator"),
            int(spec["Size"]),
        )
    if kind == "ByteMatchStatement":
        name, _ = _field(spec, allowed=LINE_FIELDS)
        search = (
            base64.b64decode(spec["SearchStringBase64"])
            if "SearchStringBase64" in spec
            else str(spec["SearchString"]).encode()
        )
        return _Bytes(name, _pick(POSITIONS, spec, "PositionalConstraint"), search)
    raise NotEmulatedError(str(kind))


def _field(spec: Mapping[str, Any], allowed: tuple[str, ...]) -> tuple[str, Mapping[str, Any]]:
    transformations = {str(t.get("Type")) for t in spec.get("TextTransformations") or []}
    if transformations - {"NONE"}:
        raise NotEmulatedError(f"text transformations {sorted(transformations - {'NONE'})}")
    fields = spec.get("FieldToMatch") or {}
    if len(fields) != 1 or next(iter(fields)) not in allowed:
        raise NotEmulatedError(f"field {list(fields)}")
    name = str(next(iter(fields)))
    return name, fields[name] or {}


def _pick[T](table: Mapping[str, T], spec: Mapping[str, Any], key: str) -> T:
    if str(spec.get(key)) not in table:
        raise NotEmulatedError(f"{key} {spec.get(key)}")
    return table[str(spec[key])]

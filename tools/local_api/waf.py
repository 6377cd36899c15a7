"""AWS WAF in front of the local API: the rules of the stack's own WebACL that a local server can evaluate
exactly, in WAF's priority order, before API Gateway does anything (routing, IAM auth, validation).

Emulated: size constraints on the request body (`SizeConstraintStatement` on `Body`, text transformation
NONE), with the web ACL's body inspection limit for API Gateway (`AssociationConfig`, 16 KB by default) and
the rule's `OversizeHandling`; rule actions Block (with its `CustomResponse`), Allow and Count; the default
action. Not emulated, so treated as "no match": managed rule groups (their rules are AWS's, and change) and
rate-based rules (WAF's rate is an estimate, applied with a delay). docs/local-internals.md lists the sources.

Everything is read from the WebACL resource (waf.yaml), with the parameters the root template passes to it,
so the template stays the single source of the rule, the size, the status, the body and the headers.
"""

from __future__ import annotations

import logging
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tools.local_api.openapi import RenderedResponse

LOG = logging.getLogger(__name__)

# https://docs.aws.amazon.com/waf/latest/APIReference/API_RequestBodyAssociatedResourceTypeConfig.html
INSPECTION_LIMITS = {"KB_16": 16 * 1024, "KB_32": 32 * 1024, "KB_48": 48 * 1024, "KB_64": 64 * 1024}
DEFAULT_INSPECTION_LIMIT = INSPECTION_LIMITS["KB_16"]
# https://docs.aws.amazon.com/waf/latest/APIReference/API_CustomResponseBody.html
CONTENT_TYPES = {"TEXT_PLAIN": "text/plain", "TEXT_HTML": "text/html", "APPLICATION_JSON": "application/json"}
# https://docs.aws.amazon.com/waf/latest/APIReference/API_SizeConstraintStatement.html
COMPARISONS: Mapping[str, Callable[[int, int], bool]] = {
    "EQ": operator.eq,
    "NE": operator.ne,
    "LE": operator.le,
    "LT": operator.lt,
    "GE": operator.ge,
    "GT": operator.gt,
}


@dataclass(frozen=True)
class Blocked:
    """A Block decision: the rule's custom response, or None for WAF's default block (API Gateway then
    answers with its WAF_FILTERED gateway response)."""

    rule: str
    response: RenderedResponse | None


@dataclass(frozen=True)
class _Action:
    kind: str  # Allow, Block, Count
    response: RenderedResponse | None = None


@dataclass(frozen=True)
class _BodySizeRule:
    name: str
    compare: Callable[[int, int], bool]
    size: int
    oversize: str  # CONTINUE, MATCH, NO_MATCH
    action: _Action

    def matches(self, body_size: int, inspection_limit: int) -> bool:
        if body_size > inspection_limit:
            if self.oversize == "MATCH":
                return True
            if self.oversize == "NO_MATCH":
                return False
            body_size = inspection_limit  # CONTINUE: WAF only sees what API Gateway forwarded
        return self.compare(body_size, self.size)


class WebAcl:
    def __init__(self, properties: Mapping[str, Any]) -> None:
        bodies = properties.get("CustomResponseBodies") or {}
        association = (properties.get("AssociationConfig") or {}).get("RequestBody") or {}
        limit = association.get("API_GATEWAY") or {}
        self.inspection_limit = INSPECTION_LIMITS[str(limit.get("DefaultSizeInspectionLimit", "KB_16"))]
        self.default = _action(properties.get("DefaultAction") or {"Allow": {}}, bodies)
        self.rules: list[_BodySizeRule] = []
        self.not_emulated: list[str] = []
        for rule in sorted(properties.get("Rules") or [], key=lambda r: int(r.get("Priority", 0))):
            emulated = _body_size_rule(rule, bodies)
            if emulated is None:
                self.not_emulated.append(str(rule.get("Name")))
            else:
                self.rules.append(emulated)
        LOG.info("WAF: emulating %s; not emulated: %s", [r.name for r in self.rules], self.not_emulated)

    def evaluate(self, body: bytes) -> Blocked | None:
        """WAF's verdict on a request with this body: Blocked, or None to let API Gateway have it."""
        for rule in self.rules:
            if not rule.matches(len(body), self.inspection_limit):
                continue
            if rule.action.kind == "Block":
                return Blocked(rule.name, rule.action.response)
            if rule.action.kind == "Allow":
                return None
            # Count: WAF records the match and goes on to the next rule.
        if self.default.kind == "Block":
            return Blocked("DefaultAction", self.default.response)
        return None


def _body_size_rule(rule: Mapping[str, Any], bodies: Mapping[str, Any]) -> _BodySizeRule | None:
    statement = (rule.get("Statement") or {}).get("SizeConstraintStatement")
    action = rule.get("Action")
    if not isinstance(statement, Mapping) or not isinstance(action, Mapping):
        return None  # managed rule groups, rate-based and other statements
    field = statement.get("FieldToMatch") or {}
    transformations = {str(t.get("Type")) for t in statement.get("TextTransformations") or []}
    if set(field) != {"Body"} or transformations - {"NONE"}:
        return None
    parsed = _action(action, bodies)
    if parsed.kind not in ("Allow", "Block", "Count"):
        return None  # CAPTCHA and Challenge need a browser
    return _BodySizeRule(
        name=str(rule.get("Name")),
        compare=COMPARISONS[str(statement["ComparisonOperator"])],
        size=int(statement["Size"]),
        oversize=str((field["Body"] or {}).get("OversizeHandling", "CONTINUE")),
        action=parsed,
    )


def _action(action: Mapping[str, Any], bodies: Mapping[str, Any]) -> _Action:
    kind, settings = next(iter(action.items()))
    custom = (settings or {}).get("CustomResponse") if kind == "Block" else None
    if not custom:
        return _Action(str(kind))
    headers = {str(h["Name"]): str(h["Value"]) for h in custom.get("ResponseHeaders") or []}
    body = ""
    key = custom.get("CustomResponseBodyKey")
    if key is not None:
        body = str(bodies[key]["Content"])
        headers["Content-Type"] = CONTENT_TYPES[str(bodies[key]["ContentType"])]
    return _Action("Block", RenderedResponse(int(custom["ResponseCode"]), headers, body))

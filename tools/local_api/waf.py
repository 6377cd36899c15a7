"""AWS WAF in front of the local API: the rules of the stack's own WebACL that a local server can evaluate
exactly, in WAF's priority order, before API Gateway does anything (routing, IAM auth, validation).

Emulated (tools/local_api/waf_statements.py): size constraints and byte matches on the method, URI path and
query string, size constraints on the body (with the web ACL's body inspection limit for API Gateway,
`AssociationConfig`, 16 KB by default, and the rule's `OversizeHandling`), label matches and the logical
statements, all with text transformation NONE; rule actions Block (with its `CustomResponse`), Allow and
Count; the default action. Not emulated: managed rule groups (their rules are AWS's, and change) and
rate-based rules (WAF's rate is an estimate, applied with a delay). A managed group's labels are therefore
unknown locally: a rule that matches on them is decided only when the rest of its statement decides alone,
and otherwise lets the request through, as the group itself does locally. docs/local-internals.md lists the
sources.

Everything is read from the WebACL resource (waf.yaml), with the parameters the root template passes to it,
so the template stays the single source of the rules, sizes, statuses, bodies and headers.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tools.local_api.openapi import RenderedResponse
from tools.local_api.waf_statements import (
    LABEL_PREFIX_OF_MANAGED_GROUPS,
    Inspection,
    Labels,
    NotEmulatedError,
    Statement,
    WebRequest,
    compile_statement,
)

__all__ = ["Blocked", "WebAcl", "WebRequest"]

LOG = logging.getLogger(__name__)

# https://docs.aws.amazon.com/waf/latest/APIReference/API_RequestBodyAssociatedResourceTypeConfig.html
INSPECTION_LIMITS = {"KB_16": 16 * 1024, "KB_32": 32 * 1024, "KB_48": 48 * 1024, "KB_64": 64 * 1024}
DEFAULT_INSPECTION_LIMIT = INSPECTION_LIMITS["KB_16"]
# https://docs.aws.amazon.com/waf/latest/APIReference/API_CustomResponseBody.html
CONTENT_TYPES = {"TEXT_PLAIN": "text/plain", "TEXT_HTML": "text/html", "APPLICATION_JSON": "application/json"}


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
class _Rule:
    name: str
    statement: Statement
    action: _Action


class WebAcl:
    def __init__(self, properties: Mapping[str, Any]) -> None:
        bodies = properties.get("CustomResponseBodies") or {}
        association = (properties.get("AssociationConfig") or {}).get("RequestBody") or {}
        limit = association.get("API_GATEWAY") or {}
        self.inspection = Inspection(INSPECTION_LIMITS[str(limit.get("DefaultSizeInspectionLimit", "KB_16"))])
        self.default = _action(properties.get("DefaultAction") or {"Allow": {}}, bodies)
        self.rules: list[_Rule] = []
        self.not_emulated: list[str] = []
        # Every Block response the WebACL defines, emulated or not: what a client gets (e.g. the rate rule's).
        self.responses: dict[str, RenderedResponse] = {}
        # Where each not-emulated rule sits among the emulated ones: its labels are unknown from there on.
        self._unknown_from: list[tuple[int, str | None]] = []
        for rule in sorted(properties.get("Rules") or [], key=lambda r: int(r.get("Priority", 0))):
            name = str(rule.get("Name"))
            action = rule.get("Action")
            parsed = _action(action, bodies) if isinstance(action, Mapping) else None
            if parsed is not None and parsed.response is not None:
                self.responses[name] = parsed.response
            try:
                if parsed is None or parsed.kind not in ("Allow", "Block", "Count"):
                    raise NotEmulatedError("managed rule group, or CAPTCHA/Challenge (they need a browser)")
                self.rules.append(_Rule(name, compile_statement(rule.get("Statement") or {}), parsed))
            except NotEmulatedError as error:
                self.not_emulated.append(name)
                self._unknown_from.append((len(self.rules), _namespace(rule)))
                LOG.debug("WAF rule %s is not emulated: %s", name, error)
        LOG.info("WAF: emulating %s; not emulated: %s", [r.name for r in self.rules], self.not_emulated)

    @property
    def inspection_limit(self) -> int:
        return self.inspection.body_limit

    def evaluate(self, request: WebRequest) -> Blocked | None:
        """WAF's verdict on a request: Blocked, or None to let API Gateway have it."""
        labels = Labels()
        for index, rule in enumerate(self.rules):
            labels.unknown_namespaces = {ns for start, ns in self._unknown_from if start <= index and ns}
            matched = rule.statement.evaluate(request, labels, self.inspection)
            if matched is None:
                LOG.debug("WAF rule %s undecided locally (labels of rules not emulated): no match", rule.name)
            if not matched:
                continue
            if rule.action.kind == "Block":
                return Blocked(rule.name, rule.action.response)
            if rule.action.kind == "Allow":
                return None
            # Count: WAF records the match and goes on to the next rule.
        if self.default.kind == "Block":
            return Blocked("DefaultAction", self.default.response)
        return None


def _namespace(rule: Mapping[str, Any]) -> str | None:
    """The label namespace a rule the local WAF cannot run may have added to, if any. Managed rule groups
    label under awswaf:managed:
    (https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-label-requirements.html); another rule
    labels only through its RuleLabels."""
    if "ManagedRuleGroupStatement" in (rule.get("Statement") or {}):
        return LABEL_PREFIX_OF_MANAGED_GROUPS
    return "awswaf:" if rule.get("RuleLabels") else None


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

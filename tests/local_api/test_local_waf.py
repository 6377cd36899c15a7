"""The local WAF (tools/local_api/waf.py, waf_statements.py) on the stack's own WebACL and on small ones:
what it evaluates exactly (sizes and byte matches on the request line, label matches, logic), what it
leaves undecided (labels only a managed rule group would add) and what it can only show (the rate rule's
response)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from api_common.responses import EXPOSED_HEADERS
from tools.local_api.stack import load_stack
from tools.local_api.waf import WebAcl, WebRequest
from tools.local_api.waf_statements import Inspection, Labels, NotEmulatedError, compile_statement

ROOT = Path(__file__).resolve().parents[2]
NO_LABELS = Labels()
INSPECTION = Inspection(16 * 1024)


@cache
def _stack_properties() -> dict[str, Any]:
    acl = load_stack(ROOT / "template.yaml", "us-east-1").web_acl
    assert acl is not None
    return acl


def _stack_acl() -> WebAcl:
    return WebAcl(_stack_properties())


def _rule(name: str) -> dict[str, Any]:
    return next(rule for rule in _stack_properties()["Rules"] if rule["Name"] == name)


def _get(path: str, query: bytes = b"", method: str = "GET") -> WebRequest:
    return WebRequest(method, path, query, b"")


# ---- the stack's WebACL
def test_a_query_string_over_the_limit_is_refused_locally_as_deployed() -> None:
    acl = _stack_acl()
    size = _rule("QueryStringOverLimit")["Statement"]["SizeConstraintStatement"]["Size"]
    assert acl.evaluate(_get("/dev/users", b"cursor=" + b"a" * (size - len("cursor=")))) is None
    blocked = acl.evaluate(_get("/dev/users", b"cursor=" + b"a" * (size + 1 - len("cursor="))))
    assert blocked is not None
    assert blocked.rule == "QueryStringOverLimit"
    assert blocked.response is None, "WAF's default block: API Gateway answers with WAF_FILTERED (403)"
    # Bytes as sent: a percent-encoded character counts three.
    encoded = b"category=" + b"%F0%9F%98%80" * ((size - len("category=")) // 12 + 1)
    assert acl.evaluate(_get("/dev/products", encoded)) is not None


@pytest.mark.parametrize(
    "category", [b"%3Cb%3E", b"..%2Fx", b"1%27+OR+%271%27%3D%271", b"http%3A%2F%2F10.0.0.1%2F", b"notes.ini"]
)
def test_category_values_list_locally_whatever_the_managed_rules_would_say(category: bytes) -> None:
    acl = _stack_acl()
    assert acl.evaluate(_get("/dev/products", b"category=" + category)) is None
    assert acl.evaluate(_get("/dev/products", b"category=" + category, method="OPTIONS")) is None


def test_the_label_rule_is_emulated_and_decides_what_it_can() -> None:
    acl = _stack_acl()
    assert "QueryRulesOutsideCategoryFilter" not in acl.not_emulated
    (rule,) = [r for r in acl.rules if r.name == "QueryRulesOutsideCategoryFilter"]
    managed = Labels(unknown_namespaces={"awswaf:managed:"})
    # On the products list the rule cannot match, whatever a managed group added: decided locally.
    assert rule.statement.evaluate(_get("/dev/products"), managed, INSPECTION) is False
    assert rule.statement.evaluate(_get("/dev/products", method="OPTIONS"), managed, INSPECTION) is False
    # Elsewhere it hangs on the managed groups' labels: undecided locally, so the request is served.
    for request in (_get("/dev/users"), _get("/dev/products", method="POST"), _get("/dev/products/x")):
        assert rule.statement.evaluate(request, managed, INSPECTION) is None
    # And it is what AWS would decide once a label is known.
    keys = [
        s["LabelMatchStatement"]["Key"]
        for s in _rule("QueryRulesOutsideCategoryFilter")["Statement"]["AndStatement"]["Statements"][0][
            "OrStatement"
        ]["Statements"]
    ]
    for key in keys:
        labelled = Labels(present={key})
        assert rule.statement.evaluate(_get("/dev/users"), labelled, INSPECTION) is True
        assert rule.statement.evaluate(_get("/dev/products", method="POST"), labelled, INSPECTION) is True
        assert rule.statement.evaluate(_get("/dev/products"), labelled, INSPECTION) is False
        assert rule.statement.evaluate(_get("/prod/products"), labelled, INSPECTION) is True, "another stage"
    other = Labels(present={"awswaf:managed:aws:core-rule-set:NoUserAgent_Header"})
    assert rule.statement.evaluate(_get("/dev/users"), other, INSPECTION) is False


def test_the_rate_rule_is_not_emulated_but_its_429_is_read_from_the_template() -> None:
    acl = _stack_acl()
    assert "RateLimitPerIp" in acl.not_emulated
    response = acl.responses["RateLimitPerIp"]
    assert response.status == 429
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Access-Control-Allow-Origin"] == "*"  # the AllowedOrigin default
    assert response.headers["Access-Control-Expose-Headers"] == EXPOSED_HEADERS
    problem = json.loads(response.body)
    assert (problem["status"], problem["title"], problem["type"]) == (429, "Too Many Requests", "about:blank")


# ---- statements
def _bytes(field: str, position: str, search: str) -> dict[str, Any]:
    return {
        "ByteMatchStatement": {
            "FieldToMatch": {field: {}},
            "PositionalConstraint": position,
            "SearchString": search,
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }


@pytest.mark.parametrize(
    ("field", "position", "search", "matches"),
    [
        ("UriPath", "EXACTLY", "/dev/products", True),
        ("UriPath", "EXACTLY", "/dev/products/", False),
        ("UriPath", "STARTS_WITH", "/dev/", True),
        ("UriPath", "ENDS_WITH", "/products", True),
        ("QueryString", "CONTAINS", "b=2", True),
        ("QueryString", "EXACTLY", "a=1", False),
        ("Method", "EXACTLY", "GET", True),
        ("Method", "EXACTLY", "get", False),  # no transformation: case matters
    ],
)
def test_byte_match_on_the_request_line(field: str, position: str, search: str, matches: bool) -> None:
    statement = compile_statement(_bytes(field, position, search))
    assert statement.evaluate(_get("/dev/products", b"a=1&b=2"), NO_LABELS, INSPECTION) is matches


def test_logic_is_three_valued() -> None:
    unknown = {"LabelMatchStatement": {"Scope": "LABEL", "Key": "awswaf:managed:aws:x:Y"}}
    yes, no = _bytes("Method", "EXACTLY", "GET"), _bytes("Method", "EXACTLY", "PUT")
    labels = Labels(unknown_namespaces={"awswaf:managed:"})
    request = _get("/")

    def value(statement: dict[str, Any]) -> bool | None:
        return compile_statement(statement).evaluate(request, labels, INSPECTION)

    assert value(unknown) is None
    assert value({"AndStatement": {"Statements": [unknown, no]}}) is False
    assert value({"AndStatement": {"Statements": [unknown, yes]}}) is None
    assert value({"OrStatement": {"Statements": [unknown, yes]}}) is True
    assert value({"OrStatement": {"Statements": [unknown, no]}}) is None
    assert value({"NotStatement": {"Statement": unknown}}) is None
    assert value({"NotStatement": {"Statement": no}}) is True
    # A label no rule the local WAF skipped could have added is simply absent.
    local_label = {"LabelMatchStatement": {"Scope": "LABEL", "Key": "mine:flag"}}
    assert value(local_label) is False
    namespace = {"LabelMatchStatement": {"Scope": "NAMESPACE", "Key": "awswaf:managed:aws:x:"}}
    assert compile_statement(namespace).evaluate(
        request, Labels(present={"awswaf:managed:aws:x:Y"}), INSPECTION
    )


def test_size_constraints_on_the_request_line() -> None:
    statement = {
        "SizeConstraintStatement": {
            "FieldToMatch": {"UriPath": {}},
            "ComparisonOperator": "LE",
            "Size": 4,
            "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
        }
    }
    assert compile_statement(statement).evaluate(_get("/dev"), NO_LABELS, INSPECTION) is True
    assert compile_statement(statement).evaluate(_get("/dev/"), NO_LABELS, INSPECTION) is False


@pytest.mark.parametrize(
    "statement",
    [
        {**_bytes("UriPath", "CONTAINS_WORD", "x")},
        {
            "ByteMatchStatement": {
                **_bytes("UriPath", "EXACTLY", "x")["ByteMatchStatement"],
                "FieldToMatch": {"SingleHeader": {"Name": "a"}},
            }
        },
        {
            "ByteMatchStatement": {
                **_bytes("UriPath", "EXACTLY", "x")["ByteMatchStatement"],
                "TextTransformations": [{"Priority": 0, "Type": "URL_DECODE"}],
            }
        },
        {"XssMatchStatement": {"FieldToMatch": {"AllQueryArguments": {}}, "TextTransformations": []}},
        {"RateBasedStatement": {"Limit": 10, "AggregateKeyType": "IP"}},
    ],
)
def test_what_is_not_emulated_does_not_compile(statement: dict[str, Any]) -> None:
    with pytest.raises(NotEmulatedError):
        compile_statement(statement)


def test_rule_labels_of_a_rule_not_emulated_make_later_label_matches_undecided() -> None:
    labelling = {
        "Name": "Labeller",
        "Priority": 0,
        "Action": {"Count": {}},
        "RuleLabels": [{"Name": "mine:flag"}],
        "Statement": {"RateBasedStatement": {"Limit": 10, "AggregateKeyType": "IP"}},
    }
    matcher = {
        "Name": "Matcher",
        "Priority": 1,
        "Action": {"Block": {}},
        "Statement": {"LabelMatchStatement": {"Scope": "NAMESPACE", "Key": "awswaf:"}},
    }
    acl = WebAcl({"DefaultAction": {"Allow": {}}, "Rules": [matcher | {"Priority": 2}, labelling]})
    assert acl.not_emulated == ["Labeller"]
    assert acl.evaluate(_get("/")) is None  # undecided: served, as WAF would only if the rate stayed low
    alone = WebAcl({"DefaultAction": {"Allow": {}}, "Rules": [matcher]})
    assert alone.evaluate(_get("/")) is None
    (rule,) = alone.rules
    assert rule.statement.evaluate(_get("/"), NO_LABELS, INSPECTION) is False

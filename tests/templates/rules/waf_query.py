"""What AWS WAF does to query strings (waf.yaml) against what the API accepts (openapi.yaml).

- Every valid query string fits under WAF's 2,048-byte limit: the contract's parameters at their longest,
  percent-encoded, plus the longest cursor the API can issue.
- The managed rules that read query arguments count, and a later rule blocks on their labels everywhere but
  the category filter: waf_query_arguments.py.

Rule names and labels: https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html,
https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-use-case.html.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from api_common.cursors import CursorCodec
from tests.templates.rules.base import Check, Mutations, nested, operation
from tests.templates.stack import Sources, Stack

# The core rule set's SizeRestrictions_QUERYSTRING: "URI query strings that are over 2,048 bytes".
MANAGED_QUERY_STRING_LIMIT = 2048
CORE, SQLI = "AWSManagedRulesCommonRuleSet", "AWSManagedRulesSQLiRuleSet"
# Any code point is at most 4 UTF-8 bytes, each sent as %XX (RFC 3986, section 2.1). A cursor is base64url
# text and a dot, all unreserved characters that clients send as they are (RFC 3986, section 2.3).
WORST_BYTES_PER_CHARACTER = 12
CURSOR_ALPHABET = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def _acl(stack: Stack) -> dict[str, Any]:
    return nested(stack.sources.waf, "WebAcl")


def acl_rule(stack: Stack, name: str) -> dict[str, Any]:
    return next(rule for rule in _acl(stack)["Rules"] if rule["Name"] == name)


def managed_group(stack: Stack, group: str) -> dict[str, Any]:
    return next(
        rule
        for rule in _acl(stack)["Rules"]
        if rule["Statement"].get("ManagedRuleGroupStatement", {}).get("Name") == group
    )


def _longest_cursor(category_length: int) -> int:
    """Characters of the longest cursor the API issues: a category listing's key (the table's and the index's)
    with a category of 4-byte characters, each a 12-character JSON escape in the signed payload."""
    codec = CursorCodec(lambda: b"any key")
    item_id = str(uuid.uuid4())  # writes.py: every id is a uuid4
    category = "\U0010ffff" * category_length
    cursor = codec.encode(f"products?category={category}", {"id": item_id, "category": category})
    assert CURSOR_ALPHABET.fullmatch(cursor), cursor
    return len(cursor)


def _worst_value_bytes(name: str, schema: dict[str, Any]) -> int:
    if schema.get("type") == "integer":
        assert schema.get("minimum", -1) >= 0, f"{name}: a sign would add a byte"
        return len(str(schema["maximum"]))
    per_character = 1 if name == "cursor" else WORST_BYTES_PER_CHARACTER
    return int(schema["maxLength"]) * per_character


def check_every_valid_query_string_fits_under_the_waf_limit(stack: Stack) -> None:
    rule = acl_rule(stack, "QueryStringOverLimit")
    size = rule["Statement"]["SizeConstraintStatement"]
    assert size == {
        "FieldToMatch": {"QueryString": {}},
        "ComparisonOperator": "GT",
        "Size": MANAGED_QUERY_STRING_LIMIT,
        "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
    }, "the WebACL's own query string limit must be the core rule set's, as sent"
    assert rule["Action"] == {"Block": {}}, "refused as the managed rule refuses it (WAF_FILTERED, 403)"
    assert rule["Priority"] < managed_group(stack, CORE)["Priority"]
    body = stack.body
    for path, item in body["paths"].items():
        parameters = [p for p in item.get("get", {}).get("parameters", []) if p["in"] == "query"]
        if not parameters:
            continue
        worst = sum(len(p["name"]) + 1 + _worst_value_bytes(p["name"], p["schema"]) for p in parameters)
        worst += len(parameters) - 1  # the "&" between them
        assert worst <= MANAGED_QUERY_STRING_LIMIT, f"GET {path}: a valid query string can take {worst} bytes"
        cursors = [p["schema"] for p in parameters if p["name"] == "cursor"]
        categories = [p["schema"]["maxLength"] for p in parameters if p["name"] == "category"]
        for cursor in cursors:
            longest = _longest_cursor(max(categories, default=0))
            assert longest <= cursor["maxLength"], f"GET {path} issues cursors of {longest} characters"


CHECKS: list[Check] = [
    check_every_valid_query_string_fits_under_the_waf_limit,
]


def source_acl(sources: Sources) -> dict[str, Any]:
    return nested(sources.waf, "WebAcl")


def source_rule(sources: Sources, name: str) -> dict[str, Any]:
    return next(rule for rule in source_acl(sources)["Rules"] if rule["Name"] == name)


def _query_schema(sources: Sources, name: str) -> dict[str, Any]:
    parameters = operation(sources, "/products", "get")["parameters"]
    schema: dict[str, Any] = next(p["schema"] for p in parameters if p["name"] == name)
    return schema


MUTATIONS: Mutations = {
    "cursor maxLength back to 2048": (
        lambda s: _query_schema(s, "cursor").update(maxLength=2048),
        check_every_valid_query_string_fits_under_the_waf_limit,
    ),
    "cursor shorter than the cursors the API issues": (
        lambda s: _query_schema(s, "cursor").update(maxLength=512),
        check_every_valid_query_string_fits_under_the_waf_limit,
    ),
    "category filter of 200 characters": (
        lambda s: _query_schema(s, "category").update(maxLength=200),
        check_every_valid_query_string_fits_under_the_waf_limit,
    ),
    "WAF query string limit halved": (
        lambda s: source_rule(s, "QueryStringOverLimit")["Statement"]["SizeConstraintStatement"].update(
            Size=1024
        ),
        check_every_valid_query_string_fits_under_the_waf_limit,
    ),
}

"""The WebACL stays within the 1,500 WCU that its base price includes (more costs extra per month).

Capacities as AWS publishes them: the base price
(https://docs.aws.amazon.com/waf/latest/developerguide/aws-waf-capacity-units.html), each rule statement's
page (e.g. https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-string-match.html)
and the managed rule group pages (aws-managed-rule-groups-baseline.html, -use-case.html, -ip-rep.html).
"""

from __future__ import annotations

from typing import Any

from tests.templates.rules.base import Check, Mutations, nested
from tests.templates.stack import Sources, Stack

# Published capacities (WCU) of the managed groups, and what a web ACL's base price includes.
MANAGED_GROUP_WCU = {
    "AWSManagedRulesCommonRuleSet": 700,
    "AWSManagedRulesSQLiRuleSet": 200,
    "AWSManagedRulesKnownBadInputsRuleSet": 200,
    "AWSManagedRulesAmazonIpReputationList": 25,
    "AWSManagedRulesLinuxRuleSet": 200,
    "AWSManagedRulesWindowsRuleSet": 200,
}
BASE_PRICE_WCU = 1500


def _capacity(statement: dict[str, Any]) -> int:
    (kind, spec), *_ = statement.items()
    if kind == "Fn::If":  # a statement that follows a parameter: the larger of the two may be deployed
        return max(_capacity(spec[1]), _capacity(spec[2]))
    if kind in ("AndStatement", "OrStatement"):
        return sum(_capacity(s) for s in spec["Statements"])
    if kind == "NotStatement":
        return _capacity(spec["Statement"])
    if kind == "ManagedRuleGroupStatement":
        return MANAGED_GROUP_WCU[spec["Name"]]
    transformations = [t for t in spec.get("TextTransformations", []) if t["Type"] != "NONE"]
    base = {"RateBasedStatement": 2, "SizeConstraintStatement": 1, "LabelMatchStatement": 1}.get(kind)
    if kind == "ByteMatchStatement":
        base = 2 if spec["PositionalConstraint"] in ("EXACTLY", "STARTS_WITH", "ENDS_WITH") else 10
    assert base is not None, f"no published capacity for {kind} here"
    return base + 10 * len(transformations)


def check_web_acl_capacity_is_within_the_base_price(stack: Stack) -> None:
    used = sum(_capacity(rule["Statement"]) for rule in nested(stack.sources.waf, "WebAcl")["Rules"])
    assert used <= BASE_PRICE_WCU, f"the WebACL needs {used} WCU; over {BASE_PRICE_WCU} costs extra"


CHECKS: list[Check] = [check_web_acl_capacity_is_within_the_base_price]


def _add_groups(sources: Sources) -> None:
    rules = nested(sources.waf, "WebAcl")["Rules"]
    for priority, name in ((20, "AWSManagedRulesLinuxRuleSet"), (21, "AWSManagedRulesWindowsRuleSet")):
        statement = {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": name}}
        rules.append({**rules[-1], "Name": name, "Priority": priority, "Statement": statement})


MUTATIONS: Mutations = {
    "two more managed groups": (_add_groups, check_web_acl_capacity_is_within_the_base_price),
}

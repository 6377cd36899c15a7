"""The managed rules that read query arguments as paths, URLs, SQL or HTML count (waf.yaml), and a later rule
blocks on their labels everywhere except the products list and its preflight, where the category filter is
data: on the execute-api endpoint (/{stage}/products) and, when a custom domain serves the stage, on the
domain (/products). The query string's length: waf_query.py.

Rule names and labels: https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html,
https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-use-case.html.
"""

from __future__ import annotations

from typing import Any

from tests.templates.rules.base import Check, Mutations, resource, sub_text
from tests.templates.rules.waf_query import CORE, SQLI, acl_rule, managed_group, source_acl, source_rule
from tests.templates.stack import Sources, Stack
from tools.local_api.waf_statements import Inspection, Labels, WebRequest, compile_statement

# The managed rules that inspect query argument values, and the label each adds when it matches.
QUERY_ARGUMENT_RULES = {
    (
        CORE,
        "CrossSiteScripting_QUERYARGUMENTS",
    ): "awswaf:managed:aws:core-rule-set:CrossSiteScripting_QueryArguments",
    (CORE, "GenericLFI_QUERYARGUMENTS"): "awswaf:managed:aws:core-rule-set:GenericLFI_QueryArguments",
    (CORE, "GenericRFI_QUERYARGUMENTS"): "awswaf:managed:aws:core-rule-set:GenericRFI_QueryArguments",
    (
        CORE,
        "EC2MetaDataSSRF_QUERYARGUMENTS",
    ): "awswaf:managed:aws:core-rule-set:EC2MetaDataSSRF_QueryArguments",
    (
        CORE,
        "RestrictedExtensions_QUERYARGUMENTS",
    ): "awswaf:managed:aws:core-rule-set:RestrictedExtensions_QueryArguments",
    (SQLI, "SQLi_QUERYARGUMENTS"): "awswaf:managed:aws:sql-database:SQLi_QueryArguments",
    (
        SQLI,
        "SQLiExtendedPatterns_QUERYARGUMENTS",
    ): "awswaf:managed:aws:sql-database:SQLiExtendedPatterns_QueryArguments",
}


def _resolved(node: Any, stage: str, on_domain: bool) -> Any:
    """A waf.yaml node for one stage, with or without a custom domain in front (its HasCustomDomain)."""
    if isinstance(node, dict) and set(node) == {"Fn::Sub"}:
        text = sub_text(node).replace("${ApiStageName}", stage)
        assert "${" not in text, text
        return text
    if isinstance(node, dict) and set(node) == {"Fn::If"}:
        name, when_true, when_false = node["Fn::If"]
        assert name == "HasCustomDomain", f"waf.yaml's rule depends on {name}"
        return _resolved(when_true if on_domain else when_false, stage, on_domain)
    if isinstance(node, dict):
        return {key: _resolved(value, stage, on_domain) for key, value in node.items()}
    if isinstance(node, list):
        return [_resolved(value, stage, on_domain) for value in node]
    return node


def _exempted_paths(stage: str, on_domain: bool) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(requests the exemption serves, requests the label rule blocks) on the execute-api endpoint, where the
    path starts with the stage, and, with a custom domain, on the domain too, where it does not."""
    lists = ["/products"] if on_domain else []
    served = [(method, path) for path in [f"/{stage}/products", *lists] for method in ("GET", "OPTIONS")]
    refused = [
        ("GET", f"/{stage}/users"),
        ("GET", f"/{stage}/users/products"),
        ("GET", f"/{stage}/products/x"),
        ("POST", f"/{stage}/products"),
        ("GET", f"/{stage}/products/"),
        ("HEAD", f"/{stage}/products"),
        ("GET", "/users"),
        ("GET", "/products/x"),
        ("POST", "/products"),
        ("GET", "/products/"),
        ("HEAD", "/products"),
    ]
    if not on_domain:
        refused.append(("GET", "/products"))  # on the execute-api endpoint alone, a stage named "products"
    return served, refused


def check_query_argument_rules_block_everywhere_but_the_category_filter(stack: Stack) -> None:
    for (group, name), _ in QUERY_ARGUMENT_RULES.items():
        overrides = managed_group(stack, group)["Statement"]["ManagedRuleGroupStatement"].get(
            "RuleActionOverrides", []
        )
        assert {"Name": name, "ActionToUse": {"Count": {}}} in overrides, f"{name} still blocks categories"
    rule = acl_rule(stack, "QueryRulesOutsideCategoryFilter")
    assert rule["Action"] == {"Block": {}}
    assert rule["Priority"] > max(managed_group(stack, group)["Priority"] for group in (CORE, SQLI)), (
        "a label match sees only labels of rules evaluated before it"
    )
    # The stage in the path WAF sees is the API's stage; WAF is told whether a custom domain serves it too.
    passed = stack.resources["Waf"]["Properties"]["Parameters"]
    assert passed["ApiStageName"] == stack.sources.template["Resources"]["Api"]["Properties"]["StageName"], (
        f"the exemption names stage {passed['ApiStageName']}, not the API's"
    )
    assert passed.get("ServedOnCustomDomain") == {"Fn::If": ["HasCustomDomain", "true", "false"]}, (
        "waf.yaml must know when the custom domain serves the stage"
    )
    stage = stack.sources.template["Parameters"]["Environment"]["Default"]
    inspection = Inspection(64 * 1024)
    for on_domain in (False, True):
        statement = compile_statement(_resolved(rule["Statement"], stage, on_domain))
        served, refused = _exempted_paths(stage, on_domain)
        for label in QUERY_ARGUMENT_RULES.values():
            labels = Labels(present={label})
            for method, path in served + refused:
                blocked = statement.evaluate(WebRequest(method, path, b"category=x", b""), labels, inspection)
                assert blocked is ((method, path) in refused), (
                    f"{label} on {method} {path} (custom domain: {on_domain}): blocked={blocked}"
                )
        unrelated = Labels(present={"awswaf:managed:aws:core-rule-set:NoUserAgent_Header"})
        for path in (f"/{stage}/users", "/users"):
            assert statement.evaluate(WebRequest("GET", path, b"", b""), unrelated, inspection) is False


CHECKS: list[Check] = [check_query_argument_rules_block_everywhere_but_the_category_filter]


def _exemption(sources: Sources) -> list[dict[str, Any]]:
    """[methods (Or), path (ByteMatch)] of the products list's exemption."""
    statements = source_rule(sources, "QueryRulesOutsideCategoryFilter")["Statement"]["AndStatement"][
        "Statements"
    ]
    exemption: list[dict[str, Any]] = statements[1]["NotStatement"]["Statement"]["AndStatement"]["Statements"]
    return exemption


def _path_choice(sources: Sources) -> list[Any]:
    """[condition, path statement with a custom domain, path statement without] of the exemption."""
    choice: list[Any] = _exemption(sources)[1]["Fn::If"]
    return choice


def _label_rule_path(sources: Sources) -> dict[str, Any]:
    """The stage's path (/{stage}/products) of the exemption without a custom domain."""
    path: dict[str, Any] = _path_choice(sources)[2]["ByteMatchStatement"]
    return path


def _drop_override(sources: Sources, name: str) -> None:
    for rule in source_acl(sources)["Rules"]:
        managed = rule["Statement"].get("ManagedRuleGroupStatement", {})
        managed["RuleActionOverrides"] = [
            o for o in managed.get("RuleActionOverrides", []) if o["Name"] != name
        ]


def _drop_label(sources: Sources) -> None:
    labels = source_rule(sources, "QueryRulesOutsideCategoryFilter")["Statement"]["AndStatement"][
        "Statements"
    ][0]
    labels["OrStatement"]["Statements"].pop(2)


MUTATIONS: Mutations = {
    "GenericLFI_QUERYARGUMENTS blocks again": (
        lambda s: _drop_override(s, "GenericLFI_QUERYARGUMENTS"),
        check_query_argument_rules_block_everywhere_but_the_category_filter,
    ),
    "SQLi_QUERYARGUMENTS blocks again": (
        lambda s: _drop_override(s, "SQLi_QUERYARGUMENTS"),
        check_query_argument_rules_block_everywhere_but_the_category_filter,
    ),
    "a counted query rule no longer blocks elsewhere": (
        _drop_label,
        check_query_argument_rules_block_everywhere_but_the_category_filter,
    ),
    "label rule before the groups": (
        lambda s: source_rule(s, "QueryRulesOutsideCategoryFilter").update(Priority=2),
        check_query_argument_rules_block_everywhere_but_the_category_filter,
    ),
    "exemption on any path ending in /products": (
        lambda s: _label_rule_path(s).update(PositionalConstraint="ENDS_WITH", SearchString="/products"),
        check_query_argument_rules_block_everywhere_but_the_category_filter,
    ),
    "exemption for another stage": (
        lambda s: resource(s, "Waf")["Parameters"].update(ApiStageName="prod"),
        check_query_argument_rules_block_everywhere_but_the_category_filter,
    ),
    "exemption without the preflight": (
        lambda s: _exemption(s)[0]["OrStatement"]["Statements"].pop(1),
        check_query_argument_rules_block_everywhere_but_the_category_filter,
    ),
    "exemption for a path with a trailing slash": (
        lambda s: _label_rule_path(s).update(SearchString={"Fn::Sub": "/${ApiStageName}/products/"}),
        check_query_argument_rules_block_everywhere_but_the_category_filter,
    ),
    "custom domain's path without a stage not exempted": (
        lambda s: _path_choice(s).__setitem__(1, _path_choice(s)[2]),
        check_query_argument_rules_block_everywhere_but_the_category_filter,
    ),
    "path without a stage exempted with no custom domain": (
        lambda s: _path_choice(s).__setitem__(2, _path_choice(s)[1]),
        check_query_argument_rules_block_everywhere_but_the_category_filter,
    ),
    "WAF never told about the custom domain": (
        lambda s: resource(s, "Waf")["Parameters"].update(ServedOnCustomDomain="false"),
        check_query_argument_rules_block_everywhere_but_the_category_filter,
    ),
}

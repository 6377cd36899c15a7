"""Tests whose outcome differs behind AWS WAF, marked when the suite runs against a deployed stack (the target
`deployed` of targets.py).

The local server emulates waf.yaml's own rules (tools/local_api/waf.py: the body and query string size
limits, and the label rule wherever it does not hang on a managed group's label), not AWS's managed rule
groups or the rate-based rule (docs/local.md says why). Each entry below names the test, the WAF rule that
answers it deployed (403 WAF_FILTERED, or the rate rule's 429), and why; an entry applies only while waf.yaml
lets that rule block: in a managed group without `OverrideAction: Count`, the rule is not overridden to
Count/Allow in `RuleActionOverrides`, or it is and a later rule blocks on its label. So the marks follow the
template. Registered by one import in conftest.py.

Managed rules: https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-baseline.html
(core rule set: bodies over 8 KB, query strings over 2,048 bytes, path traversal, XSS) and
https://docs.aws.amazon.com/waf/latest/developerguide/aws-managed-rule-groups-use-case.html (SQL injection).
Rate-based rules: https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-type-rate-based-caveats.html
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from targets import DEPLOYED, current

CORE = "AWSManagedRulesCommonRuleSet"
SQLI = "AWSManagedRulesSQLiRuleSet"
RATE = "RateLimitPerIp"  # the WebACL's own rate-based rule (waf.yaml)


@dataclass(frozen=True)
class Difference:
    tests: str  # fnmatch pattern(s), "|"-separated, on the node id relative to tests/e2e
    rules: tuple[tuple[str, str], ...]  # (WebACL rule or managed group, rule inside the group or "")
    reason: str


DIFFERENCES = [
    Difference(
        "test_e2e_body_fuzz.py::*",
        ((RATE, ""),),
        "sends thousands of requests from one IP within minutes: WAF answers 429 past WafRateLimit",
    ),
    Difference(
        "test_e2e_body_fuzz.py::*",
        ((CORE, "SizeRestrictions_BODY"), (CORE, "CrossSiteScripting_BODY"), (SQLI, "SQLi_BODY")),
        "valid bodies over 8 KB, or with HTML or SQL text, are WAF's 403 while a managed body rule blocks",
    ),
    Difference(
        "test_e2e_gateway_fidelity.py::test_a_body_of_exactly_the_limit_passes_waf",
        ((CORE, "SizeRestrictions_BODY"),),
        "a 64 KiB body is over the core rule set's 8 KB body limit",
    ),
    Difference(
        "test_e2e_gateway_fidelity.py::test_the_largest_valid_bodies_are_accepted*",
        ((CORE, "SizeRestrictions_BODY"),),
        "the largest valid bodies (up to ~27 KB) are over the core rule set's 8 KB body limit",
    ),
    Difference(
        "test_e2e_gateway_fidelity.py::test_json_of_any_depth_*-[5-9][0-9][0-9][0-9]]"
        "|test_e2e_gateway_fidelity.py::test_json_of_any_depth_*-[0-9][0-9][0-9][0-9][0-9]]",
        ((CORE, "SizeRestrictions_BODY"),),
        "bodies nested 5,000 levels or more are over 8 KB: WAF's 403, not the 400 the test expects",
    ),
    Difference(
        "test_e2e_crud.py::test_strings_are_data*",
        ((CORE, "CrossSiteScripting_BODY"), (SQLI, "SQLi_BODY")),
        "a name with HTML and SQL text is WAF's 403 while the body rules of those groups block",
    ),
    Difference(
        # On the products list the query argument rules only count (its category filter is data).
        "test_e2e_lists.py::test_bad_cursor_is_400[[]users-..%2F]",
        ((CORE, "GenericLFI_QUERYARGUMENTS"),),
        "'..%2F' in the query is path traversal to the core rule set",
    ),
]


def blocking(acl: Mapping[str, Any], group: str, rule: str) -> bool:
    """Whether the WebACL lets `rule` of `group` (or its own rule named `group`) block requests."""
    for entry in acl.get("Rules") or []:
        managed = (entry.get("Statement") or {}).get("ManagedRuleGroupStatement")
        if entry.get("Name") == group and managed is None:
            return "Block" in (entry.get("Action") or {})
        if managed is None or managed.get("Name") != group:
            continue
        if "Count" in (entry.get("OverrideAction") or {}):
            return False
        overridden = {
            str(o.get("Name"))
            for o in managed.get("RuleActionOverrides") or []
            if {"Count", "Allow"} & set(o.get("ActionToUse") or {})
        }
        excluded = {str(e.get("Name")) for e in managed.get("ExcludedRules") or []}
        return not rule or rule not in overridden | excluded or _blocked_on_label(acl, entry, rule)
    return False


def _blocked_on_label(acl: Mapping[str, Any], group_entry: Mapping[str, Any], rule: str) -> bool:
    """Whether a rule after the group blocks on the label of the group's counted `rule` (on some requests).
    AWS labels a managed rule as awswaf:managed:aws:<group>:<its name, differently cased>."""
    for entry in acl.get("Rules") or []:
        if int(entry.get("Priority", 0)) <= int(group_entry.get("Priority", 0)) or "Block" not in (
            entry.get("Action") or {}
        ):
            continue
        keys = _label_keys(entry.get("Statement"))
        if any(key.rsplit(":", 1)[-1].lower() == rule.lower() for key in keys):
            return True
    return False


def _label_keys(node: Any) -> list[str]:
    if isinstance(node, list):
        return [key for item in node for key in _label_keys(item)]
    if not isinstance(node, Mapping):
        return []
    own = [str(node["LabelMatchStatement"].get("Key"))] if "LabelMatchStatement" in node else []
    return own + [key for value in node.values() for key in _label_keys(value)]


def _web_acl() -> Mapping[str, Any]:
    from tools.local_api.stack import load_stack  # only against a deployed stack

    acl = load_stack(Path(__file__).resolve().parents[2] / "template.yaml", "us-east-1").web_acl
    return acl or {}


@pytest.hookimpl(specname="pytest_collection_modifyitems")
def pytest_collection_modifyitems_waf(config: pytest.Config, items: list[pytest.Item]) -> None:
    if current() is not DEPLOYED:
        return  # the local server answers as it is documented to; sam local has no WAF at all
    acl = _web_acl()
    here = Path(__file__).parent
    for item in items:
        path = Path(str(item.fspath))
        if not path.is_relative_to(here):
            continue
        node = f"{path.relative_to(here).as_posix()}::{item.nodeid.split('::', 1)[-1]}"
        for difference in DIFFERENCES:
            active = [f"{g}/{r}" if r else g for g, r in difference.rules if blocking(acl, g, r)]
            if active and any(fnmatch.fnmatchcase(node, p) for p in difference.tests.split("|")):
                reason = f"behind WAF ({', '.join(active)}): {difference.reason}"
                item.add_marker(pytest.mark.skip(reason=reason))
                break

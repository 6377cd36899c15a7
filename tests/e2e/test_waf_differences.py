"""The classification of tests that differ behind WAF (waf_differences.py) follows waf.yaml and names real
tests."""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any

import pytest
from waf_differences import CORE, DIFFERENCES, RATE, blocking

HERE = Path(__file__).parent


def _acl(*, group_override: str = "None", rule_overrides: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "Rules": [
            {"Name": RATE, "Action": {"Block": {}}, "Statement": {"RateBasedStatement": {"Limit": 2000}}},
            {
                "Name": CORE,
                "OverrideAction": {group_override: {}},
                "Statement": {
                    "ManagedRuleGroupStatement": {
                        "VendorName": "AWS",
                        "Name": CORE,
                        "RuleActionOverrides": [
                            {"Name": n, "ActionToUse": {"Count": {}}} for n in rule_overrides
                        ],
                    }
                },
            },
        ]
    }


def test_a_rule_blocks_unless_waf_yaml_counts_it() -> None:
    assert blocking(_acl(), CORE, "SizeRestrictions_BODY")
    assert not blocking(_acl(rule_overrides=("SizeRestrictions_BODY",)), CORE, "SizeRestrictions_BODY")
    assert blocking(_acl(rule_overrides=("SizeRestrictions_BODY",)), CORE, "CrossSiteScripting_BODY")
    assert not blocking(_acl(group_override="Count"), CORE, "CrossSiteScripting_BODY")
    assert blocking(_acl(), RATE, "")
    assert not blocking(_acl(), "AWSManagedRulesSQLiRuleSet", "SQLi_BODY")  # not in the WebACL at all


def test_a_counted_rule_still_blocks_where_a_later_rule_blocks_on_its_label() -> None:
    acl = _acl(rule_overrides=("GenericLFI_QUERYARGUMENTS",))
    assert not blocking(acl, CORE, "GenericLFI_QUERYARGUMENTS")
    label_rule = {
        "Name": "Relabel",
        "Priority": 9,
        "Action": {"Block": {}},
        "Statement": {
            "AndStatement": {
                "Statements": [
                    {
                        "LabelMatchStatement": {
                            "Scope": "LABEL",
                            "Key": "awswaf:managed:aws:core-rule-set:GenericLFI_QueryArguments",
                        }
                    },
                    {"NotStatement": {"Statement": {"ByteMatchStatement": {}}}},
                ]
            }
        },
    }
    relabelled = {"Rules": [*acl["Rules"], label_rule]}
    assert blocking(relabelled, CORE, "GenericLFI_QUERYARGUMENTS")
    assert blocking(relabelled, CORE, "GenericRFI_QUERYARGUMENTS")
    counting = {"Rules": [*acl["Rules"], {**label_rule, "Action": {"Count": {}}}]}
    assert not blocking(counting, CORE, "GenericLFI_QUERYARGUMENTS")
    earlier = {"Rules": [*acl["Rules"], {**label_rule, "Priority": -1}]}
    assert not blocking(earlier, CORE, "GenericLFI_QUERYARGUMENTS"), (
        "a label match before the group sees nothing"
    )


def test_every_difference_names_a_collected_test(request: pytest.FixtureRequest) -> None:
    if request.config.option.keyword or request.config.option.markexpr:
        pytest.skip("-k/-m deselect tests: the collected set is not the suite")
    nodes = [
        f"{Path(str(item.fspath)).relative_to(HERE).as_posix()}::{item.nodeid.split('::', 1)[-1]}"
        for item in request.session.items
        if Path(str(item.fspath)).is_relative_to(HERE)
    ]
    files = {node.split("::", 1)[0] for node in nodes}
    for difference in DIFFERENCES:
        patterns = [p for p in difference.tests.split("|") if p.split("::", 1)[0] in files]
        for pattern in patterns:  # only files collected in this run can be judged
            assert any(fnmatch.fnmatchcase(node, pattern) for node in nodes), pattern

"""The policy evaluator behind the execution-role checks decides as IAM documents it (iam_policy.py cites)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.delivery.iam_policy import Request, decide

TABLE = "arn:aws:dynamodb:us-east-1:111122223333:table/app-dev-Users-1A2B"
ALLOW_TABLES = {
    "Effect": "Allow",
    "Action": "dynamodb:Describe*",
    "Resource": "arn:aws:dynamodb:*:*:table/app-dev-*",
}


def test_wildcards_match_actions_case_insensitively_and_resources_exactly() -> None:
    assert decide([ALLOW_TABLES], Request("DynamoDB:describetable", TABLE)) == "Allow"
    assert decide([ALLOW_TABLES], Request("dynamodb:DeleteTable", TABLE)) == "ImplicitDeny"
    assert decide([ALLOW_TABLES], Request("dynamodb:DescribeTable", TABLE.replace("app-dev", "APP-dev"))) == (
        "ImplicitDeny"
    )
    single = {**ALLOW_TABLES, "Resource": "arn:aws:dynamodb:*:*:table/app-de?-*"}
    assert decide([single], Request("dynamodb:DescribeTable", TABLE)) == "Allow"


def test_an_explicit_deny_wins_and_not_action_excludes() -> None:
    deny_all_but_describe = {"Effect": "Deny", "NotAction": "dynamodb:DescribeTable", "Resource": TABLE}
    statements = [{**ALLOW_TABLES, "Action": "dynamodb:*"}, deny_all_but_describe]
    assert decide(statements, Request("dynamodb:DescribeTable", TABLE)) == "Allow"
    assert decide(statements, Request("dynamodb:DeleteTable", TABLE)) == "Deny"


def test_resource_star_is_only_matched_by_a_star_or_a_pattern_that_covers_it() -> None:
    scoped = {
        "Effect": "Allow",
        "Action": "logs:DescribeLogGroups",
        "Resource": "arn:aws:logs:*:*:log-group:app-*",
    }
    wildcard = {**scoped, "Resource": "arn:aws:logs:*:*:log-group:*"}
    request = Request("logs:DescribeLogGroups", "arn:aws:logs:us-east-1:111122223333:log-group:*")
    assert decide([scoped], request) == "ImplicitDeny"
    assert decide([wildcard], request) == "Allow"
    assert decide([scoped], Request("logs:DescribeLogGroups", "*")) == "ImplicitDeny"


def tagged(condition: dict[str, Any]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "kms:*", "Resource": "*", "Condition": condition}


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        (
            {"StringEquals": {"aws:ResourceTag/stack": "app-dev"}},
            {"aws:ResourceTag/stack": "app-dev"},
            "Allow",
        ),
        ({"StringEquals": {"aws:ResourceTag/stack": "app-dev"}}, {}, "ImplicitDeny"),  # missing key: false
        ({"StringNotEquals": {"aws:ResourceTag/stack": "app-dev"}}, {}, "Allow"),  # negated, missing: true
        ({"StringEqualsIfExists": {"aws:ResourceTag/stack": "app-dev"}}, {}, "Allow"),
        (
            {"StringEqualsIfExists": {"aws:ResourceTag/stack": "app-dev"}},
            {"aws:ResourceTag/stack": "x"},
            "ImplicitDeny",
        ),
        ({"Null": {"aws:ResourceTag/stack": "false"}}, {}, "ImplicitDeny"),
        ({"Null": {"aws:ResourceTag/stack": "true"}}, {}, "Allow"),
        (
            {"StringLike": {"aws:ResourceTag/stack": ["app-*", "other"]}},
            {"aws:ResourceTag/stack": "app-dev"},
            "Allow",
        ),
        (
            {"ArnLike": {"iam:PolicyARN": "arn:aws:iam::*:policy/app-*"}},
            {"iam:PolicyARN": "arn:aws:iam::1:policy/x"},
            "ImplicitDeny",
        ),
        ({"Bool": {"kms:GrantIsForAWSResource": "true"}}, {"kms:GrantIsForAWSResource": "true"}, "Allow"),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a", "b"]}}, {"aws:TagKeys": ["a"]}, "Allow"),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": ["a", "c"]}, "ImplicitDeny"),
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, {}, "Allow"),  # an empty set: true
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, {}, "ImplicitDeny"),
        ({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}, {"aws:TagKeys": ["c", "a"]}, "Allow"),
    ],
)
def test_conditions(condition: dict[str, Any], context: dict[str, Any], expected: str) -> None:
    assert decide([tagged(condition)], Request("kms:DescribeKey", "*", context)) == expected


def test_every_condition_block_must_hold() -> None:
    both = tagged(
        {
            "StringEquals": {"kms:ViaService": "lambda.us-east-1.amazonaws.com"},
            "Null": {"aws:ResourceTag/s": "false"},
        }
    )
    assert decide(
        [both], Request("kms:Decrypt", "*", {"kms:ViaService": "lambda.us-east-1.amazonaws.com"})
    ) == ("ImplicitDeny")


def test_an_unknown_operator_is_refused_rather_than_passed() -> None:
    with pytest.raises(ValueError, match="NumericLessThan"):
        decide(
            [tagged({"NumericLessThan": {"s3:TlsVersion": "1.2"}})],
            Request("kms:Decrypt", "*", {"s3:TlsVersion": "1.0"}),
        )

"""Data the stack keeps: tables that outlive the stack and are protected in prod, idempotency records that
expire on the attribute the code writes, failed events reachable only over TLS and kept only a while."""

from __future__ import annotations

import ast

from tests.templates.rules.base import Check, Mutations, resource, statement, tables
from tests.templates.stack import ROOT, Stack, evaluate

IDEMPOTENCY_MODULE = ROOT / "layers" / "api_common" / "api_common" / "idempotency.py"
# Failed asynchronous events carry request payloads: kept long enough to investigate, then gone.
FAILED_EVENTS_MAX_DAYS = 30


def _item_keys() -> set[str]:
    """The string keys of the dict literals the idempotency module builds (its record's attributes)."""
    tree = ast.parse(IDEMPOTENCY_MODULE.read_text(encoding="utf-8"))
    return {
        key.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        for key in node.keys
        if isinstance(key, ast.Constant) and isinstance(key.value, str)
    }


def check_tables_outlive_the_stack(stack: Stack) -> None:
    template = stack.sources.template
    for name in tables(stack):
        table = stack.resources[name]
        assert (table.get("DeletionPolicy"), table.get("UpdateReplacePolicy")) == ("Retain", "Retain"), (
            f"{name}: deleting or replacing the stack would delete its data"
        )
        protection = table["Properties"].get("DeletionProtectionEnabled")
        assert evaluate(protection, template, {"Environment": "prod"}) is True, f"{name} unprotected in prod"
        assert evaluate(protection, template, {"Environment": "dev"}) is False, f"{name} undeletable in dev"


def check_idempotency_records_expire(stack: Stack) -> None:
    ttl = stack.resources["IdempotencyTable"]["Properties"].get("TimeToLiveSpecification", {})
    assert ttl.get("Enabled") is True, "idempotency records would be kept forever"
    assert ttl["AttributeName"] in _item_keys(), f"the code writes no {ttl['AttributeName']!r} attribute"


def check_failed_events_are_tls_only_and_expire(stack: Stack) -> None:
    (policy,) = [
        p["Properties"]
        for p in stack.of_type("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": "FailedEventsBucket"}
    ]
    denies = [
        s
        for s in policy["PolicyDocument"]["Statement"]
        if s["Effect"] == "Deny"
        and s.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false"
    ]
    assert len(denies) == 1, "the bucket accepts plain HTTP"
    (deny,) = denies
    assert (deny["Principal"], deny["Action"]) == ("*", "s3:*")
    assert {"Fn::GetAtt": ["FailedEventsBucket", "Arn"]} in deny["Resource"]
    assert {"Fn::Sub": "${FailedEventsBucket.Arn}/*"} in deny["Resource"]
    bucket = stack.resources["FailedEventsBucket"]["Properties"]
    (expiry,) = bucket["LifecycleConfiguration"]["Rules"]
    assert expiry["Status"] == "Enabled"
    assert expiry["ExpirationInDays"] <= FAILED_EVENTS_MAX_DAYS
    assert expiry["NoncurrentVersionExpiration"]["NoncurrentDays"] <= FAILED_EVENTS_MAX_DAYS


def check_cursor_key_is_strong(stack: Stack) -> None:
    """The cursor HMAC key: at least as long as SHA-256's output (RFC 2104, section 3)."""
    secret = stack.resources["CursorSigningSecret"]["Properties"]
    assert secret["GenerateSecretString"]["PasswordLength"] >= 32


CHECKS: list[Check] = [
    check_tables_outlive_the_stack,
    check_idempotency_records_expire,
    check_failed_events_are_tls_only_and_expire,
    check_cursor_key_is_strong,
]

MUTATIONS: Mutations = {
    "table deleted with the stack": (
        lambda s: s.template["Resources"]["UsersTable"].pop("DeletionPolicy"),
        check_tables_outlive_the_stack,
    ),
    "no deletion protection in prod": (
        lambda s: resource(s, "ProductsTable").update(DeletionProtectionEnabled=False),
        check_tables_outlive_the_stack,
    ),
    "idempotency table without TTL": (
        lambda s: resource(s, "IdempotencyTable").pop("TimeToLiveSpecification"),
        check_idempotency_records_expire,
    ),
    "TTL on an attribute the code does not write": (
        lambda s: resource(s, "IdempotencyTable")["TimeToLiveSpecification"].update(AttributeName="ttl"),
        check_idempotency_records_expire,
    ),
    "bucket accepts plain HTTP": (
        lambda s: resource(s, "FailedEventsBucketPolicy")["PolicyDocument"]["Statement"].remove(
            statement(
                resource(s, "FailedEventsBucketPolicy")["PolicyDocument"]["Statement"],
                "DenyInsecureTransport",
            )
        ),
        check_failed_events_are_tls_only_and_expire,
    ),
    "failed events kept for a year": (
        lambda s: resource(s, "FailedEventsBucket")["LifecycleConfiguration"]["Rules"][0].update(
            ExpirationInDays=365
        ),
        check_failed_events_are_tls_only_and_expire,
    ),
    "short cursor key": (
        lambda s: resource(s, "CursorSigningSecret")["GenerateSecretString"].update(PasswordLength=16),
        check_cursor_key_is_strong,
    ),
}

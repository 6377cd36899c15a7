"""Create DynamoDB tables from template.yaml's own definitions (for moto, DynamoDB Local or any endpoint).

Tests and the local server call `create_tables` so that the key schema, attribute types and indexes they run
against are the ones CloudFormation deploys; there is no second, hand-written copy to drift. Properties that
only make sense in AWS (KMS keys, point-in-time recovery, deletion protection, tags, streams) are dropped.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

DEFAULT_TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"

# create_table arguments that carry the data model; everything else in the resource is deployment detail.
_TABLE_KEYS = ("AttributeDefinitions", "KeySchema", "BillingMode", "ProvisionedThroughput")
_INDEX_KEYS = ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")


class _CfnLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader that reads CloudFormation short-form tags (!Ref, !Sub, !GetAtt, ...) as long-form dicts.
    libyaml's when PyYAML has it: the same safe constructors, several times faster on template.yaml."""


def _construct_tag(loader: yaml.SafeLoader, tag_suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    elif isinstance(node, yaml.MappingNode):
        value = loader.construct_mapping(node, deep=True)
    else:  # pragma: no cover - YAML has no fourth node kind
        raise yaml.constructor.ConstructorError(None, None, f"unexpected node {node!r}", node.start_mark)
    if tag_suffix == "Ref":
        return {"Ref": value}
    if tag_suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{tag_suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


def load_template(template: Path = DEFAULT_TEMPLATE) -> dict[str, Any]:
    """Parse a CloudFormation/SAM template, short-form intrinsic tags included."""
    with template.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass
    return document


def table_definition(template: Mapping[str, Any], logical_id: str, table_name: str) -> dict[str, Any]:
    """The create_table arguments for one AWS::DynamoDB::Table resource of a parsed template."""
    resource = template["Resources"][logical_id]
    if resource.get("Type") != "AWS::DynamoDB::Table":
        raise ValueError(f"{logical_id} is {resource.get('Type')!r}, not AWS::DynamoDB::Table")
    properties: Mapping[str, Any] = resource["Properties"]
    definition: dict[str, Any] = {key: properties[key] for key in _TABLE_KEYS if key in properties}
    indexes = [
        {key: index[key] for key in _INDEX_KEYS if key in index}
        for index in properties.get("GlobalSecondaryIndexes", [])
    ]
    if indexes:
        definition["GlobalSecondaryIndexes"] = indexes
    definition.setdefault("BillingMode", "PAY_PER_REQUEST")
    _reject_intrinsics(logical_id, definition)
    definition["TableName"] = table_name
    return definition


def time_to_live_attribute(template: Mapping[str, Any], logical_id: str) -> str | None:
    """The TTL attribute of a table resource, or None when TTL is not enabled."""
    ttl = template["Resources"][logical_id]["Properties"].get("TimeToLiveSpecification") or {}
    return ttl.get("AttributeName") if ttl.get("Enabled") is True else None


def create_tables(
    dynamodb: Any,
    tables: Mapping[str, str],
    template: Path = DEFAULT_TEMPLATE,
) -> None:
    """Create each table `{logical_id: physical_name}` with its definition from `template`.

    `dynamodb` is a boto3 DynamoDB client bound to the target endpoint (moto, DynamoDB Local, AWS).
    Tables that already exist are left as they are, so a restarted local server keeps its data.
    """
    document = _read_only_template(template.resolve(), template.stat().st_mtime_ns)
    existing = set(_table_names(dynamodb))
    for logical_id, table_name in tables.items():
        if table_name in existing:
            continue
        dynamodb.create_table(**table_definition(document, logical_id, table_name))
        dynamodb.get_waiter("table_exists").wait(TableName=table_name)
        attribute = time_to_live_attribute(document, logical_id)
        if attribute:
            dynamodb.update_time_to_live(
                TableName=table_name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute},
            )


@functools.lru_cache(maxsize=8)
def _read_only_template(template: Path, _mtime_ns: int) -> dict[str, Any]:
    # create_tables only reads the document: one parse per template version serves every call (each
    # integration test creates its tables afresh).
    return load_template(template)


def _table_names(dynamodb: Any) -> Iterable[str]:
    for page in dynamodb.get_paginator("list_tables").paginate():
        yield from page["TableNames"]


def _reject_intrinsics(logical_id: str, value: Any) -> None:
    # A data-model property computed by an intrinsic (!If, !Ref) cannot be reproduced outside CloudFormation.
    if isinstance(value, Mapping):
        if any(key == "Ref" or key.startswith("Fn::") for key in value):
            raise ValueError(f"{logical_id}: intrinsic function in a table property: {value}")
        for item in value.values():
            _reject_intrinsics(logical_id, item)
    elif isinstance(value, list):
        for item in value:
            _reject_intrinsics(logical_id, item)

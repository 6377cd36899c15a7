"""tools/local_api/moto_order: the same item order as moto's own sorting, on every key type and shape."""

import random
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import Table

from tools.local_api import moto_order

ORIGINAL_ALL_ITEMS = Table.all_items
ORIGINAL_SORTED_ITEMS = Table.sorted_items
ACCOUNT, REGION = "123456789012", "eu-west-1"


def _value(kind: str, rng: random.Random) -> dict[str, Any]:
    if kind == "N":  # negative, zero, fractions and exponents: numeric order is not string order
        sign, fraction = rng.choice(["-", ""]), rng.choice(["", ".5", ".25", "e1", "e-1", ".0001"])
        return {"N": f"{sign}{rng.randrange(200)}{fraction}"}
    if kind == "B":
        return {"B": bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4)))}
    return {"S": rng.choice(["a", "B", "b", "é", "10", "9", "z"]) + str(rng.randrange(40))}


def _table(
    dynamodb: Any, name: str, hash_type: str, range_type: str | None, gsi: tuple[str, str | None]
) -> None:
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attributes = {"pk": hash_type, "g": gsi[0]}
    if range_type:
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
        attributes["sk"] = range_type
    index_keys = [{"AttributeName": "g", "KeyType": "HASH"}]
    if gsi[1]:
        index_keys.append({"AttributeName": "gr", "KeyType": "RANGE"})
        attributes["gr"] = gsi[1]
    dynamodb.create_table(
        TableName=name,
        KeySchema=keys,
        AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t in attributes.items()],
        GlobalSecondaryIndexes=[
            {"IndexName": "byG", "KeySchema": index_keys, "Projection": {"ProjectionType": "ALL"}}
        ],
        BillingMode="PAY_PER_REQUEST",
    )


SHAPES = [  # (hash type, range type, GSI hash type, GSI range type)
    ("S", None, "S", None),
    ("N", None, "N", "S"),
    ("B", None, "S", "N"),
    ("S", "N", "S", "B"),
    ("N", "S", "B", None),
    ("B", "B", "N", "N"),
]


@pytest.fixture
def tables() -> Iterator[list[Table]]:
    rng = random.Random(20261129)  # noqa: S311 - reproducible test data, not secrets
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        for number, (hash_type, range_type, gsi_hash, gsi_range) in enumerate(SHAPES):
            name = f"t{number}"
            _table(dynamodb, name, hash_type, range_type, (gsi_hash, gsi_range))
            for _ in range(120):
                item = {"pk": _value(hash_type, rng), "g": _value(gsi_hash, rng)}
                if range_type:
                    item["sk"] = _value(range_type, rng)
                if gsi_range and rng.random() < 0.8:  # some items stay out of the index
                    item["gr"] = _value(gsi_range, rng)
                dynamodb.put_item(TableName=name, Item=item)
        backend = dynamodb_backends[ACCOUNT][REGION]
        yield [backend.get_table(f"t{number}") for number in range(len(SHAPES))]


@pytest.mark.parametrize(
    "shape", range(len(SHAPES)), ids=lambda n: "hash {}, range {}, gsi {}/{}".format(*SHAPES[n])
)
def test_the_table_order_is_moto_s(tables: list[Table], shape: int) -> None:
    table = tables[shape]
    original = ORIGINAL_ALL_ITEMS(table)
    assert len(original) > 40  # enough distinct keys for the order to mean something
    assert [id(item) for item in moto_order.all_items(table)] == [id(item) for item in original]


@pytest.mark.parametrize(
    "shape", range(len(SHAPES)), ids=lambda n: "hash {}, range {}, gsi {}/{}".format(*SHAPES[n])
)
def test_the_index_order_is_moto_s(tables: list[Table], shape: int) -> None:
    table = tables[shape]
    index = table.get_index("byG")
    names = [key["AttributeName"] for key in index.schema]
    hash_attrs = [names[0], table.hash_key_attr]
    range_attrs = [names[1] if len(names) > 1 else None, table.range_key_attr]
    items = table.has_idx_items("byG")
    original = ORIGINAL_SORTED_ITEMS(table, hash_attrs, range_attrs, list(items))
    patched = moto_order.sorted_items(table, hash_attrs, range_attrs, list(items))
    assert [id(item) for item in patched] == [id(item) for item in original]
    assert len({item.attrs["g"] for item in original}) < len(original)  # ties on the index key were broken


def _pages(dynamodb: Any, operation: str, **request: Any) -> list[Any]:
    pages: list[Any] = []
    start = None
    while len(pages) < 100:  # 120 items in pages of 7: more would mean the pages go round in circles
        page = getattr(dynamodb, operation)(
            **request, Limit=7, **({"ExclusiveStartKey": start} if start else {})
        )
        pages.append([page["Items"], page.get("LastEvaluatedKey")])
        start = page.get("LastEvaluatedKey")
        if start is None:
            return pages
    raise AssertionError(f"{operation} did not reach the end of the table in 100 pages")


def _reads() -> list[Any]:
    """Every page of a Scan, an index Scan and index Queries both ways, on each table."""
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    answers = []
    for number in range(len(SHAPES)):
        name = f"t{number}"
        answers.append(_pages(dynamodb, "scan", TableName=name))
        answers.append(_pages(dynamodb, "scan", TableName=name, IndexName="byG"))
        some_g = dynamodb.scan(TableName=name, Limit=1)["Items"][0]["g"]
        for forward in (True, False):
            answers.append(
                _pages(
                    dynamodb,
                    "query",
                    TableName=name,
                    IndexName="byG",
                    ScanIndexForward=forward,
                    KeyConditionExpression="g = :g",
                    ExpressionAttributeValues={":g": some_g},
                )
            )
    return answers


@pytest.mark.usefixtures("tables")
def test_pages_through_the_api_are_moto_s(monkeypatch: pytest.MonkeyPatch) -> None:
    original = _reads()
    for owner, attribute, replacement in moto_order.PATCHES:
        monkeypatch.setattr(owner, attribute, replacement)
    assert _reads() == original
    assert sum(len(pages) for pages in original) > 6 * 4  # the reads were paged

"""moto's item ordering, compared on plain values instead of through DynamoType's Python comparisons.

Every Scan and Query in moto first lists the whole table sorted by its key (`Table.all_items`), and a GSI
Query sorts its matches again by the index's key (`Table.sorted_items`). Both sort DynamoType objects, whose
`<` and `==` are Python methods that recompute `cast_value` on every comparison: n log n calls per read, most
of the local API's time once a table holds a few hundred items.

DynamoType compares by `cast_value` (`__lt__`, and `__eq__` too when the types are equal, as they are within
one key attribute: a key attribute has one declared type, S, N or B,
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeDefinition.html). So sorting by
`cast_value` itself, computed once per item, gives the same order: Python's sort is stable and compares the
same values. The equivalence is tested against moto's own code (tests/local_api/test_moto_order.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table


def _plain(value: DynamoType) -> Any:
    """What DynamoType.cast_value gives, without its chain of type tests for the three key types."""
    if value.type == "N":
        return Decimal(value.value)
    if value.type in ("S", "B"):
        return value.value
    return value.cast_value


def _table_order(item: Item) -> Any:
    # moto's own key: (hash, range) where the item has a range key, else the hash key alone.
    return (_plain(item.hash_key), _plain(item.range_key)) if item.range_key else _plain(item.hash_key)


def all_items(self: Table) -> list[Item]:
    """Table.all_items: every item, in the table's key order."""
    if self.range_key_attr:
        items = [item for by_range in self.items.values() for item in by_range.values()]
    else:
        items = list(self.items.values())
    return sorted(items, key=_table_order)


def sorted_items(
    self: Table, hash_key_attrs: list[str], range_key_attrs: list[str | None], items: list[Item]
) -> list[Item]:
    """Table.sorted_items: `items` sorted in place by the index's key attributes, then the table's."""
    names = self._generate_attr_to_sort_by(hash_key_attrs, range_key_attrs)
    items.sort(key=lambda item: tuple(_plain(item.attrs[name]) for name in names))
    return items


PATCHES: tuple[tuple[object, str, object], ...] = (
    (Table, "all_items", all_items),
    (Table, "sorted_items", sorted_items),
)

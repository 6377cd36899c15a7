"""The stored record: what every item of a versioned table holds, and what a write of it is told or answers.

A service's record type (users.repository.UserRecord, ...) adds its own attributes to `Record`. Items are
read into records in one place (`as_record`, called by `tables.VersionedTable`), so the layers above use a
record's fields as they are typed and convert nothing.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NotRequired, TypedDict, cast

from api_common.dynamo import Item


class Record(TypedDict):
    """What every item of a versioned table holds, by its DynamoDB attribute names."""

    id: str
    version: int
    createdAt: str
    updatedAt: str
    createdBy: NotRequired[str]  # the IAM principal that created it, when the gateway named one
    updatedBy: NotRequired[str]


def as_record(item: Item) -> Record:
    """A deserialized item as a Record: DynamoDB's numbers deserialize as Decimal, a version is an int."""
    return cast(Record, {**item, "version": int(item["version"])})


@dataclass(frozen=True, slots=True)
class Change:
    """A full replacement of a record's own attributes, made in place (`VersionedTable.update`)."""

    attributes: Mapping[str, Any]
    removed: tuple[str, ...]  # optional attributes the replacement does not carry
    updated_at: str
    principal: str | None


class ConditionFailedError[R: Record](Exception):
    """A single write's condition failed; `current` is the record the write found (None: there was none).

    DynamoDB returns that item with the failure when the write asks for ReturnValuesOnConditionCheckFailure
    ALL_OLD, so telling "missing" (404) from "changed" (412) costs no extra read:
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateItem.html
    """

    def __init__(self, current: R | None) -> None:
        super().__init__("condition failed")
        self.current = current

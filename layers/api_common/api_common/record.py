"""The stored record: what every item of a versioned table holds, and the change a write in place makes.

A service's record type (users.repository.UserRecord, ...) adds its own attributes to `Record`. Items are
read into records in one place (`as_record`, called by `versioned_table.VersionedTable`), so the layers above
use a record's fields as they are typed and convert nothing. A failed write's errors: `api_common.errors`.
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

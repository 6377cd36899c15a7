"""The write algorithms of api_common.writes on repositories that stand in for DynamoDB: the paths the HTTP
tests reach only in a race (a conditional write that lost to another writer after a read settled its
condition)."""

from typing import Any

import pytest

from api_common.errors import (
    ConcurrentChangeError,
    ConditionFailedError,
    PreconditionFailedError,
    RecordNotFoundError,
)
from api_common.etags import IfMatch
from api_common.preconditions import Preconditions
from api_common.record import Change, Record
from api_common.versioned_table import WriteCondition
from api_common.writes import WRITE_ATTEMPTS, Collection, delete_in_one_request, replace

T = "2026-11-29T00:00:00.000Z"
ID = "6f1c2e3d-4b5a-4c6d-8e7f-901a2b3c4d5e"


def stored(version: int) -> Record:
    return {"id": ID, "version": version, "createdAt": T, "updatedAt": T}


class Table:
    """Each write fails its condition while `losses` last, finding the record at the next version."""

    def __init__(self, losses: int, found: Record | None = None) -> None:
        self.losses = losses
        self.found = found
        self.conditions: list[WriteCondition] = []

    def get(self, item_id: str) -> Record:
        return stored(1)

    def _write(self, condition: WriteCondition) -> None:
        self.conditions.append(condition)
        if self.losses:
            self.losses -= 1
            raise ConditionFailedError(self.found)

    def update(self, item_id: str, change: Change, condition: WriteCondition) -> Record:
        self._write(condition)
        return {**stored(2), **change.attributes}  # type: ignore[typeddict-item]

    def delete_if(self, item_id: str, condition: WriteCondition) -> None:
        self._write(condition)


# More If-Match fields than DynamoDB's IN takes: the condition is settled by a read, on the version read.
MANY_TAGS = Preconditions(if_match=IfMatch(any_version=False, opaque_tags=frozenset(map(str, range(1, 150)))))


def run(write: str, table: Table, preconditions: Preconditions) -> Any:
    things = Collection("Thing", table)
    if write == "replace":
        return replace(things, ID, {"name": "x"}, preconditions, None, fields=("name",))
    return delete_in_one_request(things, ID, preconditions)


@pytest.mark.parametrize("write", ["replace", "delete"])
def test_a_race_lost_after_the_read_is_tried_again(write: str) -> None:
    table = Table(losses=1, found=stored(2))  # another writer made version 2, which the client accepts too
    run(write, table, MANY_TAGS)
    assert [condition.versions for condition in table.conditions] == [frozenset({1}), frozenset({1})]


@pytest.mark.parametrize("write", ["replace", "delete"])
def test_a_race_lost_every_time_ends_in_a_conflict(write: str) -> None:
    table = Table(losses=WRITE_ATTEMPTS, found=stored(2))
    with pytest.raises(ConcurrentChangeError):
        run(write, table, MANY_TAGS)
    assert len(table.conditions) == WRITE_ATTEMPTS


@pytest.mark.parametrize("write", ["replace", "delete"])
def test_a_failed_condition_tells_missing_from_changed(write: str) -> None:
    with pytest.raises(RecordNotFoundError):
        run(write, Table(losses=1), Preconditions())
    only_version_1 = Preconditions(if_match=IfMatch(any_version=False, opaque_tags=frozenset({"1"})))
    with pytest.raises(PreconditionFailedError):
        run(write, Table(losses=1, found=stored(2)), only_version_1)

"""What every stored record carries (id, timestamps, version, audit principals) and how it changes safely.

`create`, `replace` and `remove`/`delete` are the write paths of both services, on a `Collection`: the
service's repository and the kind of record it holds, bound once at the handler's init. A service's logic
module adds only its own rules (e.g. email uniqueness) around them. Each write is one DynamoDB request where
one suffices: `replace` and `delete` write without reading first, and read the record only from a failed
condition's answer.
"""

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, Protocol, cast

from api_common.dynamo import Item, VersionConflictError
from api_common.observability import count, logger
from api_common.preconditions import Preconditions
from api_common.problems import Problem, not_found
from api_common.stored import Change, ConditionFailedError, Record
from api_common.tables import JoinedWrite, WriteCondition

# Concurrent writers without If-Match re-read and try again this many times before giving up with 409.
WRITE_ATTEMPTS = 3


def utc_now() -> str:
    """RFC 3339 UTC timestamp with millisecond precision, e.g. 2026-11-25T17:00:00.000Z."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def canonical_id(candidate: str) -> str | None:
    """The id if it is a UUID in canonical form, else None (anything else cannot name a stored item)."""
    try:
        parsed = uuid.UUID(candidate)
    except ValueError:
        return None
    return candidate if str(parsed) == candidate else None


@dataclass(frozen=True, slots=True)
class Collection[Store]:
    """A service's records of one kind, in its repository; built once, at the handler's init.

    The kind names the records in problems ("User not found."), log lines and metrics (UserCreated).
    """

    kind: str
    repository: Store


class Readable[R: Record](Protocol):
    def get(self, item_id: str) -> R | None: ...


class Creatable[R: Record](Protocol):
    """`create` writes the record and, joined, the idempotency record in the same transaction."""

    def create(self, record: R, joined: JoinedWrite | None = None) -> None: ...


class Updatable[R: Record](Readable[R], Protocol):
    """A record changed in place (VersionedTable.update): ConditionFailedError carries the record found;
    `replace` (conditional on `current`'s version) serves when a condition of the repository's own failed."""

    def update(self, item_id: str, change: Change, condition: WriteCondition) -> R: ...
    def replace(self, current: R, record: R) -> None: ...


class Removable[R: Record](Readable[R], Protocol):
    """A record whose deletion needs what it holds: `delete` is conditional on `current`'s version."""

    def delete(self, current: R) -> None: ...


class Deletable(Readable[Record], Protocol):
    def delete_if(self, item_id: str, condition: WriteCondition) -> None: ...


def find[R: Record](repository: Readable[R], raw_id: str) -> R | None:
    """The record a path id names; a malformed id names nothing (and never reaches the table)."""
    item_id = canonical_id(raw_id)
    return repository.get(item_id) if item_id else None


def read[R: Record](collection: Collection[Readable[R]], raw_id: str) -> R:
    record = find(collection.repository, raw_id)
    if record is None:
        raise _missing(collection.kind)
    return record


def new_record(attributes: Mapping[str, Any], principal: str | None) -> Item:
    now = utc_now()
    record: Item = {"id": str(uuid.uuid4()), **attributes, "createdAt": now, "updatedAt": now, "version": 1}
    if principal:
        record["createdBy"] = record["updatedBy"] = principal
    return record


def replacement(current: Record, attributes: Mapping[str, Any], principal: str | None) -> Item:
    """The full replacement of `current`: new attributes, same identity and creation, next version."""
    record: Item = {
        "id": current["id"],
        **attributes,
        "createdAt": current["createdAt"],
        "updatedAt": utc_now(),
        "version": current["version"] + 1,
    }
    if "createdBy" in current:
        record["createdBy"] = current["createdBy"]
    if principal:
        record["updatedBy"] = principal
    return record


def change[R: Record, T](
    collection: Collection[Readable[R]], raw_id: str, preconditions: Preconditions, write: Callable[[R], T]
) -> T:
    """Read-check-write with optimistic concurrency.

    `write` must be conditional on the version it was given and raise VersionConflictError when that
    version is no longer current. The preconditions are checked on the version read, so they hold for the
    version written; the next read after a lost race fails them (412) or finds nothing (404), and an
    unconditional change is retried on the new version: never lost.
    """
    for _ in range(WRITE_ATTEMPTS):
        current = read(collection, raw_id)
        preconditions.require(current)
        try:
            return write(current)
        except VersionConflictError:
            continue
    raise _conflict(collection.kind)


def _missing(kind: str) -> Problem:
    return not_found(f"{kind} not found.")


def _conflict(kind: str) -> Problem:
    return Problem(HTTPStatus.CONFLICT, f"{kind} is being changed concurrently; retry the request.")


def _existing_id(raw_id: str, kind: str) -> str:
    item_id = canonical_id(raw_id)
    if item_id is None:
        raise _missing(kind)
    return item_id


def _write_condition(
    collection: Collection[Readable[Record]], item_id: str, preconditions: Preconditions
) -> WriteCondition:
    """The preconditions as a condition DynamoDB checks with the write; those it cannot check in one
    condition are settled by a read first (404, 412, or the one version that passed)."""
    return preconditions.write_condition(lambda: read(collection, item_id))


def _refusal[R: Record](kind: str, current: R | None, preconditions: Preconditions) -> R:
    """Why a conditional write failed: 404 (none), 412 (a precondition fails), else the record found."""
    if current is None:
        raise _missing(kind)
    preconditions.require(current)
    return current


def _written(kind: str, event: str, item_id: str, **details: Any) -> None:
    count(f"{kind}{event}")  # UserCreated, ProductDeleted, ...
    logger.info(f"{kind.lower()} {event.lower()}", extra={"item_id": item_id, **details})


def create[R: Record](
    collection: Collection[Creatable[R]],
    attributes: Mapping[str, Any],
    principal: str | None,
    claim: JoinedWrite | None = None,
) -> R:
    """POST; with a claim, a repeated key raises idempotency.Replay (or 422) and writes nothing."""
    # The service's attributes (as its request model validated them) and the bookkeeping: its record type.
    record = cast(R, new_record(attributes, principal))
    collection.repository.create(record, claim)
    _written(collection.kind, "Created", record["id"])
    return record


def replace[R: Record](
    collection: Collection[Updatable[R]],
    raw_id: str,
    attributes: Mapping[str, Any],
    preconditions: Preconditions,
    principal: str | None,
    *,
    fields: Iterable[str],
) -> R:
    """PUT: full replacement of an existing record (never an upsert), next version.

    One conditional update. When it fails on a condition of the repository's own (a user's email changed)
    rather than existence or a precondition, the repository's full `replace` runs on the record the failure
    returned, conditional on its version; a lost race there is retried (unconditional PUT) or ends in 412.
    """
    kind, repository = collection.kind, collection.repository
    item_id = _existing_id(raw_id, kind)
    removed = tuple(name for name in fields if name not in attributes)
    for _ in range(WRITE_ATTEMPTS):
        condition = _write_condition(collection, item_id, preconditions)
        try:
            record = repository.update(item_id, Change(attributes, removed, utc_now(), principal), condition)
        except ConditionFailedError as failed:
            found: R | None = failed.current
            current = _refusal(kind, found, preconditions)
            record = cast(R, replacement(current, attributes, principal))  # as in `create`
            try:
                repository.replace(current, record)
            except VersionConflictError:
                continue
        _written(kind, "Updated", record["id"], version=record["version"])
        return record
    raise _conflict(kind)


def remove[R: Record](
    collection: Collection[Removable[R]], raw_id: str, preconditions: Preconditions
) -> None:
    """DELETE of a record whose deletion needs what it holds (a user's email marker): read, then write."""
    change(collection, raw_id, preconditions, collection.repository.delete)
    _written(collection.kind, "Deleted", raw_id)


def delete(collection: Collection[Deletable], raw_id: str, preconditions: Preconditions) -> None:
    """DELETE in one conditional request: nothing to read first, and no race to lose without preconditions."""
    item_id = _existing_id(raw_id, collection.kind)
    try:
        collection.repository.delete_if(item_id, _write_condition(collection, item_id, preconditions))
    except ConditionFailedError as failed:
        found: Record | None = failed.current
        _refusal(collection.kind, found, preconditions)
        raise _conflict(collection.kind) from failed  # it was there at an accepted version: cannot happen
    _written(collection.kind, "Deleted", item_id)

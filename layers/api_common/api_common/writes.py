"""The write algorithms both services share: read, create, replace in place, and the two ways to delete.

They work on a `Collection`: the service's repository and the kind of record it holds, bound once at the
handler's init, and call only what every repository offers (get, create, update, delete_if). A service's
own writes (a user's email marker) stay in its logic and repository, which use the steps here (`refused`,
`replacement`, `retry_on_conflict`). Each write is one DynamoDB request where one suffices: `replace` and
`delete_in_one_request` write without reading first, and read the record only from a failed condition's
answer. Refusals are domain errors (`api_common.errors`); the resolver renders them.
"""

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol, cast

from api_common.dynamo import Item
from api_common.errors import (
    ConcurrentChangeError,
    ConditionFailedError,
    RecordNotFoundError,
    VersionConflictError,
)
from api_common.observability import count, logger
from api_common.preconditions import Preconditions
from api_common.record import Change, Record
from api_common.versioned_table import JoinedWrite, WriteCondition

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

    The kind names the records in errors ("User not found."), log lines and metrics (UserCreated).
    """

    kind: str
    repository: Store


class Readable[R: Record](Protocol):
    def get(self, item_id: str) -> R | None: ...


class Creatable[R: Record](Protocol):
    """`create` writes the record and, joined, the idempotency record in the same transaction; it returns
    the record stored (a replay's, when the joined write says the request was made before)."""

    def create(self, record: R, joined: JoinedWrite | None = None) -> R: ...


class Updatable[R: Record](Readable[R], Protocol):
    """A record changed in place (VersionedTable.update): ConditionFailedError carries the record found."""

    def update(self, item_id: str, change: Change, condition: WriteCondition) -> R: ...


class Deletable(Readable[Record], Protocol):
    def delete_if(self, item_id: str, condition: WriteCondition) -> None: ...


def find[R: Record](repository: Readable[R], raw_id: str) -> R | None:
    """The record a path id names; a malformed id names nothing (and never reaches the table)."""
    item_id = canonical_id(raw_id)
    return repository.get(item_id) if item_id else None


def read[R: Record](collection: Collection[Readable[R]], raw_id: str) -> R:
    record = find(collection.repository, raw_id)
    if record is None:
        raise RecordNotFoundError(collection.kind)
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


def retry_on_conflict[T](kind: str, attempt: Callable[[], T]) -> T:
    """`attempt()` again while it loses its race (VersionConflictError), at most WRITE_ATTEMPTS times: an
    unconditional change is retried on the new version, never lost; then 409."""
    for _ in range(WRITE_ATTEMPTS):
        try:
            return attempt()
        except VersionConflictError:
            continue
    raise ConcurrentChangeError(kind)


def change[R: Record, T](
    collection: Collection[Readable[R]], raw_id: str, preconditions: Preconditions, write: Callable[[R], T]
) -> T:
    """Read-check-write with optimistic concurrency.

    `write` must be conditional on the version it was given and raise VersionConflictError when that
    version is no longer current. The preconditions are checked on the version read, so they hold for the
    version written; the next read after a lost race fails them (412) or finds nothing (404).
    """

    def attempt() -> T:
        current = read(collection, raw_id)
        preconditions.require(current)
        return write(current)

    return retry_on_conflict(collection.kind, attempt)


def existing_id(raw_id: str, kind: str) -> str:
    """The id of a record that may exist; a malformed id names none (404, and no request to the table)."""
    item_id = canonical_id(raw_id)
    if item_id is None:
        raise RecordNotFoundError(kind)
    return item_id


def _write_condition(
    collection: Collection[Readable[Record]], item_id: str, preconditions: Preconditions
) -> WriteCondition:
    """The preconditions as a condition DynamoDB checks with the write; those it cannot check in one
    condition are settled by a read first (404, 412, or the one version that passed)."""
    return preconditions.write_condition(lambda: read(collection, item_id))


def refused[R: Record](kind: str, failed: ConditionFailedError[R], preconditions: Preconditions) -> R:
    """Why a conditional write failed: RecordNotFoundError (no record), PreconditionFailedError, else the
    record found. That record meets the preconditions: the write lost a race with the version a read settled
    on, or a condition of the repository's own failed (a user's stored email is not the one sent)."""
    if failed.current is None:
        raise RecordNotFoundError(kind)
    preconditions.require(failed.current)
    return failed.current


def written(kind: str, event: str, item_id: str, **details: Any) -> None:
    count(f"{kind}{event}")  # UserCreated, ProductDeleted, ...
    logger.info(f"{kind.lower()} {event.lower()}", extra={"item_id": item_id, **details})


def create[R: Record](
    collection: Collection[Creatable[R]],
    attributes: Mapping[str, Any],
    principal: str | None,
    claim: JoinedWrite | None = None,
) -> R:
    """POST; with a claim, a repeated key returns the first request's record and writes nothing (or raises
    the claim's refusal)."""
    # The service's attributes (as its request model validated them) and the bookkeeping: its record type.
    record = cast(R, new_record(attributes, principal))
    stored = collection.repository.create(record, claim)
    if stored is record:
        written(collection.kind, "Created", record["id"])
    return stored


def update_in_place[R: Record](
    collection: Collection[Updatable[R]],
    item_id: str,
    attributes: Mapping[str, Any],
    preconditions: Preconditions,
    principal: str | None,
    *,
    fields: Iterable[str],
) -> R:
    """One conditional update: the full replacement of an existing record (never an upsert), next version.

    A failed condition raises ConditionFailedError with the record found (see `refused`).
    """
    removed = tuple(name for name in fields if name not in attributes)
    condition = _write_condition(collection, item_id, preconditions)
    change = Change(attributes, removed, utc_now(), principal)
    record = collection.repository.update(item_id, change, condition)
    written(collection.kind, "Updated", record["id"], version=record["version"])
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
    """PUT of a record with no condition of its own: one conditional update, again after a lost race."""
    item_id = existing_id(raw_id, collection.kind)

    def attempt() -> R:
        try:
            return update_in_place(collection, item_id, attributes, preconditions, principal, fields=fields)
        except ConditionFailedError as failed:
            refused(collection.kind, failed, preconditions)
            raise VersionConflictError from failed

    return retry_on_conflict(collection.kind, attempt)


def delete_after_read[R: Record](
    collection: Collection[Readable[R]],
    raw_id: str,
    preconditions: Preconditions,
    delete: Callable[[R], None],
) -> None:
    """DELETE of a record whose deletion needs what it holds (a user's email marker): read, then `delete`
    conditional on the version read."""
    change(collection, raw_id, preconditions, delete)
    written(collection.kind, "Deleted", raw_id)


def delete_in_one_request(
    collection: Collection[Deletable], raw_id: str, preconditions: Preconditions
) -> None:
    """DELETE in one conditional request: nothing to read first, and no race to lose without preconditions."""
    item_id = existing_id(raw_id, collection.kind)

    def attempt() -> None:
        try:
            collection.repository.delete_if(item_id, _write_condition(collection, item_id, preconditions))
        except ConditionFailedError as failed:
            refused(collection.kind, failed, preconditions)
            raise VersionConflictError from failed

    retry_on_conflict(collection.kind, attempt)
    written(collection.kind, "Deleted", item_id)

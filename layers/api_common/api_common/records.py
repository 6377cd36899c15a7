"""What every stored item carries (id, timestamps, version, audit principals) and how it changes safely.

`create`, `replace` and `remove`/`delete` are the write paths of both services; a service's logic module adds
only its own rules (e.g. email uniqueness) around them. Each write is one DynamoDB request where one suffices:
`replace` and `delete` write without reading first, and read the item only from a failed condition's answer.
"""

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, Protocol

from api_common.dynamo import ConditionFailedError, Item, VersionConflictError
from api_common.etags import IfMatch
from api_common.idempotency import Claim
from api_common.observability import count, logger
from api_common.problems import Problem, not_found
from api_common.tables import MAX_VERSIONS

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


class Readable(Protocol):
    def get(self, item_id: str) -> Item | None: ...


class Creatable(Protocol):
    """`create` writes the item and, given a claim, the idempotency record in the same transaction."""

    def create(self, item: Item, claim: Claim | None = None) -> None: ...


class Repository(Readable, Creatable, Protocol):
    """Versioned writes; replace and delete must be conditional on `current`'s version."""

    def replace(self, current: Item, item: Item) -> None: ...
    def delete(self, current: Item) -> None: ...


class Updatable(Readable, Protocol):
    """An item replaced in place (VersionedTable.update): ConditionFailedError carries the item found;
    `replace` (conditional on `current`'s version) serves when a condition of the repository's own failed."""

    def replace(self, current: Item, item: Item) -> None: ...

    def update(
        self,
        item_id: str,
        attributes: Mapping[str, Any],
        removed: Iterable[str],
        *,
        updated_at: str,
        principal: str | None,
        versions: frozenset[int] | None,
    ) -> Item: ...


class Deletable(Readable, Protocol):
    def delete_if(self, item_id: str, versions: frozenset[int] | None) -> None: ...


def find(repository: Readable, raw_id: str) -> Item | None:
    """The item a path id names; a malformed id names nothing (and never reaches the table)."""
    item_id = canonical_id(raw_id)
    return repository.get(item_id) if item_id else None


def read(repository: Readable, raw_id: str, *, kind: str) -> Item:
    item = find(repository, raw_id)
    if item is None:
        raise not_found(f"{kind} not found.")
    return item


def new_record(attributes: Mapping[str, Any], principal: str | None) -> Item:
    now = utc_now()
    record: Item = {"id": str(uuid.uuid4()), **attributes, "createdAt": now, "updatedAt": now, "version": 1}
    if principal:
        record["createdBy"] = record["updatedBy"] = principal
    return record


def replacement(current: Item, attributes: Mapping[str, Any], principal: str | None) -> Item:
    """The full replacement of `current`: new attributes, same identity and creation, next version."""
    record: Item = {
        "id": current["id"],
        **attributes,
        "createdAt": current["createdAt"],
        "updatedAt": utc_now(),
        "version": int(current["version"]) + 1,
    }
    if "createdBy" in current:
        record["createdBy"] = current["createdBy"]
    if principal:
        record["updatedBy"] = principal
    return record


def change[T](
    repository: Readable,
    raw_id: str,
    if_match: IfMatch | None,
    write: Callable[[Item], T],
    *,
    kind: str,
) -> T:
    """Read-check-write with optimistic concurrency.

    `write` must be conditional on the version it was given and raise VersionConflictError when that
    version is no longer current. With If-Match, the next read then fails the precondition (412) or
    finds nothing (404); without it, the change is retried on the new version: unconditional, never lost.
    """
    for _ in range(WRITE_ATTEMPTS):
        current = read(repository, raw_id, kind=kind)
        if if_match is not None:
            if_match.require(int(current["version"]))
        try:
            return write(current)
        except VersionConflictError:
            continue
    raise _conflict(kind)


def _conflict(kind: str) -> Problem:
    return Problem(HTTPStatus.CONFLICT, f"{kind} is being changed concurrently; retry the request.")


def _existing_id(raw_id: str, kind: str) -> str:
    item_id = canonical_id(raw_id)
    if item_id is None:
        raise not_found(f"{kind} not found.")
    return item_id


def _accepted_versions(
    repository: Readable, item_id: str, if_match: IfMatch | None, *, kind: str
) -> frozenset[int] | None:
    """The versions a write may apply to (None: any), as a condition DynamoDB can check.

    Only canonical integers can equal a version's ETag. A header that names none (412 whatever is stored) is
    settled by a read instead: 404, 412, or the one version that matched. (64 characters hold at most 16
    tags, so DynamoDB's limit of 100 IN values is a guard, not a path.)
    """
    if if_match is None or if_match.any_version:
        return None
    versions = if_match.versions
    if 0 < len(versions) <= MAX_VERSIONS:
        return versions
    current = read(repository, item_id, kind=kind)
    if_match.require(int(current["version"]))
    return frozenset({int(current["version"])})


def _refusal(current: Item | None, if_match: IfMatch | None, *, kind: str) -> Item:
    """Why a conditional write failed: 404 (no item), 412 (If-Match does not match), else the item found."""
    if current is None:
        raise not_found(f"{kind} not found.")
    if if_match is not None:
        if_match.require(int(current["version"]))
    return current


def _written(kind: str, event: str, item_id: str, **details: Any) -> None:
    count(f"{kind}{event}")  # UserCreated, ProductDeleted, ...
    logger.info(f"{kind.lower()} {event.lower()}", extra={"item_id": item_id, **details})


def create(
    repository: Creatable,
    attributes: Mapping[str, Any],
    principal: str | None,
    *,
    kind: str,
    claim: Claim | None = None,
) -> Item:
    """POST; with a claim, a repeated key raises idempotency.Replay (or 422) and writes nothing."""
    item = new_record(attributes, principal)
    repository.create(item, claim)
    _written(kind, "Created", item["id"])
    return item


def replace(
    repository: Updatable,
    raw_id: str,
    attributes: Mapping[str, Any],
    if_match: IfMatch | None,
    principal: str | None,
    *,
    fields: Iterable[str],
    kind: str,
) -> Item:
    """PUT: full replacement of an existing item (never an upsert), next version.

    One conditional update. When it fails on a condition of the repository's own (a user's email changed)
    rather than existence or If-Match, the repository's full `replace` runs on the item the failure returned,
    conditional on its version; a lost race there is retried (unconditional PUT) or ends in 412 (If-Match).
    """
    item_id = _existing_id(raw_id, kind)
    removed = [name for name in fields if name not in attributes]
    for _ in range(WRITE_ATTEMPTS):
        versions = _accepted_versions(repository, item_id, if_match, kind=kind)
        try:
            item = repository.update(
                item_id, attributes, removed, updated_at=utc_now(), principal=principal, versions=versions
            )
        except ConditionFailedError as failed:
            current = _refusal(failed.current, if_match, kind=kind)
            item = replacement(current, attributes, principal)
            try:
                repository.replace(current, item)
            except VersionConflictError:
                continue
        _written(kind, "Updated", item["id"], version=item["version"])
        return item
    raise _conflict(kind)


def remove(repository: Repository, raw_id: str, if_match: IfMatch | None, *, kind: str) -> None:
    """DELETE of an item whose deletion needs what it holds (a user's email marker): read, then write."""
    change(repository, raw_id, if_match, repository.delete, kind=kind)
    _written(kind, "Deleted", raw_id)


def delete(repository: Deletable, raw_id: str, if_match: IfMatch | None, *, kind: str) -> None:
    """DELETE in one conditional request: nothing to read first, and no race to lose without If-Match."""
    item_id = _existing_id(raw_id, kind)
    try:
        repository.delete_if(item_id, _accepted_versions(repository, item_id, if_match, kind=kind))
    except ConditionFailedError as failed:
        _refusal(failed.current, if_match, kind=kind)
        raise _conflict(kind) from failed  # the item was there at an accepted version: cannot happen
    _written(kind, "Deleted", item_id)

"""What every stored item carries (id, timestamps, version, audit principals) and how it changes safely.

`create`, `replace` and `remove` are the write paths of both services; a service's logic module adds only
its own rules (e.g. email uniqueness) around them.
"""

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, Protocol

from api_common.dynamo import Item, VersionConflictError
from api_common.etags import IfMatch
from api_common.observability import count, logger
from api_common.problems import Problem, not_found

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


class Repository(Readable, Protocol):
    """Versioned writes; replace and delete must be conditional on `current`'s version."""

    def create(self, item: Item) -> None: ...
    def replace(self, current: Item, item: Item) -> None: ...
    def delete(self, current: Item) -> None: ...


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
    raise Problem(HTTPStatus.CONFLICT, f"{kind} is being changed concurrently; retry the request.")


def _written(kind: str, event: str, item_id: str, **details: Any) -> None:
    count(f"{kind}{event}")  # UserCreated, ProductDeleted, ...
    logger.info(f"{kind.lower()} {event.lower()}", extra={"item_id": item_id, **details})


def create(
    repository: Repository, attributes: Mapping[str, Any], principal: str | None, *, kind: str
) -> Item:
    item = new_record(attributes, principal)
    repository.create(item)
    _written(kind, "Created", item["id"])
    return item


def replace(
    repository: Repository,
    raw_id: str,
    attributes: Mapping[str, Any],
    if_match: IfMatch | None,
    principal: str | None,
    *,
    kind: str,
) -> Item:
    """PUT: full replacement of an existing item (never an upsert), next version."""

    def write(current: Item) -> Item:
        item = replacement(current, attributes, principal)
        repository.replace(current, item)
        return item

    item = change(repository, raw_id, if_match, write, kind=kind)
    _written(kind, "Updated", item["id"], version=item["version"])
    return item


def remove(repository: Repository, raw_id: str, if_match: IfMatch | None, *, kind: str) -> None:
    change(repository, raw_id, if_match, repository.delete, kind=kind)
    _written(kind, "Deleted", raw_id)

"""What every stored item carries (id, timestamps, version, audit principals) and how it changes safely."""

import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, Protocol

from api_common.dynamo import Item, VersionConflictError
from api_common.etags import IfMatch
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


def find(repository: Readable, raw_id: str) -> Item | None:
    """The item a path id names; a malformed id names nothing (and never reaches the table)."""
    item_id = canonical_id(raw_id)
    return repository.get(item_id) if item_id else None


def read(repository: Readable, raw_id: str, what: str) -> Item:
    item = find(repository, raw_id)
    if item is None:
        raise not_found(f"{what} not found.")
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
    what: str,
) -> T:
    """Read-check-write with optimistic concurrency.

    `write` must be conditional on the version it was given and raise VersionConflictError when that
    version is no longer current. With If-Match, the next read then fails the precondition (412) or
    finds nothing (404); without it, the change is retried on the new version: unconditional, never lost.
    """
    for _ in range(WRITE_ATTEMPTS):
        current = read(repository, raw_id, what)
        if if_match is not None:
            if_match.require(int(current["version"]))
        try:
            return write(current)
        except VersionConflictError:
            continue
    raise Problem(HTTPStatus.CONFLICT, f"{what} is being changed concurrently; retry the request.")

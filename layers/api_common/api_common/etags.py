"""Entity tags and If-Match (RFC 9110 section 13.1.1): the ETag of an item is its version, quoted."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from api_common.errors import InvalidFieldError, PreconditionFailedError
from api_common.limits import MAX_CONDITIONAL_HEADER_LENGTH as MAX_LENGTH
from api_common.syntax import OWS

HEADER = "If-Match"
_ENTITY_TAG = re.compile(r'[ \t]*(W/)?"([^"]*)"[ \t]*')


def etag(version: int) -> str:
    return f'"{version}"'


def versions_named(opaque_tags: Iterable[str]) -> frozenset[int]:
    """The versions entity tags can name: only a canonical decimal integer ("1", not "01" or "1.0") is an
    ETag this API gives, and versions stay far below 10**18, so longer digit runs name none."""
    return frozenset(
        int(tag)
        for tag in opaque_tags
        if tag.isascii() and tag.isdigit() and len(tag) <= 18 and str(int(tag)) == tag
    )


@dataclass(frozen=True, slots=True)
class IfMatch:
    """A parsed If-Match header: `*` (any current version) or a set of entity tags.

    If-Match uses the strong comparison: weak tags (W/"1") and malformed members never match, so they are
    simply not kept; a header that keeps nothing fails every precondition with 412. A field outside the
    declared 1 to 64 characters is a malformed request (400), whatever the item. The list may come in
    several fields (`If-Match: "1"` and `If-Match: "2"` is `If-Match: "1", "2"`, RFC 9110 section 5.3).
    """

    any_version: bool
    opaque_tags: frozenset[str]

    @classmethod
    def parse(cls, fields: Sequence[str]) -> "IfMatch | None":
        """All the header's fields, in order; None when there is none."""
        if not fields:
            return None
        if any(not 1 <= len(field) <= MAX_LENGTH for field in fields):
            raise InvalidFieldError(HEADER, f"Must be 1 to {MAX_LENGTH} characters.")
        header = ",".join(fields)
        if header.strip(OWS) == "*":
            return cls(any_version=True, opaque_tags=frozenset())
        tags = frozenset(
            match.group(2)
            for match in map(_ENTITY_TAG.fullmatch, header.split(","))
            if match is not None and match.group(1) is None
        )
        return cls(any_version=False, opaque_tags=tags)

    @property
    def versions(self) -> frozenset[int]:
        return versions_named(self.opaque_tags)

    def require(self, current_version: int) -> None:
        """Raise 412 unless the current version satisfies this precondition."""
        if not self.any_version and str(current_version) not in self.opaque_tags:
            raise PreconditionFailedError(
                f"If-Match does not match the current ETag {etag(current_version)}; "
                "fetch the resource again and retry with its ETag."
            )

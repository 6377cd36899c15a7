"""The preconditions of PUT and DELETE (RFC 9110 section 13): If-Match, If-None-Match, If-Unmodified-Since.

Each is evaluated, in the order of section 13.2.2, against the record the write would change, and atomically:
the write's own condition carries the same tests (`write_condition`), or the write is conditional on the exact
version the tests passed on. A header that cannot be read is a 400, never ignored.

- If-Match (13.1.1): see etags.IfMatch (strong comparison; 412 when no member matches).
- If-Unmodified-Since (13.1.4): 412 when the record changed after the date; ignored when If-Match is present,
  as the RFC requires (If-Match is the exact test). HTTP dates have whole seconds, so `updatedAt` counts by
  its second: a client that read the record at 17:00:00.250 and sends `17:00:00 GMT` passes, and a change in
  the same second goes unseen (If-Match sees it). The RFC says to ignore a date it cannot parse; this API
  refuses it (400) instead, since ignoring it would turn a conditional write into an unconditional one.
- If-None-Match (13.1.2): weak comparison; 412 when a member matches the current ETag, and `*` is 412 for
  any existing record. PUT never creates and DELETE needs a record, so with `*` the answer is 412 or 404.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from api_common.errors import InvalidFieldError, PreconditionFailedError
from api_common.etags import IfMatch, etag, versions_named
from api_common.limits import MAX_CONDITIONAL_HEADER_LENGTH as MAX_LENGTH
from api_common.record import Record
from api_common.syntax import OWS
from api_common.versioned_table import MAX_VERSIONS, WriteCondition

IF_NONE_MATCH = "If-None-Match"
IF_UNMODIFIED_SINCE = "If-Unmodified-Since"
# One member of an entity-tag list (RFC 9110 sections 8.8.3 and 5.6.1): optional whitespace, an entity tag
# (etagc: visible ASCII but `"`; not obs-text, which no ETag of this API holds) or nothing (an empty
# element), whitespace, then a comma or the end.
_LIST_MEMBER = re.compile(r'[ \t]*(?:(W/)?"([\x21\x23-\x7e]*)")?[ \t]*(?:,|\Z)')

_DAYS = "Mon|Tue|Wed|Thu|Fri|Sat|Sun"
_LONG_DAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH = "|".join(_MONTHS)
_TIME = r"(?P<hour>\d\d):(?P<minute>\d\d):(?P<second>\d\d)"
# RFC 9110 section 5.6.7: IMF-fixdate, and the obsolete rfc850-date and asctime-date that recipients must
# read too. Case-sensitive, GMT only.
_HTTP_DATES = (
    re.compile(rf"(?:{_DAYS}), (?P<day>\d\d) (?P<month>{_MONTH}) (?P<year>\d{{4}}) {_TIME} GMT"),
    re.compile(rf"(?:{_LONG_DAYS}), (?P<day>\d\d)-(?P<month>{_MONTH})-(?P<year>\d\d) {_TIME} GMT"),
    re.compile(rf"(?:{_DAYS}) (?P<month>{_MONTH}) (?P<day>[ \d]\d) {_TIME} (?P<year>\d{{4}})"),
)
_DATE_MESSAGE = "Must be one HTTP-date, e.g. Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110, section 5.6.7)."


def _full_year(two_digits: int, now: datetime) -> int:
    """rfc850-date's year: the most recent year with these last two digits that is not over 50 years ahead."""
    year = now.year - now.year % 100 + two_digits
    return year - 100 if year > now.year + 50 else year


def parse_http_date(value: str, now: datetime | None = None) -> datetime:
    """An HTTP-date as an aware UTC datetime; a 400 for anything else (a list of dates included)."""
    text = value.strip(OWS)
    match = next(filter(None, (pattern.fullmatch(text) for pattern in _HTTP_DATES)), None)
    if match is None:
        raise InvalidFieldError(IF_UNMODIFIED_SINCE, _DATE_MESSAGE)
    year = int(match["year"])
    if len(match["year"]) == 2:
        year = _full_year(year, now or datetime.now(UTC))
    second = int(match["second"])
    try:
        # RFC 9110 allows second 60 (a leap second): it is the first instant of the next minute.
        moment = datetime(
            year,
            _MONTHS.index(match["month"]) + 1,
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            min(second, 59),
            tzinfo=UTC,
        )
    except ValueError:  # 31 Feb, hour 24, year 0 ...
        raise InvalidFieldError(IF_UNMODIFIED_SINCE, _DATE_MESSAGE) from None
    return moment + timedelta(seconds=1) if second == 60 else moment


def _timestamp(moment: datetime) -> str:
    """The form of `updatedAt` (writes.utc_now), so that DynamoDB can compare the two as strings."""
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}.000Z"
    )


def modified_before(date: datetime) -> str | None:
    """The `updatedAt` every record unmodified since `date` is below: the start of the next second (an
    HTTP date has whole seconds). None when no timestamp can be that late (the year 9999 is over)."""
    try:
        return _timestamp(date + timedelta(seconds=1))
    except OverflowError:
        return None


@dataclass(frozen=True, slots=True)
class IfNoneMatch:
    """A parsed If-None-Match: `*`, or entity tags compared weakly (W/"1" matches "1")."""

    any_version: bool
    opaque_tags: frozenset[str]

    @classmethod
    def parse(cls, fields: Sequence[str]) -> "IfNoneMatch | None":
        """All the header's fields (a list may span several); None when absent, 400 when malformed."""
        if not fields:
            return None
        if any(not 1 <= len(field) <= MAX_LENGTH for field in fields):
            raise InvalidFieldError(IF_NONE_MATCH, f"Must be 1 to {MAX_LENGTH} characters.")
        header = ",".join(fields)
        if header.strip(OWS) == "*":
            return cls(any_version=True, opaque_tags=frozenset())
        tags, position = set[str](), 0
        while position < len(header):
            member = _LIST_MEMBER.match(header, position)
            if member is None or member.end() == position:
                break
            if member[2] is not None:
                tags.add(member[2])
            position = member.end()
        if position < len(header) or not tags:
            message = 'Must be * alone or a list of entity tags, e.g. "3" or W/"3".'
            raise InvalidFieldError(IF_NONE_MATCH, message)
        return cls(any_version=False, opaque_tags=frozenset(tags))

    def matches(self, version: int) -> bool:
        return self.any_version or str(version) in self.opaque_tags


@dataclass(frozen=True, slots=True)
class Preconditions:
    """What a PUT or DELETE asks of the current record; all None: an unconditional write."""

    if_match: IfMatch | None = None
    if_none_match: IfNoneMatch | None = None
    if_unmodified_since: datetime | None = None

    @property
    def unmodified_before(self) -> str | None:
        """If-Unmodified-Since as a bound on `updatedAt`; None when absent or ignored (If-Match given)."""
        if self.if_match is not None or self.if_unmodified_since is None:
            return None
        return modified_before(self.if_unmodified_since)

    def require(self, current: Record) -> None:
        """Raise 412 unless `current` meets every precondition (RFC 9110 section 13.2.2, steps 1 to 3)."""
        if self.if_match is not None:
            self.if_match.require(current["version"])
        else:
            bound = self.unmodified_before
            if bound is not None and current["updatedAt"] >= bound:
                raise PreconditionFailedError(
                    f"The item was modified after If-Unmodified-Since (updatedAt {current['updatedAt']}); "
                    "fetch it again and retry."
                )
        if self.if_none_match is not None and self.if_none_match.matches(current["version"]):
            raise PreconditionFailedError(
                f"If-None-Match matches the current ETag {etag(current['version'])}: the item exists."
            )

    def write_condition(self, read: Callable[[], Record]) -> WriteCondition:
        """The same tests as a condition of the write. Those DynamoDB cannot check in one condition are
        settled by `read()`-ing the record (it raises 404 when there is none) and writing on its version:
        If-None-Match: * (412 on any record), If-Match lists that name no version this API issues (412
        whatever is stored), and lists of more versions than DynamoDB's IN takes."""
        versions = None
        if self.if_match is not None and not self.if_match.any_version:
            versions = self.if_match.versions
        excluded = versions_named(self.if_none_match.opaque_tags) if self.if_none_match else frozenset()
        settled_by_read = (
            (self.if_none_match is not None and self.if_none_match.any_version)
            or versions == frozenset()
            or len(versions or ()) > MAX_VERSIONS
            or len(excluded) > MAX_VERSIONS
        )
        if settled_by_read:
            current = read()
            self.require(current)
            return WriteCondition(versions=frozenset({current["version"]}))
        return WriteCondition(versions=versions, not_versions=excluded, updated_before=self.unmodified_before)

"""The readers of If-None-Match and If-Unmodified-Since (api_common.preconditions), on their own."""

from datetime import UTC, datetime

import pytest

from api_common.errors import InvalidFieldError
from api_common.preconditions import IfNoneMatch, modified_before, parse_http_date
from api_common.resolver import domain_problem

NOW = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("Sun, 06 Nov 1994 08:49:37 GMT", datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)),
        ("Sunday, 06-Nov-94 08:49:37 GMT", datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)),
        ("Sun Nov  6 08:49:37 1994", datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)),
        ("Sun Nov 16 08:49:37 1994", datetime(1994, 11, 16, 8, 49, 37, tzinfo=UTC)),
        (" \tSun, 06 Nov 1994 08:49:37 GMT ", datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)),  # OWS
        # Two-digit years (section 5.6.7): more than 50 years ahead means the century before.
        ("Monday, 01-Jan-76 00:00:00 GMT", datetime(2076, 1, 1, tzinfo=UTC)),
        ("Monday, 01-Jan-77 00:00:00 GMT", datetime(1977, 1, 1, tzinfo=UTC)),
        ("Monday, 01-Jan-30 00:00:00 GMT", datetime(2030, 1, 1, tzinfo=UTC)),
        # A leap second is the first instant of the next minute.
        ("Wed, 31 Dec 2036 23:59:60 GMT", datetime(2037, 1, 1, tzinfo=UTC)),
    ],
)
def test_the_three_http_date_formats_are_read(text: str, moment: datetime) -> None:
    assert parse_http_date(text, now=NOW) == moment


@pytest.mark.parametrize(
    "text",
    [
        "Sun, 06 Nov 1994 08:49:37 +0000",
        "Sun, 06 Nov 1994 08:49:37",
        "Sun,  06 Nov 1994 08:49:37 GMT",
        "SUN, 06 NOV 1994 08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994",
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:61:37 GMT",
        "Sun, 06 Nov 0000 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT\u00a0",
        "1994-11-06",
    ],
)
def test_anything_else_is_a_400(text: str) -> None:
    with pytest.raises(InvalidFieldError) as refused:
        parse_http_date(text, now=NOW)
    problem = domain_problem(refused.value)
    assert problem.status == 400
    assert problem.errors[0].field == "If-Unmodified-Since"


def test_the_bound_is_the_next_second_in_the_form_of_updated_at() -> None:
    assert modified_before(datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)) == "1994-11-06T08:49:38.000Z"
    assert modified_before(datetime(999, 1, 1, tzinfo=UTC)) == "0999-01-01T00:00:01.000Z"
    assert modified_before(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)) is None
    # String order is time order for the one format updatedAt is written in.
    bound = modified_before(NOW)
    assert bound == "2026-11-25T17:00:01.000Z"
    assert "2026-11-25T17:00:00.999Z" < bound < "2026-11-25T17:00:01.001Z"


def test_if_none_match_reads_star_and_weak_tags() -> None:
    assert IfNoneMatch.parse([]) is None
    star = IfNoneMatch.parse(["*"])
    assert star is not None
    assert star.any_version
    assert star.matches(7)
    tags = IfNoneMatch.parse(['W/"3", "4"', ' "x" '])
    assert tags == IfNoneMatch(any_version=False, opaque_tags=frozenset({"3", "4", "x"}))
    assert tags.matches(3)
    assert not tags.matches(5)

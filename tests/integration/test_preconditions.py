"""Preconditions other than If-Match on PUT and DELETE (RFC 9110 section 13): If-None-Match and
If-Unmodified-Since are evaluated in the order of section 13.2.2, in the write's own condition, and never
ignored: a value that cannot be read is a 400. Both collections: users change through transactions (email
markers), products through single conditional writes."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from api_common.dynamo import container_client
from tests.integration.conftest import Call
from tests.integration.test_requests import assert_validation_error

BODIES = {"/users": {"name": "A", "email": "a@example.com"}, "/products": {"name": "P", "price": 1}}
CHANGED = {"/users": {"name": "B", "email": "a@example.com"}, "/products": {"name": "Q", "price": 2}}
MISSING = "6f1c2e3d-4b5a-4c6d-8e7f-901a2b3c4d5e"
PRECONDITION_FAILED = "urn:users-products-api:problem:precondition-failed"


@pytest.fixture(params=["/users", "/products"])
def collection(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def item(api: Call, collection: str) -> dict[str, Any]:
    created = api("POST", collection, body=BODIES[collection])
    assert created.status == 201
    return dict(created.body)


def send(api: Call, method: str, collection: str, item_id: str, headers: dict[str, Any]) -> Any:
    body = CHANGED[collection] if method == "PUT" else None
    return api(method, f"{collection}/{item_id}", body=body, headers=headers)


def assert_unchanged(api: Call, collection: str, item: dict[str, Any]) -> None:
    assert api("GET", f"{collection}/{item['id']}").body == item


def assert_412(reply: Any) -> None:
    assert reply.status == 412, reply.raw_body
    assert reply.content_type == "application/problem+json"
    assert reply.body["type"] == PRECONDITION_FAILED


def succeeded(reply: Any, method: str) -> bool:
    return bool(reply.status == (200 if method == "PUT" else 204))


def updated_at(item: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(item["updatedAt"])


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC), usegmt=True)  # IMF-fixdate


METHODS = ["PUT", "DELETE"]


# ---- If-None-Match
@pytest.mark.parametrize("method", METHODS)
def test_if_none_match_star_on_an_existing_item_is_412(
    api: Call, collection: str, item: dict[str, Any], method: str
) -> None:
    reply = send(api, method, collection, item["id"], {"If-None-Match": "*"})
    assert_412(reply)
    assert_unchanged(api, collection, item)


@pytest.mark.parametrize("method", METHODS)
def test_if_none_match_star_on_no_item_is_404(api: Call, collection: str, method: str) -> None:
    """PUT never creates: the precondition holds (nothing exists), and the method then finds nothing."""
    assert send(api, method, collection, MISSING, {"If-None-Match": "*"}).status == 404


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "header",
    ['"1"', 'W/"1"', '"7", "1"', ' "7" ,, W/"1" ', ['"7"', '"1"'], ['"7"', 'W/"1"']],
)
def test_if_none_match_naming_the_current_etag_is_412(
    api: Call, collection: str, item: dict[str, Any], method: str, header: str | list[str]
) -> None:
    """Weak comparison (section 13.1.2): W/"1" matches the ETag "1"; a list may span several fields."""
    assert_412(send(api, method, collection, item["id"], {"If-None-Match": header}))
    assert_unchanged(api, collection, item)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "header", ['"2"', 'W/"2"', '"01"', '"1.0"', '"1,2"', '""', '"7", "8"', ['"7"', '"8"'], ' , "7" ,, ']
)
def test_if_none_match_naming_other_etags_lets_the_write_through(
    api: Call, collection: str, item: dict[str, Any], method: str, header: str | list[str]
) -> None:
    assert succeeded(send(api, method, collection, item["id"], {"If-None-Match": header}), method)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "header",
    [
        "1",
        '"1',
        '*, "1"',
        ["*", '"1"'],
        ["*", "*"],
        '"1" x',
        '"a b"',
        "W/1",
        'w/"1"',
        "",
        "x" * 65,
        [" "],
        '"1"\n',
    ],
)
def test_a_malformed_if_none_match_is_400(
    api: Call, collection: str, item: dict[str, Any], method: str, header: str | list[str]
) -> None:
    reply = send(api, method, collection, item["id"], {"If-None-Match": header})
    assert_validation_error(reply, "If-None-Match")
    assert_unchanged(api, collection, item)


@pytest.mark.parametrize("method", METHODS)
def test_if_match_and_if_none_match_are_both_evaluated(
    api: Call, collection: str, item: dict[str, Any], method: str
) -> None:
    reply = send(api, method, collection, item["id"], {"If-Match": '"1"', "If-None-Match": '"1"'})
    assert_412(reply)
    assert "If-None-Match" in reply.body["detail"]
    reply = send(api, method, collection, item["id"], {"If-Match": '"1"', "If-None-Match": '"2"'})
    assert succeeded(reply, method)


# ---- If-Unmodified-Since
@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("offset", [timedelta(0), timedelta(seconds=1), timedelta(days=400)])
def test_if_unmodified_since_at_or_after_the_last_change_lets_the_write_through(
    api: Call, collection: str, item: dict[str, Any], method: str, offset: timedelta
) -> None:
    """`timedelta(0)`: the date is updatedAt without its milliseconds, as a Last-Modified would say it."""
    since = http_date(updated_at(item).replace(microsecond=0) + offset)
    assert succeeded(send(api, method, collection, item["id"], {"If-Unmodified-Since": since}), method)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "since",
    [
        "Sun, 06 Nov 1994 08:49:37 GMT",  # IMF-fixdate
        "Sunday, 06-Nov-94 08:49:37 GMT",  # rfc850-date: 94 is 1994
        "Sun Nov  6 08:49:37 1994",  # asctime-date
        "one second before",
    ],
)
def test_if_unmodified_since_before_the_last_change_is_412(
    api: Call, collection: str, item: dict[str, Any], method: str, since: str
) -> None:
    if since == "one second before":
        since = http_date(updated_at(item).replace(microsecond=0) - timedelta(seconds=1))
    reply = send(api, method, collection, item["id"], {"If-Unmodified-Since": since})
    assert_412(reply)
    assert "If-Unmodified-Since" in reply.body["detail"]
    assert_unchanged(api, collection, item)


def test_if_unmodified_since_sees_the_change_a_put_made(
    api: Call, collection: str, item: dict[str, Any]
) -> None:
    path = f"{collection}/{item['id']}"
    replaced = api("PUT", path, body=CHANGED[collection]).body
    before_the_put = http_date(updated_at(replaced).replace(microsecond=0) - timedelta(seconds=1))
    assert_412(api("DELETE", path, headers={"If-Unmodified-Since": before_the_put}))
    assert_unchanged(api, collection, replaced)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "since",
    [
        "yesterday",
        "Sun, 06 Nov 1994 08:49:37 UTC",  # only GMT
        "sun, 06 nov 1994 08:49:37 gmt",  # HTTP-date is case-sensitive
        "Sun, 6 Nov 1994 08:49:37 GMT",  # two-digit day
        "Sun, 31 Feb 1994 08:49:37 GMT",  # no such day
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT",  # a list of dates
        "1994-11-06T08:49:37Z",
        "",
    ],
)
def test_an_unreadable_if_unmodified_since_is_400_never_ignored(
    api: Call, collection: str, item: dict[str, Any], method: str, since: str
) -> None:
    """RFC 9110 says to ignore such a date; ignoring would make the write unconditional, so it is a 400."""
    reply = send(api, method, collection, item["id"], {"If-Unmodified-Since": since})
    assert_validation_error(reply, "If-Unmodified-Since")
    assert_unchanged(api, collection, item)


@pytest.mark.parametrize("method", METHODS)
def test_if_unmodified_since_is_ignored_when_if_match_is_present(
    api: Call, collection: str, item: dict[str, Any], method: str
) -> None:
    """Section 13.1.4: If-Match is the exact test; the date then counts for nothing, either way (it must
    still be a date: an unreadable header is a 400 whatever else the request says)."""
    past, future = "Sun, 06 Nov 1994 08:49:37 GMT", "Fri, 31 Dec 9998 23:59:59 GMT"
    assert_412(send(api, method, collection, item["id"], {"If-Match": '"9"', "If-Unmodified-Since": future}))
    reply = send(api, method, collection, item["id"], {"If-Match": '"1"', "If-Unmodified-Since": past})
    assert succeeded(reply, method)


@pytest.mark.parametrize("method", METHODS)
def test_a_date_after_the_year_9999_bound_is_no_obstacle(
    api: Call, collection: str, item: dict[str, Any], method: str
) -> None:
    since = "Fri, 31 Dec 9999 23:59:59 GMT"  # the next second is past what a timestamp can hold
    assert succeeded(send(api, method, collection, item["id"], {"If-Unmodified-Since": since}), method)


@pytest.mark.parametrize("method", METHODS)
def test_preconditions_on_a_missing_item_are_404(api: Call, collection: str, method: str) -> None:
    """Section 13.2.1: a response that would not be 2xx without the preconditions ignores them."""
    headers = {"If-Unmodified-Since": "Sun, 06 Nov 1994 08:49:37 GMT", "If-None-Match": '"1"'}
    assert send(api, method, collection, MISSING, headers).status == 404


# ---- atomic: the preconditions travel with the write
class Calls:
    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.requests.append((model.name, params))


@pytest.fixture
def calls(aws: None) -> Iterator[Calls]:
    client = container_client()  # the handlers' client
    counter = Calls()
    # Fires once per API call with the call's own parameters (before serialisation).
    client.meta.events.register("before-parameter-build.dynamodb.*", counter)
    yield counter
    client.meta.events.unregister("before-parameter-build.dynamodb.*", counter)


@pytest.mark.parametrize(
    "headers",
    [
        {"If-Unmodified-Since": "Sun, 06 Nov 1994 08:49:37 GMT"},
        {"If-None-Match": '"1"'},
        {"If-None-Match": '"2"', "If-Unmodified-Since": "Fri, 31 Dec 9998 23:59:59 GMT"},
    ],
)
@pytest.mark.parametrize("method", METHODS)
def test_a_product_write_with_preconditions_is_one_conditional_request(
    api: Call, calls: Calls, method: str, headers: dict[str, str]
) -> None:
    """No read before the write: the write's ConditionExpression carries the preconditions, so nothing can
    change between the check and the write."""
    product = api("POST", "/products", body=BODIES["/products"]).body
    calls.requests.clear()
    reply = send(api, method, "/products", product["id"], headers)
    ((operation, params),) = calls.requests
    assert operation == ("UpdateItem" if method == "PUT" else "DeleteItem")
    condition = params["ConditionExpression"]
    if "If-Unmodified-Since" in headers:
        assert "#updatedAt < :updatedBefore" in condition
    if "If-None-Match" in headers:
        assert "NOT (#version IN (:nv0))" in condition
    assert reply.status in {200, 204, 412}

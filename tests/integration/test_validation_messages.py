"""The resolver's own words for the pydantic errors whose default message names Python types: every entry of
`api_common.resolver._MESSAGES` is one a request can produce, and the client reads it."""

from typing import Any

import pytest

from api_common import resolver
from tests.integration.conftest import Call
from tests.integration.test_requests import assert_validation_error

# For each rewritten error type, a body that produces it, and the field it names.
PRODUCED_BY = {
    "missing": ({"name": "Pen"}, "price"),
    "is_instance_of": ({"name": "Pen", "price": "1.50"}, "price"),  # a strict Decimal's wrong JSON type
}


@pytest.mark.parametrize("error_type", sorted(resolver._MESSAGES))
def test_each_rewritten_message_reaches_the_client(products_api: Call, error_type: str) -> None:
    body, field = PRODUCED_BY[error_type]  # a KeyError: an entry no request is known to produce
    reply = products_api("POST", "/products", body=body)
    assert_validation_error(reply, field)
    errors: list[dict[str, Any]] = reply.body["errors"]
    assert [error["message"] for error in errors if error["field"] == field] == [
        resolver._MESSAGES[error_type]
    ]

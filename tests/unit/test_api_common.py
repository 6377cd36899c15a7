"""Pure units of api_common that the HTTP-level tests cannot reach: no AWS, no handler."""

from decimal import Decimal
from typing import Any

import pytest
from botocore.exceptions import ClientError
from hypothesis import given
from hypothesis import strategies as st

from api_common import jsonio
from api_common.config import common_config, require
from api_common.cursors import CursorCodec
from api_common.errors import ConcurrentChangeError, InvalidFieldError, VersionConflictError
from api_common.preconditions import Preconditions
from api_common.record import Record
from api_common.resolver import _field
from api_common.versioned_table import VersionedTable
from api_common.writes import WRITE_ATTEMPTS, Collection, change
from users.repository import UsersRepository

T = "2026-11-29T00:00:00.000Z"


def test_required_settings_fail_the_cold_start_loudly() -> None:
    with pytest.raises(RuntimeError, match="USERS_TABLE_NAME"):
        require({"USERS_TABLE_NAME": "  "}, "USERS_TABLE_NAME")
    with pytest.raises(RuntimeError, match="ALLOWED_ORIGIN"):
        common_config({})


@given(cents=st.integers(min_value=0, max_value=100_000_000_000))
def test_every_price_in_range_is_written_exactly(cents: int) -> None:
    price = Decimal(cents) / 100
    assert Decimal(jsonio.dumps({"price": price})[9:-1]) == price


def test_numbers_that_would_not_survive_are_refused_not_rounded() -> None:
    with pytest.raises(ValueError, match="exact JSON number"):
        jsonio.dumps(Decimal("0.1234567890123456789"))
    with pytest.raises(TypeError, match="set"):
        jsonio.dumps({1, 2})
    assert jsonio.dumps({"a": Decimal("1E+2"), "b": "é"}) == '{"a":100,"b":"é"}'


def test_a_cursor_longer_than_any_issued_is_refused_unread() -> None:
    codec = CursorCodec(lambda: pytest.fail("the key is not needed to refuse this"))
    with pytest.raises(InvalidFieldError):
        codec.decode("users", "a" * 3000, frozenset({"id"}))


def test_validation_error_field_names() -> None:
    assert _field(("body", "name")) == "name"
    assert _field(("body",)) == "body"
    assert _field(("body", 17)) == "body"
    assert _field(("query", "limit")) == "limit"
    assert _field(("header", "If-Match")) == "If-Match"
    assert _field(("name",)) == "name"
    assert _field(()) == "body"


def test_a_change_that_keeps_losing_the_race_ends_in_409() -> None:
    current: Record = {"id": "x", "version": 1, "createdAt": T, "updatedAt": T}

    class Repository:
        def get(self, item_id: str) -> Record:
            return current

    writes: list[int] = []

    def write(item: Record) -> None:
        writes.append(item["version"])
        raise VersionConflictError

    with pytest.raises(ConcurrentChangeError):
        change(
            Collection("Thing", Repository()), "6f1c2e3d-4b5a-4c6d-8e7f-901a2b3c4d5e", Preconditions(), write
        )
    assert len(writes) == WRITE_ATTEMPTS


def test_a_transaction_cancelled_for_another_reason_is_not_mistaken_for_a_conflict() -> None:
    cancelled = ClientError(
        {
            "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
            "CancellationReasons": [{"Code": "None"}, {"Code": "ValidationError"}],
        },
        "TransactWriteItems",
    )

    class Client:
        def transact_write_items(self, **_: Any) -> None:
            raise cancelled

    repository = UsersRepository(VersionedTable("users", Client()))  # type: ignore[arg-type]
    with pytest.raises(ClientError) as raised:
        repository.create(
            {"id": "x", "version": 1, "name": "A", "email": "a@b.co", "createdAt": T, "updatedAt": T}
        )
    assert raised.value is cancelled

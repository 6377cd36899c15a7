"""Business rules of the users service: the common write paths, plus unique emails."""

from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus

from api_common import records
from api_common.cursors import CursorCodec
from api_common.dynamo import Item
from api_common.etags import IfMatch
from api_common.idempotency import Claim
from api_common.paging import list_page
from api_common.problems import Problem
from users.models import UserIn
from users.repository import EmailTakenError, UsersRepository

KIND = "User"
LISTING = "users"
_KEY_ATTRIBUTES = frozenset({"id"})


@contextmanager
def _unique_email() -> Iterator[None]:
    try:
        yield
    except EmailTakenError:
        # The detail does not echo the address: it stays out of responses and logs.
        raise Problem(
            HTTPStatus.CONFLICT, "Another user already has this email address.", slug="email-taken"
        ) from None


def create_user(
    users: UsersRepository, body: UserIn, principal: str | None, claim: Claim | None = None
) -> Item:
    with _unique_email():
        return records.create(users, body.attributes(), principal, kind=KIND, claim=claim)


def get_user(users: UsersRepository, user_id: str) -> Item:
    return records.read(users, user_id, kind=KIND)


def list_users(
    users: UsersRepository, cursors: CursorCodec, limit: int, cursor: str | None
) -> tuple[list[Item], str | None]:
    """Users only (the repository skips email markers), in pages of `limit`."""
    return list_page(LISTING, _KEY_ATTRIBUTES, users.page, limit, cursor, cursors=cursors)


def replace_user(
    users: UsersRepository, user_id: str, body: UserIn, if_match: IfMatch | None, principal: str | None
) -> Item:
    with _unique_email():
        return records.replace(
            users, user_id, body.attributes(), if_match, principal, fields=UserIn.model_fields, kind=KIND
        )


def delete_user(users: UsersRepository, user_id: str, if_match: IfMatch | None) -> None:
    records.remove(users, user_id, if_match, kind=KIND)

"""Business rules of the users service: the common write paths, plus unique emails."""

from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus

from api_common import records
from api_common.cursors import CursorCodec
from api_common.idempotency import Claim
from api_common.paging import list_page
from api_common.preconditions import Preconditions
from api_common.problems import Problem
from api_common.records import Collection
from users.models import UserIn
from users.repository import EmailTakenError, UserRecord, UsersRepository

# The users, bound once at the handler's init: Collection("User", UsersRepository(table)).
type Users = Collection[UsersRepository]

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


def create_user(users: Users, body: UserIn, principal: str | None, claim: Claim | None = None) -> UserRecord:
    with _unique_email():
        return records.create(users, body.attributes(), principal, claim)


def get_user(users: Users, user_id: str) -> UserRecord:
    return records.read(users, user_id)


def list_users(
    users: Users, cursors: CursorCodec, limit: int, cursor: str | None
) -> tuple[list[UserRecord], str | None]:
    """Users only (the repository skips email markers), in pages of `limit`."""
    return list_page(LISTING, _KEY_ATTRIBUTES, users.repository.page, limit, cursor, cursors=cursors)


def replace_user(
    users: Users, user_id: str, body: UserIn, preconditions: Preconditions, principal: str | None
) -> UserRecord:
    with _unique_email():
        return records.replace(
            users, user_id, body.attributes(), preconditions, principal, fields=UserIn.model_fields
        )


def delete_user(users: Users, user_id: str, preconditions: Preconditions) -> None:
    records.remove(users, user_id, preconditions)

"""Business rules of the users service: the common write paths, plus unique emails.

A user's email has a marker item beside it (`users.repository`): a PUT that keeps the email is one update in
place; one whose email differs writes the user and moves the marker in one transaction. A taken email is
EmailTakenError, from the repository; the resolver renders it.
"""

from typing import cast

from api_common import writes
from api_common.cursors import CursorCodec
from api_common.errors import ConditionFailedError
from api_common.idempotency import Claim
from api_common.paging import list_page
from api_common.preconditions import Preconditions
from api_common.writes import Collection
from users.models import UserIn
from users.repository import UserRecord, UsersRepository

# The users, bound once at the handler's init: Collection("User", UsersRepository(table)).
type Users = Collection[UsersRepository]

LISTING = "users"
_KEY_ATTRIBUTES = frozenset({"id"})


def create_user(users: Users, body: UserIn, principal: str | None, claim: Claim | None = None) -> UserRecord:
    return writes.create(users, body.attributes(), principal, claim)


def get_user(users: Users, user_id: str) -> UserRecord:
    return writes.read(users, user_id)


def list_users(
    users: Users, cursors: CursorCodec, limit: int, cursor: str | None
) -> tuple[list[UserRecord], str | None]:
    """Users only (the repository skips email markers), in pages of `limit`."""
    return list_page(LISTING, _KEY_ATTRIBUTES, users.repository.page, limit, cursor, cursors=cursors)


def replace_user(
    users: Users, user_id: str, body: UserIn, preconditions: Preconditions, principal: str | None
) -> UserRecord:
    """PUT: one update in place, conditional on the stored email being the one sent. When it is not (or the
    update lost a race), the failure returned the user: the full replacement follows, conditional on that
    version, moving the marker; a race lost there is retried (an unconditional PUT) or ends in 412."""
    item_id = writes.existing_id(user_id, users.kind)
    attributes = body.attributes()

    def attempt() -> UserRecord:
        try:
            return writes.update_in_place(
                users, item_id, attributes, preconditions, principal, fields=UserIn.model_fields
            )
        except ConditionFailedError as failed:
            current = writes.refused(users.kind, failed, preconditions)
        user = cast(UserRecord, writes.replacement(current, attributes, principal))  # as in `create`
        users.repository.replace(current, user)
        writes.written(users.kind, "Updated", user["id"], version=user["version"])
        return user

    return writes.retry_on_conflict(users.kind, attempt)


def delete_user(users: Users, user_id: str, preconditions: Preconditions) -> None:
    """Read first: the delete frees the email marker the user holds, in one transaction."""
    writes.delete_after_read(users, user_id, preconditions, users.repository.delete)

"""Business rules of the users service, as plain functions over a repository."""

from http import HTTPStatus

from api_common.dynamo import Item
from api_common.etags import IfMatch
from api_common.observability import count, logger
from api_common.paging import list_page
from api_common.problems import Problem
from api_common.records import change, new_record, read, replacement
from users.models import UserIn
from users.repository import EmailTakenError, UsersRepository

LISTING = "users"
_KEY_ATTRIBUTES = frozenset({"id"})
_WHAT = "User"


def _email_taken() -> Problem:
    # The detail does not echo the address: emails stay out of responses meant for someone else, and logs.
    return Problem(HTTPStatus.CONFLICT, "Another user already has this email address.", slug="email-taken")


def create_user(users: UsersRepository, body: UserIn, principal: str | None) -> Item:
    user = new_record(body.attributes(), principal)
    try:
        users.create(user)
    except EmailTakenError:
        raise _email_taken() from None
    count("UserCreated")
    logger.info("user created", extra={"user_id": user["id"]})
    return user


def get_user(users: UsersRepository, user_id: str) -> Item:
    return read(users, user_id, _WHAT)


def list_users(users: UsersRepository, limit: int, cursor: str | None) -> tuple[list[Item], str | None]:
    return list_page(LISTING, _KEY_ATTRIBUTES, users.page, limit, cursor)


def replace_user(
    users: UsersRepository, user_id: str, body: UserIn, if_match: IfMatch | None, principal: str | None
) -> Item:
    def write(current: Item) -> Item:
        user = replacement(current, body.attributes(), principal)
        try:
            users.replace(current, user)
        except EmailTakenError:
            raise _email_taken() from None
        return user

    user = change(users, user_id, if_match, write, _WHAT)
    count("UserUpdated")
    logger.info("user replaced", extra={"user_id": user["id"], "version": user["version"]})
    return user


def delete_user(users: UsersRepository, user_id: str, if_match: IfMatch | None) -> None:
    change(users, user_id, if_match, users.delete, _WHAT)
    count("UserDeleted")
    logger.info("user deleted", extra={"user_id": user_id})

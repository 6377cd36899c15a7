"""All DynamoDB access of the users service.

Email uniqueness: next to each user the table holds a marker item `email#<email_key(email)>` (attribute
userId). A user and its marker are written in one transaction, so a taken email cancels the whole write;
changing or deleting a user moves or frees the marker in the same transaction. A change that keeps the email
keeps the marker: it is one update of the user, conditional on the stored email being the one sent.
"""

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from api_common.dynamo import cancellation_codes, error_code
from api_common.errors import EmailTakenError, VersionConflictError
from api_common.keys import Key
from api_common.record import Change, Record
from api_common.versioned_table import JoinedWrite, VersionedTable, WriteCondition

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

MARKER_PREFIX = "email#"
_CHECK_FAILED = "ConditionalCheckFailed"


class UserRecord(Record):
    name: str
    email: str


def email_key(email: str) -> str:
    """What two spellings of one address share: lower case, in Unicode normalization form NFC.

    NFC: RFC 6532 section 3.1 (internationalized addresses are NFC), so `josé` typed as one code point or as
    `e` + U+0301 is one address. Case: str.lower(), Unicode's full toLowerCase mapping, as the PRECIS profile
    for usernames does (RFC 8265 section 3.3.1), not casefold(): case folding also maps `ß` to `ss` and final
    sigma to sigma, and would make `straße@` and `strasse@` one address, two strings no mail standard equates
    (RFC 5321 even leaves the local part's case to the receiving system). Lower case of NFC text is NFC for
    every code point, so an address stored in NFC keeps the key `email.lower()` gave it before NFC was
    applied: only users stored with a non-NFC address have their marker under another key.
    """
    return unicodedata.normalize("NFC", email.lower())


def marker_id(email: str) -> str:
    return MARKER_PREFIX + email_key(email)


class UsersRepository:
    def __init__(self, table: VersionedTable[UserRecord]) -> None:
        self.table = table

    def get(self, user_id: str) -> UserRecord | None:
        return self.table.get(user_id)

    def create(self, user: UserRecord, joined: JoinedWrite | None = None) -> UserRecord:
        with _cancellations(claiming_email=True):
            return self.table.create(user, self._claim(user), joined=joined)

    def update(self, user_id: str, change: Change, condition: WriteCondition) -> UserRecord:
        """The user's change in place, only while the stored email is exactly the one sent (its marker stays
        right); otherwise ConditionFailedError with the user, and `replace` writes it with its marker."""
        return self.table.update(user_id, change, condition, equal={"email": change.attributes["email"]})

    def replace(self, current: UserRecord, user: UserRecord) -> None:
        """Put `user` in place of `current` while `current`'s version is stored, moving the email marker in
        the same transaction when the email's key changes; VersionConflictError when it is not stored."""
        moving = marker_id(current["email"]) != marker_id(user["email"])
        moves = [self._claim(user), self._release(current)] if moving else []
        with _cancellations(claiming_email=moving):
            self.table.transact([self.table.put_replacing_action(current, user), *moves])

    def delete(self, current: UserRecord) -> None:
        """Delete `current` and free its marker, while its version is stored (else VersionConflictError)."""
        with _cancellations(claiming_email=False):
            self.table.transact([self.table.delete_action(current), self._release(current)])

    def page(self, limit: int, start: Key | None) -> tuple[list[UserRecord], Key | None]:
        """Users only: markers are filtered out (the caller keeps reading until the page is full)."""
        return self.table.scan(
            limit,
            start,
            FilterExpression="NOT begins_with(#id, :marker)",
            ExpressionAttributeNames={"#id": "id"},
            ExpressionAttributeValues={":marker": {"S": MARKER_PREFIX}},
        )

    def _claim(self, user: UserRecord) -> "TransactWriteItemTypeDef":
        return self.table.put_new_action({"id": marker_id(user["email"]), "userId": user["id"]})

    def _release(self, user: UserRecord) -> "TransactWriteItemTypeDef":
        # Only this user's marker, and a missing one is no obstacle (nothing to free).
        return {
            "Delete": {
                "TableName": self.table.name,
                "Key": self.table.key(marker_id(user["email"])),
                "ConditionExpression": "attribute_not_exists(#id) OR userId = :user",
                "ExpressionAttributeNames": {"#id": "id"},
                "ExpressionAttributeValues": {":user": {"S": user["id"]}},
            }
        }


@contextmanager
def _cancellations(*, claiming_email: bool) -> Iterator[None]:
    """What a cancelled transaction of a user means: the user action comes first, and (when the transaction
    claims an email) the marker's Put second. Anything else is raised as it came (a joined write's refusal
    is not a ClientError: the table raised what it means)."""
    try:
        yield
    except ClientError as error:
        if error_code(error) != "TransactionCanceledException":
            raise
        codes = cancellation_codes(error)
        if codes[:1] == [_CHECK_FAILED]:
            raise VersionConflictError from error
        if claiming_email and codes[1:2] == [_CHECK_FAILED]:
            raise EmailTakenError from error
        raise

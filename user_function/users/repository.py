"""All DynamoDB access of the users service.

Email uniqueness: next to each user the table holds a marker item `email#<lower-cased email>` (attribute
userId). A user and its marker are written in one transaction, so a taken email cancels the whole write;
changing or deleting a user moves or frees the marker in the same transaction. A change that keeps the email
keeps the marker: it is one update of the user, conditional on the stored email being the one sent.
"""

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from api_common.dynamo import Item, VersionConflictError, cancellation_codes, error_code
from api_common.idempotency import Claim
from api_common.keys import Key
from api_common.tables import VersionedTable

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

MARKER_PREFIX = "email#"
_CHECK_FAILED = "ConditionalCheckFailed"


class EmailTakenError(Exception):
    """Another user holds the email (case-insensitively)."""


def marker_id(email: str) -> str:
    return MARKER_PREFIX + email.lower()


class UsersRepository:
    def __init__(self, table: VersionedTable) -> None:
        self.table = table

    def get(self, user_id: str) -> Item | None:
        return self.table.get(user_id)

    def create(self, user: Item, claim: Claim | None = None) -> None:
        actions = [self.table.put_new_action(user), self._claim(user)]
        self._transact([*actions, claim.put_action(user)] if claim else actions, claim)

    def update(
        self,
        user_id: str,
        attributes: Mapping[str, Any],
        removed: Iterable[str],
        *,
        updated_at: str,
        principal: str | None,
        versions: frozenset[int] | None,
    ) -> Item:
        """The user's change in place, only while the stored email is exactly the one sent (its marker stays
        right); otherwise ConditionFailedError with the user, and `replace` moves the marker."""
        return self.table.update(
            user_id,
            attributes,
            removed,
            updated_at=updated_at,
            principal=principal,
            versions=versions,
            equal={"email": attributes["email"]},
        )

    def replace(self, current: Item, user: Item) -> None:
        actions = [self.table.put_replacing_action(user, int(current["version"]))]
        if marker_id(current["email"]) != marker_id(user["email"]):
            actions += [self._claim(user), self._release(current)]
        self._transact(actions)

    def delete(self, current: Item) -> None:
        self._transact(
            [self.table.delete_action(current["id"], int(current["version"])), self._release(current)]
        )

    def page(self, limit: int, start: Key | None) -> tuple[list[Item], Key | None]:
        """Users only: markers are filtered out (the caller keeps reading until the page is full)."""
        return self.table.scan(
            limit,
            start,
            FilterExpression="NOT begins_with(#id, :marker)",
            ExpressionAttributeNames={"#id": "id"},
            ExpressionAttributeValues={":marker": {"S": MARKER_PREFIX}},
        )

    def _claim(self, user: Item) -> "TransactWriteItemTypeDef":
        return self.table.put_new_action({"id": marker_id(user["email"]), "userId": user["id"]})

    def _release(self, user: Item) -> "TransactWriteItemTypeDef":
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

    def _transact(self, actions: "list[TransactWriteItemTypeDef]", claim: Claim | None = None) -> None:
        """Write all or nothing; the first action is the user, the second (if any) claims its email, the last
        (with a claim) is the idempotency record."""
        try:
            self.table.client.transact_write_items(TransactItems=actions)
        except ClientError as error:
            if error_code(error) != "TransactionCanceledException":
                raise
            if claim is not None:
                claim.settle(error, self.table.client)  # a used key: replay or 422, before anything else
            codes = cancellation_codes(error)
            if codes[:1] == [_CHECK_FAILED]:
                raise VersionConflictError from error
            if codes[1:2] == [_CHECK_FAILED] and "Put" in actions[1]:
                raise EmailTakenError from error
            raise

"""All DynamoDB access of the products service: single conditional writes, and the category index.

Every write is one request: a create is a conditional put (a transaction with the idempotency record when
the POST has a key), a replace an update in place, a delete a conditional delete.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from botocore.exceptions import ClientError

from api_common.dynamo import Item, error_code
from api_common.idempotency import Claim
from api_common.keys import Key
from api_common.tables import VersionedTable


class ProductsRepository:
    def __init__(self, table: VersionedTable, category_index: str) -> None:
        self.table = table
        self.category_index = category_index

    def get(self, product_id: str) -> Item | None:
        return self.table.get(product_id)

    def create(self, product: Item, claim: Claim | None = None) -> None:
        if claim is None:
            self.table.put_new(product)
            return
        try:
            self.table.client.transact_write_items(
                TransactItems=[self.table.put_new_action(product), claim.put_action(product)]
            )
        except ClientError as error:
            if error_code(error) == "TransactionCanceledException":
                claim.settle(error, self.table.client)
            raise

    def update(
        self,
        product_id: str,
        attributes: Mapping[str, Any],
        removed: Iterable[str],
        *,
        updated_at: str,
        principal: str | None,
        versions: frozenset[int] | None,
    ) -> Item:
        return self.table.update(
            product_id, attributes, removed, updated_at=updated_at, principal=principal, versions=versions
        )

    def replace(self, current: Item, product: Item) -> None:
        self.table.put_replacing(product, int(current["version"]))

    def delete_if(self, product_id: str, versions: frozenset[int] | None) -> None:
        self.table.delete_if(product_id, versions)

    def page(self, limit: int, start: Key | None) -> tuple[list[Item], Key | None]:
        return self.table.scan(limit, start)

    def category_page(self, category: str, limit: int, start: Key | None) -> tuple[list[Item], Key | None]:
        """A query of the sparse category index: only that category's products are ever read."""
        return self.table.query(
            limit,
            start,
            IndexName=self.category_index,
            KeyConditionExpression="category = :category",
            ExpressionAttributeValues={":category": {"S": category}},
        )

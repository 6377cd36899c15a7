"""All DynamoDB access of the products service: single conditional writes, and the category index.

Every write is one request: a create is a conditional put (a transaction with the idempotency record when
the POST has a key), a replace an update in place, a delete a conditional delete. Products add no condition
of their own, so a failed condition is the client's preconditions or a lost race (`api_common.writes`).
"""

from decimal import Decimal
from typing import NotRequired

from api_common.keys import Key
from api_common.record import Change, Record
from api_common.versioned_table import JoinedWrite, VersionedTable, WriteCondition


class ProductRecord(Record):
    name: str
    price: Decimal  # in whole cents (products.models.Price), as DynamoDB's number type holds it exactly
    description: NotRequired[str]
    category: NotRequired[str]  # absent: the product is not in the sparse category index


class ProductsRepository:
    def __init__(self, table: VersionedTable[ProductRecord], category_index: str) -> None:
        self.table = table
        self.category_index = category_index

    def get(self, product_id: str) -> ProductRecord | None:
        return self.table.get(product_id)

    def create(self, product: ProductRecord, joined: JoinedWrite | None = None) -> ProductRecord:
        return self.table.create(product, joined=joined)

    def update(self, product_id: str, change: Change, condition: WriteCondition) -> ProductRecord:
        return self.table.update(product_id, change, condition)

    def delete_if(self, product_id: str, condition: WriteCondition) -> None:
        self.table.delete_if(product_id, condition)

    def page(self, limit: int, start: Key | None) -> tuple[list[ProductRecord], Key | None]:
        return self.table.scan(limit, start)

    def category_page(
        self, category: str, limit: int, start: Key | None
    ) -> tuple[list[ProductRecord], Key | None]:
        """A query of the sparse category index: only that category's products are ever read."""
        return self.table.query(
            limit,
            start,
            IndexName=self.category_index,
            KeyConditionExpression="category = :category",
            ExpressionAttributeValues={":category": {"S": category}},
        )

"""All DynamoDB access of the products service: single conditional writes, and the category index."""

from api_common.cursors import Key
from api_common.dynamo import Item
from api_common.tables import VersionedTable


class ProductsRepository:
    def __init__(self, table: VersionedTable, category_index: str) -> None:
        self.table = table
        self.category_index = category_index

    def get(self, product_id: str) -> Item | None:
        return self.table.get(product_id)

    def create(self, product: Item) -> None:
        self.table.put_new(product)

    def replace(self, current: Item, product: Item) -> None:
        self.table.put_replacing(product, int(current["version"]))

    def delete(self, current: Item) -> None:
        self.table.delete(current["id"], int(current["version"]))

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

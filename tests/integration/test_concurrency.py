"""Races between writers, in-process.

The writers are real threads running the services' rules against DynamoDB over HTTP. The stand-in is moto's
server app on a werkzeug server started *non-threaded*: it handles one request at a time, so every
conditional write and transaction is atomic with respect to the others, which is the guarantee DynamoDB
gives and the one these rules rely on. moto's in-process mock (mock_aws) is not used here: its condition
check and write are separate steps without a lock, so two threads can both pass a check, which real
DynamoDB never allows; a race test on it would test moto, not the code.
"""

import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import boto3
import pytest
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from mypy_boto3_dynamodb import DynamoDBClient
from werkzeug.serving import make_server

from api_common.dynamo import CLIENT_CONFIG
from api_common.errors import DomainError
from api_common.preconditions import Preconditions
from api_common.problems import Problem
from api_common.resolver import domain_problem
from api_common.versioned_table import VersionedTable
from api_common.writes import Collection
from products import logic as products_logic
from products.models import ProductIn
from products.repository import ProductsRepository
from tests.integration.conftest import TABLES
from tools.local_api.tables_from_template import create_tables
from users import logic as users_logic
from users.models import UserIn
from users.repository import UsersRepository


@pytest.fixture(scope="module")
def serialized_dynamodb() -> Iterator[DynamoDBClient]:
    server = make_server("127.0.0.1", 0, DomainDispatcherApplication(create_backend_app), threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client = boto3.client(
        "dynamodb", endpoint_url=f"http://127.0.0.1:{server.server_port}", config=CLIENT_CONFIG
    )
    create_tables(client, TABLES)
    yield client
    server.shutdown()
    thread.join()


def race(*writers: Callable[[], Any]) -> list[Any]:
    """Start the writers together; each result is its return value or the problem it raised (a domain error,
    as the resolver renders it)."""
    start = threading.Barrier(len(writers))
    results: list[Any] = [None] * len(writers)

    def run(index: int, writer: Callable[[], Any]) -> None:
        start.wait()
        try:
            results[index] = writer()
        except DomainError as error:
            results[index] = domain_problem(error)

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


class BothReadFirst:
    """Makes each writer's first read wait for the other's, so both hold the same version before writing."""

    def __init__(self, repository: Any, writers: int = 2) -> None:
        self.repository = repository
        self.barrier = threading.Barrier(writers)
        self.local = threading.local()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.repository, name)

    def get(self, item_id: str) -> Any:
        item = self.repository.get(item_id)
        if not getattr(self.local, "waited", False):
            self.local.waited = True
            self.barrier.wait()
        return item


def statuses(results: list[Any]) -> list[int]:
    return sorted(result.status.value if isinstance(result, Problem) else 200 for result in results)


def test_two_writers_with_the_same_if_match_exactly_one_wins(serialized_dynamodb: DynamoDBClient) -> None:
    from api_common.etags import IfMatch

    products = ProductsRepository(
        VersionedTable(TABLES["ProductsTable"], serialized_dynamodb), "category-index"
    )
    product = products_logic.create_product(
        Collection("Product", products), ProductIn(name="Lamp", price=Decimal(10)), None
    )
    racing = Collection("Product", BothReadFirst(products))
    if_match = Preconditions(if_match=IfMatch.parse(['"1"']))

    def writer(name: str) -> Callable[[], Any]:
        body = ProductIn(name=name, price=Decimal(10))
        return lambda: products_logic.replace_product(racing, product["id"], body, if_match, None)  # type: ignore[arg-type]

    results = race(writer("first"), writer("second"))

    assert statuses(results) == [200, 412]
    (winner,) = [result for result in results if not isinstance(result, Problem)]
    stored = products.get(product["id"])
    assert stored is not None
    assert stored["version"] == 2
    assert stored["name"] == winner["name"]


def test_writers_without_if_match_both_land_and_no_update_is_lost(
    serialized_dynamodb: DynamoDBClient,
) -> None:
    products = ProductsRepository(
        VersionedTable(TABLES["ProductsTable"], serialized_dynamodb), "category-index"
    )
    product = products_logic.create_product(
        Collection("Product", products), ProductIn(name="Desk", price=Decimal(10)), None
    )
    racing = Collection("Product", BothReadFirst(products))

    def writer(name: str) -> Callable[[], Any]:
        body = ProductIn(name=name, price=Decimal(10))
        return lambda: products_logic.replace_product(racing, product["id"], body, Preconditions(), None)  # type: ignore[arg-type]

    results = race(writer("a"), writer("b"))

    assert sorted(result["version"] for result in results) == [2, 3]  # the loser re-read and went second
    stored = products.get(product["id"])
    assert stored is not None
    assert stored["version"] == 3


def test_two_users_creating_the_same_email_exactly_one_is_created(
    serialized_dynamodb: DynamoDBClient,
) -> None:
    users = Collection("User", UsersRepository(VersionedTable(TABLES["UsersTable"], serialized_dynamodb)))

    def creator(name: str, email: str) -> Callable[[], Any]:
        return lambda: users_logic.create_user(users, UserIn(name=name, email=email), None)

    results = race(creator("One", "same@example.com"), creator("Two", "SAME@example.com"))

    assert statuses(results) == [200, 409]
    (problem,) = [result for result in results if isinstance(result, Problem)]
    assert problem.slug == "email-taken"
    marker = serialized_dynamodb.get_item(
        TableName=TABLES["UsersTable"], Key={"id": {"S": "email#same@example.com"}}
    )
    (winner,) = [result for result in results if not isinstance(result, Problem)]
    assert marker["Item"]["userId"]["S"] == winner["id"]


def test_two_email_changes_of_one_user_with_the_same_if_match_exactly_one_wins(
    serialized_dynamodb: DynamoDBClient,
) -> None:
    from api_common.etags import IfMatch

    users = UsersRepository(VersionedTable(TABLES["UsersTable"], serialized_dynamodb))
    user = users_logic.create_user(
        Collection("User", users), UserIn(name="Racer", email="racer@example.com"), None
    )
    racing = Collection("User", BothReadFirst(users))

    def writer(email: str) -> Callable[[], Any]:
        body = UserIn(name="Racer", email=email)
        if_match = Preconditions(if_match=IfMatch.parse(['"1"']))
        return lambda: users_logic.replace_user(racing, user["id"], body, if_match, None)  # type: ignore[arg-type]

    results = race(writer("first@example.com"), writer("second@example.com"))

    assert statuses(results) == [200, 412]
    (winner,) = [result for result in results if not isinstance(result, Problem)]
    markers = {
        item["id"]["S"]
        for item in serialized_dynamodb.scan(TableName=TABLES["UsersTable"])["Items"]
        if item["id"]["S"].startswith("email#")
    }
    # The winner's address is claimed, the old one freed, and the loser's never claimed.
    assert f"email#{winner['email']}" in markers
    assert "email#racer@example.com" not in markers
    assert {"email#first@example.com", "email#second@example.com"} - markers == {
        "email#first@example.com",
        "email#second@example.com",
    } - {f"email#{winner['email']}"}

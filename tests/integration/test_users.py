"""The users service through its Lambda handler: the HTTP contract of /users and /users/{id}."""

import uuid

import boto3
import pytest

from tests.integration.conftest import TABLES, Call
from tests.integration.support import CALLER_ARN, OTHER_CALLER_ARN

ALICE = {"name": "Alice", "email": "alice@example.com"}
PROBLEM = "application/problem+json"


def table_ids() -> set[str]:
    items = boto3.client("dynamodb").scan(TableName=TABLES["UsersTable"])["Items"]
    return {item["id"]["S"] for item in items}


def create(users_api: Call, body: dict[str, str] = ALICE, **kwargs: object) -> dict[str, object]:
    reply = users_api("POST", "/users", body=body, **kwargs)
    assert reply.status == 201, reply.raw_body
    return reply.body


def test_create_returns_201_with_location_etag_and_the_stored_user(users_api: Call) -> None:
    reply = users_api("POST", "/users", body=ALICE)

    assert reply.status == 201
    user = reply.body
    assert reply.headers["Location"] == f"/users/{user['id']}"
    assert reply.headers["ETag"] == '"1"'
    assert reply.content_type == "application/json"
    assert uuid.UUID(user["id"]).version == 4
    assert user["name"] == "Alice"
    assert user["email"] == "alice@example.com"
    assert user["version"] == 1
    assert user["createdAt"] == user["updatedAt"]
    assert user["createdAt"].endswith("Z")
    assert user["createdBy"] == user["updatedBy"] == CALLER_ARN
    assert users_api("GET", f"/users/{user['id']}").body == user


def test_fields_read_id_first_then_the_users_own_then_bookkeeping(users_api: Call) -> None:
    assert list(create(users_api)) == [
        "id", "name", "email", "createdAt", "updatedAt", "version", "createdBy", "updatedBy"
    ]  # fmt: skip


def test_audit_fields_are_omitted_without_an_iam_identity(users_api: Call) -> None:
    user = create(users_api, user_arn=None)
    assert "createdBy" not in user
    assert "updatedBy" not in user


def test_every_response_carries_the_cors_headers(users_api: Call) -> None:
    for reply in (
        users_api("POST", "/users", body=ALICE),
        users_api("GET", "/users/not-a-uuid"),
        users_api("GET", "/nowhere"),
        users_api("POST", "/users", raw_body="x", headers={"Content-Type": "text/plain"}),
    ):
        assert reply.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
        assert reply.headers["Access-Control-Expose-Headers"] == "ETag, Location, Retry-After"


@pytest.mark.parametrize("email", ["alice@example.com", "ALICE@Example.COM"])
def test_a_taken_email_is_409_and_writes_nothing(users_api: Call, email: str) -> None:
    create(users_api)
    before = table_ids()

    reply = users_api("POST", "/users", body={"name": "Other", "email": email})

    assert reply.status == 409
    assert reply.content_type == PROBLEM
    assert reply.body["type"] == "urn:users-products-api:problem:email-taken"
    assert "alice" not in reply.raw_body.lower()  # the detail does not echo anyone's address
    assert table_ids() == before


def test_user_and_marker_are_written_together(users_api: Call) -> None:
    user = create(users_api)
    assert table_ids() == {user["id"], "email#alice@example.com"}


@pytest.mark.parametrize(
    "path",
    [
        "/users/not-a-uuid",
        "/users/3d1f1c50-2b9e-4f57-9a0e-6c1d4e8b7a21",
        "/users/email%23alice@example.com",
        "/users/email#alice@example.com",
        "/users/6F9619FF-8B86-D011-B42D-00CF4FC964FF",
    ],
)
def test_unknown_or_malformed_ids_are_404(users_api: Call, path: str) -> None:
    create(users_api)  # its marker email#alice@example.com must not be reachable as a user
    for method, kwargs in (("GET", {}), ("PUT", {"body": ALICE}), ("DELETE", {})):
        reply = users_api(method, path, **kwargs)
        assert reply.status == 404, (method, path)
        assert reply.content_type == PROBLEM
        assert {key: reply.body[key] for key in ("type", "title", "status")} == {
            "type": "about:blank",
            "title": "Not Found",
            "status": 404,
        }


def test_put_replaces_in_full_and_bumps_the_version(users_api: Call) -> None:
    user = create(users_api, user_arn=CALLER_ARN)

    reply = users_api(
        "PUT",
        f"/users/{user['id']}",
        body={"name": "Alice B.", "email": "alice@example.com"},
        user_arn=OTHER_CALLER_ARN,
    )

    assert reply.status == 200
    updated = reply.body
    assert reply.headers["ETag"] == '"2"'
    assert updated["version"] == 2
    assert updated["name"] == "Alice B."
    assert updated["createdAt"] == user["createdAt"]
    assert updated["updatedAt"] >= user["updatedAt"]
    assert updated["createdBy"] == CALLER_ARN
    assert updated["updatedBy"] == OTHER_CALLER_ARN
    assert users_api("GET", f"/users/{user['id']}").body == updated


def test_put_is_not_an_upsert(users_api: Call) -> None:
    missing = str(uuid.uuid4())
    assert users_api("PUT", f"/users/{missing}", body=ALICE).status == 404
    assert table_ids() == set()


def test_if_match_current_version_succeeds_and_stale_is_412(users_api: Call) -> None:
    user = create(users_api)
    path = f"/users/{user['id']}"
    renamed = {**ALICE, "name": "Alice 2"}

    assert users_api("PUT", path, body=renamed, headers={"If-Match": '"1"'}).status == 200
    stale = users_api("PUT", path, body={**ALICE, "name": "Lost"}, headers={"If-Match": '"1"'})

    assert stale.status == 412
    assert stale.body["type"] == "urn:users-products-api:problem:precondition-failed"
    assert '"2"' in stale.body["detail"]
    assert users_api("GET", path).body["name"] == "Alice 2"


@pytest.mark.parametrize(
    ("if_match", "status"),
    [("*", 200), ('"7", "1"', 200), ('W/"1"', 412), ("1", 412), ('"01"', 412), ('"x"', 412), ("", 400)],
)
def test_if_match_forms(users_api: Call, if_match: str, status: int) -> None:
    user = create(users_api)
    reply = users_api("PUT", f"/users/{user['id']}", body=ALICE, headers={"If-Match": if_match})
    assert reply.status == status


def test_changing_the_email_moves_the_marker(users_api: Call) -> None:
    user = create(users_api)
    path = f"/users/{user['id']}"

    reply = users_api("PUT", path, body={"name": "Alice", "email": "alice@new.example.com"})

    assert reply.status == 200
    assert table_ids() == {user["id"], "email#alice@new.example.com"}
    # The old address is free again.
    assert users_api("POST", "/users", body={"name": "Newcomer", "email": "alice@example.com"}).status == 201


def test_changing_only_the_case_of_the_email_keeps_the_marker(users_api: Call) -> None:
    user = create(users_api)
    reply = users_api("PUT", f"/users/{user['id']}", body={"name": "Alice", "email": "Alice@Example.com"})
    assert reply.status == 200
    assert reply.body["email"] == "Alice@Example.com"
    assert table_ids() == {user["id"], "email#alice@example.com"}


def test_changing_to_an_email_taken_by_another_user_is_409_and_changes_nothing(users_api: Call) -> None:
    alice = create(users_api)
    create(users_api, {"name": "Bob", "email": "bob@example.com"})
    before = table_ids()

    reply = users_api("PUT", f"/users/{alice['id']}", body={"name": "Alice", "email": "BOB@example.com"})

    assert reply.status == 409
    assert reply.body["type"] == "urn:users-products-api:problem:email-taken"
    assert table_ids() == before
    assert users_api("GET", f"/users/{alice['id']}").body == alice


def test_delete_is_204_then_404_and_frees_the_email(users_api: Call) -> None:
    user = create(users_api)
    path = f"/users/{user['id']}"

    deleted = users_api("DELETE", path)

    assert deleted.status == 204
    assert deleted.raw_body == ""
    assert deleted.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert users_api("DELETE", path).status == 404
    assert users_api("GET", path).status == 404
    assert table_ids() == set()
    assert users_api("POST", "/users", body=ALICE).status == 201


def test_delete_honours_if_match(users_api: Call) -> None:
    user = create(users_api)
    path = f"/users/{user['id']}"
    users_api("PUT", path, body={**ALICE, "name": "v2"})

    assert users_api("DELETE", path, headers={"If-Match": '"1"'}).status == 412
    assert users_api("GET", path).status == 200
    assert users_api("DELETE", path, headers={"If-Match": '"2"'}).status == 204


def test_strings_are_data(users_api: Call) -> None:
    body = {"name": "Zoë 'O\"Brien'; DROP TABLE users; -- 🚀 \u202e", "email": "zoë+tag@exämple.org"}
    user = create(users_api, body)
    fetched = users_api("GET", f"/users/{user['id']}").body
    assert fetched["name"] == body["name"]
    assert fetched["email"] == body["email"]

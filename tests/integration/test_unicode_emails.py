"""Email uniqueness compares the address in Unicode NFC with lower case (users.repository.email_key): NFC and
NFD spellings of one address are one address (RFC 6532 section 3.1); the stored email keeps the client's
spelling; control characters are a 400."""

import unicodedata

import boto3
import pytest

from tests.integration.conftest import TABLES, Call
from tests.integration.test_requests import assert_validation_error
from users.repository import email_key, marker_id

NFC = unicodedata.normalize("NFC", "josé@example.com")
NFD = unicodedata.normalize("NFD", "josé@example.com")


def markers() -> set[str]:
    items = boto3.client("dynamodb").scan(TableName=TABLES["UsersTable"])["Items"]
    return {item["id"]["S"] for item in items if item["id"]["S"].startswith("email#")}


def test_the_two_spellings_differ_as_strings() -> None:
    assert NFC != NFD
    assert len(NFD) == len(NFC) + 1  # e + U+0301


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (NFC, NFD),
        (NFD, NFC),
        (NFD, NFC.upper()),
        (unicodedata.normalize("NFD", "JOSÉ@EXAMPLE.COM"), NFC),
        ("Ångström@example.com", unicodedata.normalize("NFD", "ångström@EXAMPLE.com")),
    ],
)
def test_one_address_in_two_spellings_is_taken(users_api: Call, first: str, second: str) -> None:
    assert users_api("POST", "/users", body={"name": "A", "email": first}).status == 201
    taken = users_api("POST", "/users", body={"name": "B", "email": second})
    assert taken.status == 409, taken.raw_body
    assert taken.body["type"] == "urn:users-products-api:problem:email-taken"
    assert markers() == {marker_id(first)}


def test_the_stored_email_keeps_the_clients_spelling(users_api: Call) -> None:
    created = users_api("POST", "/users", body={"name": "A", "email": NFD})
    assert created.body["email"] == NFD
    assert users_api("GET", f"/users/{created.body['id']}").body["email"] == NFD
    assert markers() == {f"email#{NFC}"}


def test_respelling_ones_own_address_keeps_the_marker(users_api: Call) -> None:
    created = users_api("POST", "/users", body={"name": "A", "email": NFD}).body
    replaced = users_api("PUT", f"/users/{created['id']}", body={"name": "A", "email": NFC.upper()})
    assert replaced.status == 200, replaced.raw_body
    assert replaced.body["email"] == NFC.upper()
    assert markers() == {f"email#{NFC}"}


def test_another_user_cannot_take_the_address_in_another_spelling(users_api: Call) -> None:
    users_api("POST", "/users", body={"name": "A", "email": NFC})
    other = users_api("POST", "/users", body={"name": "B", "email": "b@example.com"}).body
    refused = users_api("PUT", f"/users/{other['id']}", body={"name": "B", "email": NFD})
    assert refused.status == 409
    assert users_api("GET", f"/users/{other['id']}").body["email"] == "b@example.com"


def test_deleting_frees_the_address_in_every_spelling(users_api: Call) -> None:
    created = users_api("POST", "/users", body={"name": "A", "email": NFD}).body
    assert users_api("DELETE", f"/users/{created['id']}").status == 204
    assert markers() == set()
    assert users_api("POST", "/users", body={"name": "B", "email": NFC}).status == 201


def test_case_is_lowered_not_folded(users_api: Call) -> None:
    """lower(), not casefold(): `ß` is not `ss`, so these are two addresses."""
    assert email_key("STRASSE@example.com") == email_key("strasse@EXAMPLE.com")
    assert email_key("straße@example.com") != email_key("strasse@example.com")
    assert users_api("POST", "/users", body={"name": "A", "email": "straße@example.com"}).status == 201
    assert users_api("POST", "/users", body={"name": "B", "email": "strasse@example.com"}).status == 201


@pytest.mark.parametrize("control", ["\x00", "\x01", "\x08", "\x1b", "\x7f", "\x80", "\x9f"])
@pytest.mark.parametrize("where", ["local part", "domain", "end"])
def test_control_characters_in_an_email_are_a_400(users_api: Call, control: str, where: str) -> None:
    email = {
        "local part": f"a{control}b@example.com",
        "domain": f"ab@exa{control}mple.com",
        "end": f"ab@example.com{control}",
    }[where]
    for method, path in (("POST", "/users"), ("PUT", "/users/6f1c2e3d-4b5a-4c6d-8e7f-901a2b3c4d5e")):
        reply = users_api(method, path, body={"name": "A", "email": email})
        assert_validation_error(reply, "email")
    assert markers() == set()

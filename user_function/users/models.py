"""The user request body (mirrors the User schema of openapi.yaml) and the user as the API returns it."""

from typing import Annotated

from pydantic import Field

from api_common.models import END, NOT_BLANK, WHITESPACE, ItemModel, RequestModel

# A local part, an @, and a domain of at least two dot-separated labels; no whitespace anywhere.
EMAIL_PATTERN = f"^[^@{WHITESPACE}]+@[^@.{WHITESPACE}]+(\\.[^@.{WHITESPACE}]+)+{END}"


class UserIn(RequestModel):
    """POST and PUT body: PUT replaces the user in full, so both fields are always required."""

    name: Annotated[str, Field(min_length=1, max_length=100, pattern=NOT_BLANK)]
    email: Annotated[str, Field(min_length=3, max_length=254, pattern=EMAIL_PATTERN)]


class User(ItemModel):
    name: str
    email: str

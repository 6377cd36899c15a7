"""The user request body (mirrors the User schema of openapi.yaml) and the user as the API returns it."""

from typing import Annotated

from pydantic import Field

from api_common.models import END, NOT_BLANK, WHITESPACE, ItemModel, RequestModel

# Control characters (Unicode category Cc: C0, DEL, C1): RFC 5322 has them in an address only in its obsolete
# syntax, and no one types them; NUL and the others that are not whitespace are spelled out here.
CONTROLS = r"\x00-\x1f\x7f-\x9f"
# A local part, an @, and a domain of at least two dot-separated labels; no whitespace or control anywhere.
_NOT_IN_EMAIL = f"{WHITESPACE}{CONTROLS}"
EMAIL_PATTERN = f"^[^@{_NOT_IN_EMAIL}]+@[^@.{_NOT_IN_EMAIL}]+(\\.[^@.{_NOT_IN_EMAIL}]+)+{END}"


class UserIn(RequestModel):
    """POST and PUT body: PUT replaces the user in full, so both fields are always required."""

    name: Annotated[str, Field(min_length=1, max_length=100, pattern=NOT_BLANK)]
    email: Annotated[str, Field(min_length=3, max_length=254, pattern=EMAIL_PATTERN)]


class User(ItemModel):
    name: str
    email: str

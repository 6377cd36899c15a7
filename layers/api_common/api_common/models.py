"""Bases of the pydantic models: strict request bodies (JSON Schema draft 4 semantics) and item responses."""

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic.alias_generators import to_camel

# The patterns are JSON Schema patterns (ECMA-262) that Python's `re` (pydantic here, jsonschema in the local
# gateway) and Java's regex read the same way: no `\s` (ECMA-262 counts U+FEFF as whitespace, Python does
# not; Python counts U+001C-U+001F and U+0085, ECMA-262 does not), and no `$` (Python and Java also match it
# before a final line terminator). Whitespace is the union of both `\s` sets, spelled out as escapes.
WHITESPACE = r"\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
# Not blank: at least one character that is not whitespace (patterns match anywhere in the string).
NOT_BLANK = f"[^{WHITESPACE}]"
# The end of the string in every dialect: no character follows.
END = r"(?![\s\S])"


class RequestModel(BaseModel):
    """A request body: exact JSON types (no "1" for 1, no true for "x"), no unknown fields, no nulls."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        regex_engine="python-re",
        hide_input_in_errors=True,
        frozen=True,
    )

    @field_validator("*", mode="before")
    @classmethod
    def _no_nulls(cls, value: Any) -> Any:
        # Optional fields may be absent but never null (the schemas have no "null" type).
        if value is None:
            raise ValueError("must not be null")
        return value

    def attributes(self) -> dict[str, Any]:
        """The fields the client sent (absent optional fields stay absent in the stored item)."""
        return self.model_dump(exclude_none=True)


class ItemModel(BaseModel):
    """A stored item as the API returns it: camelCase names, optional fields omitted when absent."""

    # A malformed stored item fails loudly, without copying its data (emails) into the error and the log.
    model_config = ConfigDict(
        alias_generator=to_camel, validate_by_name=True, frozen=True, hide_input_in_errors=True
    )

    id: str
    created_at: str
    updated_at: str
    version: int
    created_by: str | None = None
    updated_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        # Read order for people: the id, the resource's own fields, then the bookkeeping ones.
        data = self.model_dump(by_alias=True, exclude_none=True)
        bookkeeping = [to_camel(name) for name in ItemModel.model_fields if name != "id"]
        own = {key: value for key, value in data.items() if key not in bookkeeping}
        return own | {key: data[key] for key in bookkeeping if key in data}

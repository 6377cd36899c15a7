"""Primary keys as a page boundary: the resume key of a Scan/Query and the argument that resumes from it."""

from collections.abc import Mapping
from typing import Any

# A table key by attribute name (every key attribute of this API is a string).
Key = dict[str, str]


def start_after(key: Key | None) -> dict[str, Any]:
    """The ExclusiveStartKey argument of a Scan/Query."""
    return {"ExclusiveStartKey": {name: {"S": value} for name, value in key.items()}} if key else {}


def resume_key(response: Mapping[str, Any]) -> Key | None:
    last = response.get("LastEvaluatedKey")
    return {name: value["S"] for name, value in last.items()} if last else None

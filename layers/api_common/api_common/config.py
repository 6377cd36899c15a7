"""Settings both services read from the environment, parsed once per container."""

import os
from collections.abc import Mapping
from dataclasses import dataclass


def require(environ: Mapping[str, str], name: str) -> str:
    """The value of a required variable; a missing one fails the cold start loudly, not a request later."""
    value = environ.get(name, "").strip()
    if not value:
        raise RuntimeError(f"environment variable {name} is required")
    return value


@dataclass(frozen=True, slots=True)
class CommonConfig:
    allowed_origin: str
    idempotency_table_name: str
    cursor_secret_id: str

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> "CommonConfig":
        return cls(
            allowed_origin=require(environ, "ALLOWED_ORIGIN"),
            idempotency_table_name=require(environ, "IDEMPOTENCY_TABLE_NAME"),
            cursor_secret_id=require(environ, "CURSOR_SECRET_ID"),
        )


COMMON = CommonConfig.from_environ()

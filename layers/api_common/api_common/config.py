"""Settings both services read from the environment, parsed once per container."""

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass


def require(environ: Mapping[str, str], name: str) -> str:
    """The value of a required variable; a missing one fails the cold start loudly, not a request later."""
    value = environ.get(name, "").strip()
    if not value:
        raise RuntimeError(f"environment variable {name} is required")
    return value


def load[T](config: Callable[..., T], environ: Mapping[str, str] = os.environ, **variables: str) -> T:
    """A typed config object whose fields are read from the named environment variables, all required."""
    return config(**{field: require(environ, variable) for field, variable in variables.items()})


@dataclass(frozen=True, slots=True)
class CommonConfig:
    allowed_origin: str
    idempotency_table_name: str
    cursor_secret_id: str


def common_config(environ: Mapping[str, str] = os.environ) -> CommonConfig:
    return load(
        CommonConfig,
        environ,
        allowed_origin="ALLOWED_ORIGIN",
        idempotency_table_name="IDEMPOTENCY_TABLE_NAME",
        cursor_secret_id="CURSOR_SECRET_ID",  # noqa: S106 - the variable's name, not a secret
    )


@functools.cache
def common() -> CommonConfig:
    """The shared settings of this container, read on the first call (each handler calls it at init)."""
    return common_config()

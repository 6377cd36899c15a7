"""The users service's settings, parsed once per container (shared ones: api_common.config.common)."""

from dataclasses import dataclass

from api_common.config import load


@dataclass(frozen=True, slots=True)
class UsersConfig:
    table_name: str


def users_config() -> UsersConfig:
    return load(UsersConfig, table_name="USERS_TABLE_NAME")

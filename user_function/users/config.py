"""The users service's settings, parsed once per container (shared ones: api_common.config.COMMON)."""

from dataclasses import dataclass

from api_common.config import load


@dataclass(frozen=True, slots=True)
class UsersConfig:
    table_name: str


CONFIG = load(UsersConfig, table_name="USERS_TABLE_NAME")

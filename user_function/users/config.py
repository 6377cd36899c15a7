"""The users service's settings, parsed once per container (shared ones: api_common.config.COMMON)."""

import os
from collections.abc import Mapping
from dataclasses import dataclass

from api_common.config import require


@dataclass(frozen=True, slots=True)
class UsersConfig:
    table_name: str

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> "UsersConfig":
        return cls(table_name=require(environ, "USERS_TABLE_NAME"))


CONFIG = UsersConfig.from_environ()

"""The hook's settings: the version ARNs of the deployment it checks, parsed once per container."""

import functools
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from api_common.config import load

# arn:<partition>:lambda:<region>:<account>:function:<name>:<version number>, what `!Ref <Function>.Version`
# gives (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-version.html).
_VERSION_ARN = re.compile(r"arn:[a-z-]+:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]+:\d+")


@dataclass(frozen=True, slots=True)
class Target:
    """One function under deployment: its name in reports, its API collection and its new version."""

    name: str
    collection: str
    version_arn: str


@dataclass(frozen=True, slots=True)
class HookConfig:
    users_version_arn: str
    products_version_arn: str

    def __post_init__(self) -> None:
        for arn in (self.users_version_arn, self.products_version_arn):
            if not _VERSION_ARN.fullmatch(arn):
                raise RuntimeError(f"not a function version ARN: {arn!r}")

    @property
    def targets(self) -> tuple[Target, ...]:
        return (
            Target("users", "/users", self.users_version_arn),
            Target("products", "/products", self.products_version_arn),
        )


def hook_config(environ: Mapping[str, str] = os.environ) -> HookConfig:
    return load(
        HookConfig,
        environ,
        users_version_arn="USERS_VERSION_ARN",
        products_version_arn="PRODUCTS_VERSION_ARN",
    )


@functools.cache
def current() -> HookConfig:
    """This container's settings, read on the first call: inside the handler, so that a broken variable is
    reported to CodeDeploy as a failed check instead of failing the import (which would leave the
    deployment waiting for a status that never comes)."""
    return hook_config()

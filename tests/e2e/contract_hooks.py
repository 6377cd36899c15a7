"""schemathesis hooks (SCHEMATHESIS_HOOKS=contract_hooks): sign every generated request with SigV4, as a
client of the IAM-protected API must. Credentials and region come from CONTRACT_* variables."""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from botocore.credentials import Credentials

from tools.local_api.sigv4_signer import ExecuteApiAuth

_AUTH = ExecuteApiAuth(
    Credentials(os.environ["CONTRACT_ACCESS_KEY_ID"], os.environ["CONTRACT_SECRET_ACCESS_KEY"]),
    os.environ.get("CONTRACT_REGION", "us-east-1"),
)


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    kwargs["auth"] = _AUTH

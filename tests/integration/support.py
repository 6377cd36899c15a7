"""Helpers of the integration suite: response decoding. The REST proxy events (the shape
`sam local generate-event apigateway aws-proxy` produces, with a SigV4-authenticated IAM identity filled in)
come from tools.lambda_doubles, which the bench uses too."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from tools.lambda_doubles import ACCOUNT_ID, CALLER_ARN, OTHER_CALLER_ARN, api_event, identity

__all__ = ["ACCOUNT_ID", "CALLER_ARN", "OTHER_CALLER_ARN", "Reply", "api_event", "identity", "reply"]


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    raw_body: str

    @property
    def body(self) -> Any:
        return json.loads(self.raw_body, parse_float=Decimal) if self.raw_body else None

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


def reply(result: Mapping[str, Any]) -> Reply:
    """Decode a proxy integration result (Powertools answers REST events with multiValueHeaders)."""
    headers = {name: values[-1] for name, values in (result.get("multiValueHeaders") or {}).items()}
    headers.update(result.get("headers") or {})
    return Reply(result["statusCode"], headers, result.get("body") or "")

"""Issue 8, point 6: gateway responses written so that AWS applies them as written.

- A statusCode on DEFAULT_4XX / DEFAULT_5XX changes the status of every other 4XX / 5XX response without its
  own statusCode (https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html):
  the fallbacks set none, and their bodies, which cannot know the status, claim none.
- REQUEST_TOO_LARGE cannot be customized
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html): not listed.
- Every listed type keeps AWS's documented status (INTEGRATION_FAILURE: 502, the status AWS gives a failed
  function, https://repost.aws/knowledge-center/malformed-502-api-gateway), and its body says the same status.
"""

import json
from typing import Any

import pytest

from tests.templates.rules.api import render_gateway_template
from tests.templates.stack import load_sources

# The "Default status code" column of AWS's gateway response types table.
AWS_DEFAULT_STATUS = {
    "ACCESS_DENIED": 403,
    "API_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_CONFIGURATION_ERROR": 500,
    "AUTHORIZER_FAILURE": 500,
    "BAD_REQUEST_PARAMETERS": 400,
    "BAD_REQUEST_BODY": 400,
    "EXPIRED_TOKEN": 403,
    "INTEGRATION_FAILURE": 504,
    "INTEGRATION_TIMEOUT": 504,
    "INVALID_API_KEY": 403,
    "INVALID_SIGNATURE": 403,
    "MISSING_AUTHENTICATION_TOKEN": 403,
    "QUOTA_EXCEEDED": 429,
    "REQUEST_TOO_LARGE": 413,
    "RESOURCE_NOT_FOUND": 404,
    "THROTTLED": 429,
    "UNAUTHORIZED": 401,
    "UNSUPPORTED_MEDIA_TYPE": 415,
    "WAF_FILTERED": 403,
}
OUR_STATUS = {**AWS_DEFAULT_STATUS, "INTEGRATION_FAILURE": 502}
FALLBACKS = ("DEFAULT_4XX", "DEFAULT_5XX")


@pytest.fixture(scope="module")
def responses() -> dict[str, Any]:
    return load_sources().openapi["x-amazon-apigateway-gateway-responses"]


def _problem(spec: dict[str, Any]) -> dict[str, Any]:
    return json.loads(render_gateway_template(spec["responseTemplates"]["application/json"], "m", "v"))


@pytest.mark.parametrize("fallback", FALLBACKS)
def test_fallbacks_set_no_status(responses: dict[str, Any], fallback: str) -> None:
    spec = responses[fallback]
    assert "statusCode" not in spec, f"{fallback}.statusCode would rewrite every other response of its class"
    assert "status" not in _problem(spec), f"{fallback}'s body cannot know the status it is sent with"


def test_request_too_large_is_not_customized(responses: dict[str, Any]) -> None:
    assert "REQUEST_TOO_LARGE" not in responses, "AWS ignores it: listing it documents a response nobody gets"


def test_every_listed_type_is_known_and_keeps_its_status(responses: dict[str, Any]) -> None:
    for response_type, spec in responses.items():
        if response_type in FALLBACKS:
            continue
        assert response_type in OUR_STATUS, f"{response_type} is not an API Gateway response type"
        status = OUR_STATUS[response_type]
        assert spec.get("statusCode") == str(status), f"{response_type} is sent with {spec.get('statusCode')}"
        assert _problem(spec)["status"] == status, f"{response_type}'s body claims another status"


def test_every_other_type_has_its_own_entry(responses: dict[str, Any]) -> None:
    # With no status on the fallbacks, a type left to them keeps AWS's status but gets a body without one.
    missing = set(OUR_STATUS) - set(responses) - {"REQUEST_TOO_LARGE"}
    assert not missing, f"left to DEFAULT_4XX/5XX: {sorted(missing)}"

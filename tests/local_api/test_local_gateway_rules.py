"""The local gateway's reading of AWS rules, in-process: the WAF WebACL (tools/local_api/waf.py), gateway
response status rules and the model keywords API Gateway ignores (tools/local_api/openapi.py).
docs/local-internals.md cites the AWS pages each rule comes from."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from requests.structures import CaseInsensitiveDict

from tests.local_api import FIXTURE_TEMPLATE
from tools.local_api.openapi import OpenApi
from tools.local_api.request_models import ExactDraft4Validator, parse_json
from tools.local_api.stack import load_stack
from tools.local_api.waf import WebAcl, WebRequest

ROOT = Path(__file__).resolve().parents[2]
CONTEXT = {"requestId": "r-1"}
NO_HEADERS: CaseInsensitiveDict[str] = CaseInsensitiveDict()


# ---- WAF
def _body(body: bytes) -> WebRequest:
    return WebRequest("POST", "/dev/users", b"", body)


def _acl(*rules: dict[str, Any], **properties: Any) -> WebAcl:
    return WebAcl({"DefaultAction": {"Allow": {}}, "Rules": list(rules), **properties})


def _size_rule(
    name: str,
    size: int,
    *,
    operator: str = "GT",
    oversize: str = "MATCH",
    action: Any = None,
    priority: int = 0,
) -> dict[str, Any]:
    return {
        "Name": name,
        "Priority": priority,
        "Action": action or {"Block": {}},
        "Statement": {
            "SizeConstraintStatement": {
                "FieldToMatch": {"Body": {"OversizeHandling": oversize}},
                "ComparisonOperator": operator,
                "Size": size,
                "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
            }
        },
    }


def test_the_stack_waf_yaml_rule_is_read_with_its_parameters_and_custom_response() -> None:
    stack = load_stack(ROOT / "template.yaml", "us-east-1")
    assert stack.web_acl is not None
    acl = WebAcl(stack.web_acl)
    bodies = stack.web_acl["CustomResponseBodies"]
    rule = next(r for r in stack.web_acl["Rules"] if r["Name"] == "BodyOverLimit")
    custom = rule["Action"]["Block"]["CustomResponse"]
    size = rule["Statement"]["SizeConstraintStatement"]["Size"]

    assert acl.evaluate(_body(b"x" * size)) is None
    blocked = acl.evaluate(_body(b"x" * (size + 1)))
    assert blocked is not None
    assert blocked.response is not None
    assert blocked.rule == "BodyOverLimit"
    assert blocked.response.status == custom["ResponseCode"]
    assert blocked.response.body == bodies[custom["CustomResponseBodyKey"]]["Content"]
    assert blocked.response.headers["Content-Type"] == "application/json"
    # What a local server cannot evaluate is named, not silently dropped.
    assert "RateLimitPerIp" in acl.not_emulated
    assert "AWSManagedRulesCommonRuleSet" in acl.not_emulated


def test_the_fixture_app_has_no_waf() -> None:
    assert load_stack(FIXTURE_TEMPLATE, "us-east-1").web_acl is None


@pytest.mark.parametrize(
    ("oversize", "body_size", "blocked"),
    [
        ("MATCH", 16 * 1024 + 1, True),  # over the 16 KB inspection limit: the rule matches unread
        ("NO_MATCH", 16 * 1024 + 1, False),
        ("CONTINUE", 16 * 1024 + 1, False),  # WAF sees 16 KB only, which is not over 20,000
        ("CONTINUE", 15_000, False),
        ("MATCH", 16 * 1024, False),
    ],
)
def test_oversize_handling_against_the_default_16_kb_inspection_limit(
    oversize: str, body_size: int, blocked: bool
) -> None:
    acl = _acl(_size_rule("Big", 20_000, oversize=oversize))
    assert (acl.evaluate(_body(b"x" * body_size)) is not None) is blocked


def test_raised_inspection_limit_and_comparison_operators() -> None:
    acl = _acl(
        _size_rule("Small", 10, operator="LT", oversize="NO_MATCH"),
        AssociationConfig={"RequestBody": {"API_GATEWAY": {"DefaultSizeInspectionLimit": "KB_32"}}},
    )
    assert acl.inspection_limit == 32 * 1024
    assert acl.evaluate(_body(b"123456789")) is not None
    assert acl.evaluate(_body(b"1234567890")) is None


def test_priority_allow_count_and_default_action() -> None:
    allow_small = _size_rule("AllowSmall", 5, operator="LE", action={"Allow": {}}, priority=1)
    count_all = _size_rule("CountAll", -1, operator="GT", action={"Count": {}}, priority=0)
    block_big = _size_rule("BlockBig", 100, action={"Block": {}}, priority=2)
    acl = WebAcl({"DefaultAction": {"Block": {}}, "Rules": [block_big, allow_small, count_all]})

    assert (
        acl.evaluate(_body(b"abc")) is None
    )  # Count goes on, Allow ends evaluation before the default Block
    big = acl.evaluate(_body(b"x" * 101))
    assert big is not None
    assert big.rule == "BlockBig"
    assert big.response is None
    middle = acl.evaluate(_body(b"x" * 50))
    assert middle is not None
    assert middle.rule == "DefaultAction"


def test_rules_that_cannot_be_emulated_never_match() -> None:
    managed = {
        "Name": "Managed",
        "Priority": 0,
        "OverrideAction": {"None": {}},
        "Statement": {
            "ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesSQLiRuleSet"}
        },
    }
    transformed = _size_rule("Decoded", 0)
    transformed["Statement"]["SizeConstraintStatement"]["TextTransformations"] = [
        {"Priority": 0, "Type": "URL_DECODE"}
    ]
    acl = _acl(managed, transformed)
    assert acl.not_emulated == ["Managed", "Decoded"]
    assert acl.evaluate(_body(b"' OR 1=1 --")) is None


# ---- gateway responses
def _responses(**configured: dict[str, Any]) -> OpenApi:
    return OpenApi({"x-amazon-apigateway-gateway-responses": configured})


def _render(api: OpenApi, response_type: str, status: int | None = None) -> tuple[int, str]:
    rendered = api.render_gateway_response(response_type, "msg", CONTEXT, NO_HEADERS, status=status)
    return rendered.status, rendered.body


def test_default_4xx_status_applies_to_every_4xx_without_its_own() -> None:
    api = _responses(
        DEFAULT_4XX={"statusCode": "400", "responseTemplates": {"application/json": '{"d":"4xx"}'}},
        INVALID_SIGNATURE={"statusCode": "401"},
        BAD_REQUEST_BODY={"responseTemplates": {"application/json": '{"own":true}'}},
    )
    assert _render(api, "MISSING_AUTHENTICATION_TOKEN") == (400, '{"d":"4xx"}')  # unconfigured: all of 4XX
    assert _render(api, "INVALID_SIGNATURE")[0] == 401  # its own statusCode wins
    assert _render(api, "BAD_REQUEST_BODY") == (400, '{"own":true}')  # own template, DEFAULT_4XX's status


def test_without_a_default_status_each_type_keeps_its_own_default() -> None:
    api = _responses(DEFAULT_4XX={"responseTemplates": {"application/json": '{"d":1}'}})
    assert _render(api, "MISSING_AUTHENTICATION_TOKEN") == (403, '{"d":1}')
    assert _render(api, "BAD_REQUEST_PARAMETERS")[0] == 400


def test_default_5xx_status_applies_to_5xx_responses() -> None:
    api = _responses(DEFAULT_5XX={"statusCode": "503"}, INTEGRATION_TIMEOUT={"statusCode": "504"})
    assert _render(api, "DEFAULT_5XX", status=502)[0] == 503
    assert _render(api, "INTEGRATION_FAILURE")[0] == 503
    assert _render(api, "INTEGRATION_TIMEOUT")[0] == 504
    assert _render(_responses(), "DEFAULT_5XX", status=502)[0] == 502


def test_request_too_large_cannot_be_customized() -> None:
    api = _responses(
        DEFAULT_4XX={"statusCode": "400", "responseTemplates": {"application/json": "{}"}},
        REQUEST_TOO_LARGE={
            "statusCode": "400",
            "responseParameters": {"gatewayresponse.header.X-Custom": "'yes'"},
            "responseTemplates": {"application/json": '{"custom":true}'},
        },
    )
    rendered = api.render_gateway_response("REQUEST_TOO_LARGE", "Request Too Long", CONTEXT, NO_HEADERS)
    assert (rendered.status, rendered.body) == (413, '{"message":"Request Too Long"}')
    assert rendered.headers == {"Content-Type": "application/json"}


# ---- the model keywords API Gateway does not support
def test_unsupported_model_keywords_are_ignored_and_the_rest_enforced() -> None:
    schema = {
        "type": "object",
        "required": ["n"],
        "additionalProperties": False,
        "properties": {
            "n": {"type": "number", "minimum": 0, "exclusiveMinimum": True, "multipleOf": Decimal("0.01")},
            "tags": {"type": "array", "minItems": 2, "maxItems": 3, "items": {"type": "string"}},
            "one": {"oneOf": [{"type": "string"}, {"type": "string"}]},
            "any": {"anyOf": [{"type": "string"}]},
            "s": {"type": "string", "maxLength": 2, "pattern": "^a"},
        },
    }
    validator = ExactDraft4Validator(schema)

    def errors(instance: Any) -> list[str]:
        return [error.message for error in validator.iter_errors(instance)]

    ignored = {"n": Decimal(0), "extra": 1, "tags": [], "one": "x", "any": 5}
    assert errors(ignored) == []
    assert errors({"n": Decimal("-0.01")})  # minimum itself is enforced
    assert errors({"n": Decimal("0.001")})  # multipleOf
    assert errors({"n": Decimal(1), "tags": [1]})  # items
    assert errors({"n": Decimal(1), "s": "abc"})  # maxLength
    assert errors({"n": Decimal(1), "s": "b"})  # pattern
    assert errors({})  # required


def test_numbers_of_any_exponent_or_length_are_read_and_judged_by_the_model() -> None:
    """Decimal refuses exponents past about 10**18 with InvalidOperation: the gateway answered 500. Any JSON
    number now reaches the model, which judges it as it would judge the number itself."""
    price = {"type": "number", "minimum": 0, "maximum": 1000000000, "multipleOf": Decimal("0.01")}
    validator = ExactDraft4Validator(
        {"type": "object", "properties": {"price": price, "name": {"type": "string"}}}
    )

    def errors(raw: str) -> list[str]:
        return [error.message for error in validator.iter_errors(parse_json(raw.encode()))]

    huge = "9" * 19
    assert errors(f'{{"price": 0e{huge}}}') == []  # zero, whatever the exponent
    assert errors(f'{{"price": -0.0E-{huge}}}') == []
    assert errors(f'{{"price": 1e{huge}}}')  # above the maximum
    assert errors(f'{{"price": 1E-{huge}}}')  # not a multiple of 0.01
    assert errors(f'{{"price": -1e-{huge}}}')  # below the minimum
    assert errors('{"price": ' + "9" * 5000 + "}")  # longer than int() reads
    assert errors('{"name": ' + "9" * 5000 + "}")  # a number where a string goes
    # Unknown fields are the function's to refuse (API Gateway ignores additionalProperties).
    assert errors(f'{{"junk": [1E-{huge}, 1e{huge}], "price": 1}}') == []
    assert parse_json(b"[5]") == [5]  # ordinary integers stay ints


def test_custom_response_headers_and_body_come_from_the_web_acl() -> None:
    block = {
        "Block": {
            "CustomResponse": {
                "ResponseCode": 429,
                "CustomResponseBodyKey": "Slow",
                "ResponseHeaders": [
                    {"Name": "Retry-After", "Value": "30"},
                    {"Name": "X-Why", "Value": "size"},
                ],
            }
        }
    }
    acl = _acl(
        _size_rule("Big", 3, action=block),
        CustomResponseBodies={"Slow": {"ContentType": "TEXT_PLAIN", "Content": "slow down"}},
    )
    blocked = acl.evaluate(_body(b"1234"))
    assert blocked is not None
    assert blocked.response is not None
    assert blocked.response.status == 429
    assert blocked.response.body == "slow down"
    assert blocked.response.headers == {"Retry-After": "30", "X-Why": "size", "Content-Type": "text/plain"}

"""The custom domain, in both states of its condition on the translated template: nothing of it by default,
all of it wired when DomainName is set; and the Rules that refuse a combination the stack cannot deploy.

- A regional domain with an enhanced TLS policy that API Gateway lists for regional custom domains, in STRICT
  endpoint access mode
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-security-policies-list.html,
  https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-security-policies.html); the REST
  API itself takes the same policy, as a domain call negotiates TLS with the API's
  (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-custom-domain-tls-version.html).
- The domain's root maps the stage, only once the WebACL is on that stage; its alias record when a hosted zone
  is given; the URL clients use in ApiUrl and in Parameter Store; the execute-api endpoint turned off only on
  request and only with a domain (the OpenAPI body's endpoint configuration).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.templates.rules.base import Check, Mutations, resource, sub_text
from tests.templates.stack import Sources, Stack, as_list, condition, evaluate, holds, translate

DOMAIN = {
    "DomainName": "api.example.com",
    "CertificateArn": "arn:aws:acm:us-east-1:111122223333:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
}
WITH_RECORD = {**DOMAIN, "HostedZoneId": "Z0123456789ABCDEFGHIJ"}
DOMAIN_TYPES = ("AWS::ApiGateway::DomainName", "AWS::ApiGateway::BasePathMapping", "AWS::Route53::RecordSet")
# Enhanced policies API Gateway accepts for regional custom domain names (TLS 1.3, or 1.3 and 1.2 with forward
# secrecy): the legacy TLS_1_0 and TLS_1_2 are not current.
CURRENT_POLICIES = {
    "SecurityPolicy_TLS13_1_3_2025_09",
    "SecurityPolicy_TLS13_1_3_FIPS_2025_09",
    "SecurityPolicy_TLS13_1_2_PFS_PQ_2025_09",
    "SecurityPolicy_TLS13_1_2_FIPS_PFS_PQ_2025_09",
}
EXECUTE_API_URL = "https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Environment}"
NO_VALUE = {"Ref": "AWS::NoValue"}


def _present(stack: Stack, parameters: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """The translated resources CloudFormation creates with these parameters."""
    cfn = stack.cfn
    return {
        name: r
        for name, r in cfn["Resources"].items()
        if "Condition" not in r or condition(r["Condition"], cfn, parameters)
    }


def _state(stack: Stack, parameters: Mapping[str, str]) -> tuple[Stack, dict[str, dict[str, Any]]]:
    translated = translate(stack.sources, parameters)
    return translated, _present(translated, parameters)


def _of_types(resources: Mapping[str, dict[str, Any]]) -> dict[str, str]:
    return {name: r["Type"] for name, r in resources.items() if r["Type"] in DOMAIN_TYPES}


def _value(stack: Stack, node: Any, parameters: Mapping[str, str]) -> Any:
    return evaluate(node, stack.cfn, parameters)


def _execute_api_disabled(stack: Stack, parameters: Mapping[str, str]) -> Any:
    (server,) = stack.body["servers"]
    setting = server["x-amazon-apigateway-endpoint-configuration"]["disableExecuteApiEndpoint"]
    return _value(stack, setting, parameters)


def check_custom_domain_is_off_by_default(stack: Stack) -> None:
    for name in ("DomainName", "CertificateArn", "HostedZoneId"):
        assert stack.sources.template["Parameters"][name]["Default"] == "", f"{name} must default to empty"
    assert stack.sources.template["Parameters"]["DisableExecuteApiEndpoint"]["Default"] == "false"
    translated, present = _state(stack, {})
    assert _of_types(present) == {}, f"created without a domain: {_of_types(present)}"
    api = translated.resources["Api"]["Properties"]
    for key in ("SecurityPolicy", "EndpointAccessMode"):
        assert _value(translated, api.get(key, NO_VALUE), {}) == NO_VALUE, (
            f"the API's {key} changes by default"
        )
    assert _execute_api_disabled(translated, {}) is False, "the execute-api endpoint must answer by default"
    url = _value(translated, translated.cfn["Outputs"]["ApiUrl"]["Value"], {})
    assert sub_text(url) == EXECUTE_API_URL, f"ApiUrl without a domain: {url}"
    waf = _value(translated, translated.resources["Waf"]["Properties"]["Parameters"], {})
    assert waf["ServedOnCustomDomain"] == "false"


def check_custom_domain_is_wired_when_set(stack: Stack) -> None:
    translated, present = _state(stack, WITH_RECORD)
    types = _of_types(present)
    assert sorted(types.values()) == sorted(DOMAIN_TYPES), f"with a domain and a zone: {types}"
    ((domain_id, domain),) = [(n, present[n]) for n, t in types.items() if t == DOMAIN_TYPES[0]]
    props = domain["Properties"]
    assert props["DomainName"] == {"Ref": "DomainName"}
    assert props["RegionalCertificateArn"] == {"Ref": "CertificateArn"}
    assert props["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert props.get("SecurityPolicy") in CURRENT_POLICIES, f"TLS policy {props.get('SecurityPolicy')}"
    assert props.get("EndpointAccessMode") == "STRICT", (
        "an enhanced policy needs an access mode; STRICT checks SNI"
    )
    api = translated.resources["Api"]["Properties"]
    assert _value(translated, api.get("SecurityPolicy", NO_VALUE), WITH_RECORD) == props["SecurityPolicy"]
    assert _value(translated, api["EndpointAccessMode"], WITH_RECORD) == "BASIC"
    (mapping,) = [present[n] for n, t in types.items() if t == DOMAIN_TYPES[1]]
    assert mapping["Properties"] == {
        "DomainName": {"Ref": domain_id},
        "RestApiId": {"Ref": "Api"},
        "Stage": {"Ref": "ApiStage"},
    }, "the domain's root must map this API's stage"
    assert "WebAclAssociation" in as_list(mapping.get("DependsOn", [])), "mapped before WAF is on the stage"
    (record,) = [present[n]["Properties"] for n, t in types.items() if t == DOMAIN_TYPES[2]]
    assert (record["HostedZoneId"], record["Name"], record["Type"]) == (
        {"Ref": "HostedZoneId"},
        {"Ref": "DomainName"},
        "A",
    )
    assert record["AliasTarget"]["DNSName"] == {"Fn::GetAtt": [domain_id, "RegionalDomainName"]}
    assert record["AliasTarget"]["HostedZoneId"] == {"Fn::GetAtt": [domain_id, "RegionalHostedZoneId"]}
    url = _value(translated, translated.cfn["Outputs"]["ApiUrl"]["Value"], WITH_RECORD)
    assert sub_text(url) == "https://${DomainName}", f"clients are told {url}"
    stored = _value(translated, translated.resources["ApiUrlParameter"]["Properties"]["Value"], WITH_RECORD)
    assert stored == url, "Parameter Store and the ApiUrl output must agree"
    waf = _value(translated, translated.resources["Waf"]["Properties"]["Parameters"], WITH_RECORD)
    assert waf["ServedOnCustomDomain"] == "true"
    _, without_zone = _state(stack, DOMAIN)
    assert DOMAIN_TYPES[2] not in _of_types(without_zone).values(), "a record without a hosted zone"


def check_execute_api_endpoint_is_off_only_on_request_with_a_domain(stack: Stack) -> None:
    translated = translate(stack.sources, {})
    cases = [
        (DOMAIN, False),
        ({**DOMAIN, "DisableExecuteApiEndpoint": "true"}, True),
        (
            {"DisableExecuteApiEndpoint": "true"},
            False,
        ),  # refused by the rules anyway: no way in would be left
    ]
    for parameters, disabled in cases:
        assert _execute_api_disabled(translated, parameters) is disabled, (
            f"{parameters}: disabled != {disabled}"
        )
        listed = "ExecuteApiUrl" in translated.cfn["Outputs"] and condition(
            translated.cfn["Outputs"]["ExecuteApiUrl"]["Condition"], translated.cfn, parameters
        )
        assert listed is not disabled, f"{parameters}: ExecuteApiUrl output listed={listed}"


def refusals(template: Mapping[str, Any], parameters: Mapping[str, str]) -> list[str]:
    """The Rules whose assertions fail for these parameters (CloudFormation refuses the stack then)."""
    failed = []
    for name, rule in template.get("Rules", {}).items():
        if holds(rule.get("RuleCondition", True), template, parameters):
            failed += [name for a in rule["Assertions"] if not holds(a["Assert"], template, parameters)]
    return failed


def check_rules_refuse_what_cannot_deploy(stack: Stack) -> None:
    template = stack.cfn
    assert refusals(template, {}) == [], "the defaults must deploy"
    assert refusals(template, WITH_RECORD) == []
    assert refusals(template, {**DOMAIN, "DisableExecuteApiEndpoint": "true"}) == []
    for parameters in (
        {"DomainName": "api.example.com"},  # no certificate for it
        {"CertificateArn": DOMAIN["CertificateArn"]},  # a certificate for no domain
        {"HostedZoneId": WITH_RECORD["HostedZoneId"]},  # a zone for no domain
        {"DisableExecuteApiEndpoint": "true"},  # no endpoint left at all
    ):
        assert refusals(template, parameters), f"{parameters} is accepted"


CHECKS: list[Check] = [
    check_custom_domain_is_off_by_default,
    check_custom_domain_is_wired_when_set,
    check_execute_api_endpoint_is_off_only_on_request_with_a_domain,
    check_rules_refuse_what_cannot_deploy,
]


def _server_extension(sources: Sources) -> dict[str, Any]:
    extension: dict[str, Any] = sources.openapi["servers"][0]["x-amazon-apigateway-endpoint-configuration"]
    return extension


MUTATIONS: Mutations = {
    "domain created without DomainName": (
        lambda s: s.template["Resources"]["ApiDomainName"].pop("Condition"),
        check_custom_domain_is_off_by_default,
    ),
    "execute-api endpoint always off": (
        lambda s: _server_extension(s).update(disableExecuteApiEndpoint=True),
        check_custom_domain_is_off_by_default,
    ),
    "domain on the legacy TLS_1_0 policy": (
        lambda s: resource(s, "ApiDomainName").update(SecurityPolicy="TLS_1_0"),
        check_custom_domain_is_wired_when_set,
    ),
    "enhanced policy without STRICT access mode": (
        lambda s: resource(s, "ApiDomainName").update(EndpointAccessMode="BASIC"),
        check_custom_domain_is_wired_when_set,
    ),
    "API keeps its legacy policy behind the domain": (
        lambda s: resource(s, "Api").pop("SecurityPolicy"),
        check_custom_domain_is_wired_when_set,
    ),
    "domain mapped before WAF is on the stage": (
        lambda s: s.template["Resources"]["ApiBasePathMapping"].pop("DependsOn"),
        check_custom_domain_is_wired_when_set,
    ),
    "domain mapped under a base path": (
        lambda s: resource(s, "ApiBasePathMapping").update(BasePath="v1"),
        check_custom_domain_is_wired_when_set,
    ),
    "alias record pointing at the execute-api host": (
        lambda s: resource(s, "ApiDomainRecord")["AliasTarget"].update(
            DNSName={"Fn::Sub": "${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
        ),
        check_custom_domain_is_wired_when_set,
    ),
    "ApiUrl keeps the execute-api URL": (
        lambda s: s.template["Outputs"]["ApiUrl"].update(Value={"Fn::Sub": EXECUTE_API_URL}),
        check_custom_domain_is_wired_when_set,
    ),
    "execute-api endpoint off whenever asked, domain or not": (
        lambda s: s.template["Conditions"].update(
            ExecuteApiEndpointDisabled={"Fn::Equals": [{"Ref": "DisableExecuteApiEndpoint"}, "true"]}
        ),
        check_execute_api_endpoint_is_off_only_on_request_with_a_domain,
    ),
    "no rule for a domain without its certificate": (
        lambda s: s.template["Rules"].pop("DomainNeedsCertificate"),
        check_rules_refuse_what_cannot_deploy,
    ),
}

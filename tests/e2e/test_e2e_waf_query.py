"""Query strings through WAF (waf.yaml) as a client sends them: category values that look like attacks are
data and list what was stored; the longest cursor the API issues passes with its category; a query string
over WAF's limit is WAF's 403; the query argument rules still block everywhere else. Locally the WebACL's own
rules run (tools/local_api/waf.py); AWS's managed rules only run deployed, where this suite proves the
exemption they were given."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlencode

import pytest
from e2e_support import Api, assert_problem, product_body

from tools.local_api.stack import load_stack

ROOT = Path(__file__).resolve().parents[2]
# Stored categories that the core rule set's and the SQLi set's query argument rules flag (XSS, path
# traversal, SQL injection, remote file inclusion, EC2 metadata, a restricted extension).
LOOKALIKES = ["<b>", "../x", "1' OR '1'='1", "http://10.0.0.1/", "169.254.169.254", "notes.ini"]


@cache
def query_string_limit() -> int:
    acl = load_stack(ROOT / "template.yaml", "us-east-1").web_acl
    assert acl is not None
    rule = next(r for r in acl["Rules"] if r["Name"] == "QueryStringOverLimit")
    return int(rule["Statement"]["SizeConstraintStatement"]["Size"])


@pytest.mark.parametrize("lookalike", LOOKALIKES)
def test_a_category_that_looks_like_an_attack_lists_what_was_stored(
    api: Api, unique: str, lookalike: str
) -> None:
    category = f"{unique} {lookalike}"  # the value ends as the attack would
    ids = {
        api.post("/products", json=product_body(f"{unique}-{n}", category=category)).json()["id"]
        for n in (1, 2)
    }

    page = api.get("/products", params={"category": category, "limit": 1})
    assert page.status_code == 200, page.text
    rest = api.get(
        "/products", params={"category": category, "limit": 1, "cursor": page.json()["nextCursor"]}
    )
    assert rest.status_code == 200, rest.text

    assert {item["id"] for item in page.json()["items"] + rest.json()["items"]} == ids


@pytest.mark.needs("options-mocks")
@pytest.mark.parametrize("lookalike", LOOKALIKES)
def test_the_category_filters_preflight_passes_waf(api: Api, unique: str, lookalike: str) -> None:
    # A browser's preflight carries the query string of the GET it asks about.
    preflight = api.request(
        "OPTIONS",
        f"/products?{urlencode({'category': f'{unique} {lookalike}'})}",
        signed=False,
        headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204, preflight.text
    assert "Access-Control-Allow-Origin" in preflight.headers


def test_the_longest_cursor_passes_waf_with_its_category(api: Api, unique: str) -> None:
    # 50 characters of 4 UTF-8 bytes each: the longest category, percent-encoded to 600 bytes, and the
    # longest cursor the API issues (each character a 12-character JSON escape in the signed key).
    category = "".join(chr(0x10000 + ord(c)) for c in unique).ljust(50, "\U0010fffd")
    ids = {
        api.post("/products", json=product_body(f"{unique}-{n}", category=category)).json()["id"]
        for n in (1, 2)
    }
    first = api.get("/products", params={"category": category, "limit": 1})
    assert first.status_code == 200, first.text
    params = {"limit": 1, "cursor": first.json()["nextCursor"], "category": category}

    second = api.get("/products", params=params)

    assert second.status_code == 200, second.text
    assert {item["id"] for item in first.json()["items"] + second.json()["items"]} == ids
    sent = len(urlencode(params))
    assert 1400 < sent <= query_string_limit(), f"{sent} bytes: not the longest case any more"


@pytest.mark.needs("waf", "gateway-responses")
def test_a_query_string_over_the_limit_is_wafs_403(api: Api) -> None:
    limit = query_string_limit()
    at_limit = api.get(f"/users?cursor={'a' * (limit - len('cursor='))}")
    over = api.get(f"/users?cursor={'a' * (limit + 1 - len('cursor='))}")

    assert_problem(at_limit, 400)  # WAF lets it through; the function refuses a cursor that long
    body = assert_problem(over, 403)
    assert body["title"] == "Forbidden"


@pytest.mark.needs("waf")
@pytest.mark.parametrize(
    ("path", "query"),
    [("/users", {"cursor": "<script>alert(1)</script>"}), ("/users", {"cursor": "../../etc/passwd"})],
)
def test_query_argument_rules_still_block_outside_the_category_filter(
    api: Api, path: str, query: dict[str, str]
) -> None:
    response = api.get(path, params=query)
    if api.local:
        # The managed rules are AWS's and do not run locally (docs/local.md): the function answers.
        assert_problem(response, 400)
    else:
        assert_problem(response, 403)

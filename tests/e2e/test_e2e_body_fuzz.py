"""Body fuzz through the server: seeded bodies (tests/e2e/fuzz_bodies.py) POSTed and PUT to both collections.
No answer is a 5xx, every refusal is a 4xx problem, and nothing changes that should not: the collections
afterwards are the collections before, plus what was created (201) and what was replaced (200); and no two
users of the run share an email address in any spelling.

FUZZ_REQUESTS (default 2000) sets the count of the default profile, FUZZ_INPUT_REQUESTS (default 3000) that
of the input families, FUZZ_SEED (default 8) the seed: 5,200 requests in all by default.
"""

from __future__ import annotations

import os
import random
import unicodedata
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from e2e_support import BODIES, Api, RawResponse, assert_problem
from fuzz_bodies import HOSTILE_KINDS, INPUT_KINDS, KINDS, FuzzBody, body
from requests import Response

REQUESTS = int(os.environ.get("FUZZ_REQUESTS", "2000"))
INPUT_REQUESTS = int(os.environ.get("FUZZ_INPUT_REQUESTS", "3000"))
SEED = int(os.environ.get("FUZZ_SEED", "8"))
WORKERS = 4
# Nesting inside an unknown field reaches the function's parser (the gateway does not look at unknown
# fields), so the fuzz goes up to the depth where the local gateway's own parser gives up
# (docs/local-internals.md).
MAX_UNKNOWN_DEPTH = 9_998
PROFILES = [
    pytest.param(
        (KINDS, REQUESTS, MAX_UNKNOWN_DEPTH),
        id="default",
        marks=pytest.mark.needs("non-utf8-bodies"),  # its "encoding" kind sends bytes that are not UTF-8
    ),
    # Valid prices that DynamoDB cannot hold as written and deep unknown fields: a 500 in each before issue 8.
    pytest.param((HOSTILE_KINDS, 200, MAX_UNKNOWN_DEPTH), id="hostile"),
    # Numbers of any exponent, repeated fields and parameters, NFC/NFD emails, charsets, preconditions.
    pytest.param(
        (INPUT_KINDS, INPUT_REQUESTS, MAX_UNKNOWN_DEPTH),
        id="inputs",
        # UTF-16 bodies, and header fields given twice
        marks=pytest.mark.needs("non-utf8-bodies", "multi-value-headers"),
    ),
]
Result = tuple[str, str, FuzzBody, int, Any]


def _snapshot(api: Api) -> dict[str, dict[str, Any]]:
    """Every item of both collections, by "collection/id", read page by page."""
    items: dict[str, dict[str, Any]] = {}
    for collection in ("users", "products"):
        cursor = None
        while True:
            params = {"limit": 100, **({"cursor": cursor} if cursor else {})}
            page = api.get(f"/{collection}", params=params)
            assert page.status_code == 200, page.text
            items |= {f"{collection}/{item['id']}": item for item in page.json()["items"]}
            cursor = page.json()["nextCursor"]
            if cursor is None:
                break
    return items


def _plan(
    unique: str, kinds: list[str], count: int, max_unknown_depth: int
) -> list[tuple[str, str, FuzzBody]]:
    rng = random.Random(SEED)  # noqa: S311 - a reproducible fuzz, not a secret
    plan = []
    for number in range(count):
        collection = rng.choice(["users", "products"])
        method = rng.choice(["POST", "PUT"])
        fuzz = body(collection, rng, f"{unique}-{number}", max_unknown_depth=max_unknown_depth, kinds=kinds)
        plan.append((collection, method, fuzz))
    return plan


@pytest.mark.parametrize("profile", PROFILES)
def test_body_fuzz_never_5xx_and_changes_only_what_it_was_allowed_to(
    api: Api, unique: str, profile: tuple[list[str], int, int]
) -> None:
    targets = {}
    for collection in ("users", "products"):
        response = api.post(f"/{collection}", json=BODIES[collection](f"fz-target-{unique}"))
        assert response.status_code == 201, response.text
        targets[collection] = response.json()
    before = _snapshot(api)

    def send(step: tuple[str, str, FuzzBody]) -> Result:
        collection, method, fuzz = step
        path = f"/{collection}" if method == "POST" else f"/{collection}/{targets[collection]['id']}"
        path += f"?{fuzz.query}" if fuzz.query else ""
        response: Response | RawResponse
        if fuzz.fields:  # repeated fields: on the wire as listed (If-Match only on PUT)
            fields = [f for f in fuzz.fields if method == "PUT" or f[0] != "If-Match"]
            response = api.send_fields(method, path, fields, fuzz.data)
        else:
            headers = {"If-Match": '"1"'} if method == "PUT" else {}
            if fuzz.content_type:
                headers["Content-Type"] = fuzz.content_type
            response = api.request(method, path, data=fuzz.data, headers={**headers, **fuzz.headers})
        if response.status_code < 400:
            return collection, method, fuzz, response.status_code, response.json()
        try:
            assert_problem(response)  # a 4xx problem, never a 5xx
        except AssertionError as error:
            return collection, method, fuzz, response.status_code, error
        return collection, method, fuzz, response.status_code, None

    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(send, _plan(unique, *profile)))

    statuses = Counter(status for *_, status, _ in results)
    wrong = [
        (m, c, f.kind, f.data[:80], str(e)[:200])
        for c, m, f, _, e in results
        if isinstance(e, AssertionError)
    ]
    assert not wrong, (statuses, wrong[:5])
    created = {f"{c}/{item['id']}": item for c, m, _, s, item in results if m == "POST" and s == 201}
    replaced = {f"{c}/{item['id']}": item for c, m, _, s, item in results if m == "PUT" and s == 200}
    assert len(replaced) == sum(1 for _, m, _, s, _ in results if m == "PUT" and s == 200)  # If-Match "1"
    after = _snapshot(api)
    assert after.keys() == {**before, **created}.keys()  # refused requests created nothing
    assert after == {**before, **created, **replaced}  # and changed nothing
    emails = Counter(
        unicodedata.normalize("NFC", item["email"].lower())
        for key, item in after.items()
        if key.startswith("users/") and unique in item["email"]
    )
    assert all(count == 1 for count in emails.values()), emails  # one user per address, whatever the spelling
    kinds = Counter((fuzz.kind, status) for _, _, fuzz, status, _ in results)
    print(f"fuzz: {len(results)} requests, seed {SEED}, statuses {dict(statuses)}, by kind {dict(kinds)}")
    _delete(api, [*created, *(f"{c}/{item['id']}" for c, item in targets.items())])


def _delete(api: Api, keys: list[str]) -> None:
    """The run's own items go now, not at the end of the session: the later tests (listings walk every
    page) should not read hundreds of fuzz items."""
    paths = [f"/{key}" for key in keys]
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(lambda path: api.session.delete(api.url(path), auth=api.auth, timeout=30), paths))
    api.created[:] = [location for location in api.created if not location.endswith(tuple(paths))]

"""What the hook asks each new version, as API Gateway would ask it, and what counts as a right answer.

Three GETs per function, none of which writes or depends on what the tables hold:
- a missing id: the table is read (permission, key, KMS) and the answer is the 404 problem;
- a one-item page: the scan works and the answer has the list shape;
- a well-formed cursor this API never signed: the cursor key is read from Secrets Manager (permission, KMS)
  before the signature is refused with the 400 problem. An empty table would never sign a cursor, so the
  page alone does not prove the key is readable.
An import error or a missing variable fails all three at the cold start.
"""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

PROBLEM_JSON = "application/problem+json"
APPLICATION_JSON = "application/json"
MISSING_ID = "00000000-0000-4000-8000-000000000000"
# base64url("{}") and a MAC of zeros: passes the cursor's syntax checks, so the function must read its key.
UNSIGNED_CURSOR = "e30.AAAAAAAAAAAAAAAAAAAAAA"


@dataclass(frozen=True, slots=True)
class Answer:
    """The parts of an API Gateway proxy result the checks judge."""

    status: int
    content_type: str
    body: Any


Judge = Callable[[Answer], str | None]


@dataclass(frozen=True, slots=True)
class Probe:
    name: str
    resource: str
    path: str
    query: Mapping[str, str] | None
    judge: Judge


def _problem(status: int) -> Judge:
    def judge(answer: Answer) -> str | None:
        if answer.status != status or answer.content_type != PROBLEM_JSON:
            return f"expected {status} {PROBLEM_JSON}, got {answer.status} {answer.content_type or '-'}"
        if not isinstance(answer.body, dict) or answer.body.get("status") != status:
            return f"the {status} body is not the problem shape"
        return None

    return judge


def _page(answer: Answer) -> str | None:
    if answer.status != 200 or answer.content_type != APPLICATION_JSON:
        return f"expected 200 {APPLICATION_JSON}, got {answer.status} {answer.content_type or '-'}"
    body = answer.body
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        return "the 200 body has no items list"
    if "nextCursor" not in body or not isinstance(body["nextCursor"], str | None):
        return "the 200 body has no nextCursor (string or null)"
    return None


def probes(collection: str) -> tuple[Probe, ...]:
    """The checks of one function, the cheapest first (the first one pays the cold start)."""
    item = f"{collection}/{{id}}"
    return (
        Probe(f"GET {item} of a missing id", item, f"{collection}/{MISSING_ID}", None, _problem(404)),
        Probe(f"GET {collection}?limit=1", collection, collection, {"limit": "1"}, _page),
        Probe(
            f"GET {collection}?cursor=<unsigned>",
            collection,
            collection,
            {"cursor": UNSIGNED_CURSOR},
            _problem(400),
        ),
    )


def rest_event(probe: Probe, request_id: str) -> dict[str, Any]:
    """The REST proxy event (payload format 1.0) API Gateway would send for the probe's request.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html"""
    headers = {"Accept": APPLICATION_JSON, "User-Agent": "pre-traffic-hook"}
    path_id = probe.path.rsplit("/", 1)[1] if "{id}" in probe.resource else None
    return {
        "resource": probe.resource,
        "path": probe.path,
        "httpMethod": "GET",
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": dict(probe.query) if probe.query else None,
        "multiValueQueryStringParameters": {k: [v] for k, v in probe.query.items()} if probe.query else None,
        "pathParameters": {"id": path_id} if path_id else None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": probe.resource,
            "httpMethod": "GET",
            "path": probe.path,
            "requestId": request_id,
            "identity": {"sourceIp": "127.0.0.1", "userAgent": "pre-traffic-hook"},
        },
        "body": None,
        "isBase64Encoded": False,
    }


def answer_of(result: Any) -> Answer:
    """The proxy result a function returned, or ValueError when it is not one (a broken response shape)."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        raise ValueError("not an API Gateway proxy result")
    headers: dict[str, str] = {}
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers[name.lower()] = str(values[-1]) if isinstance(values, list) and values else str(values)
    for name, value in (result.get("headers") or {}).items():
        headers[name.lower()] = str(value)
    text = result.get("body") or ""
    try:
        body = json.loads(text) if text else None
    except json.JSONDecodeError:
        raise ValueError("the body is not JSON") from None
    media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return Answer(result["statusCode"], media_type, body)

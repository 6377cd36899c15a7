"""Every response the functions send: JSON or problem+json bodies, ETag/Location, and the CORS headers.

CORS is static (ALLOWED_ORIGIN on every response, whatever the request's Origin) so that function responses
carry exactly the headers the gateway responses in openapi.yaml carry; preflight is answered by the gateway.
"""

from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types

from api_common import config, jsonio
from api_common.etags import etag
from api_common.models import ItemModel
from api_common.problems import PROBLEM_JSON, Problem

EXPOSED_HEADERS = "ETag, Location, Retry-After"


def cors_headers() -> dict[str, str]:
    return {
        "Access-Control-Allow-Origin": config.common().allowed_origin,
        "Access-Control-Expose-Headers": EXPOSED_HEADERS,
    }


def json_response(
    status: HTTPStatus,
    body: Any,
    headers: Mapping[str, str] | None = None,
    content_type: str = content_types.APPLICATION_JSON,
) -> Response[str]:
    return Response(
        status_code=status.value,
        content_type=content_type,
        body=jsonio.dumps(body),
        headers={**cors_headers(), **(headers or {})},
    )


def problem_response(problem: Problem) -> Response[str]:
    return json_response(problem.status, problem.body(), problem.headers, content_type=PROBLEM_JSON)


def item_response(
    item: ItemModel, status: HTTPStatus = HTTPStatus.OK, location: str | None = None
) -> Response[str]:
    headers = {"ETag": etag(item.version)}
    if location is not None:
        headers["Location"] = location
    return json_response(status, item.to_json(), headers)


def created_response(item: ItemModel, collection: str) -> Response[str]:
    return item_response(item, HTTPStatus.CREATED, location=f"{collection}/{item.id}")


def page_response(items: Iterable[ItemModel], next_cursor: str | None) -> Response[str]:
    return json_response(
        HTTPStatus.OK, {"items": [item.to_json() for item in items], "nextCursor": next_cursor}
    )


def no_content() -> Response[str]:
    return Response(status_code=HTTPStatus.NO_CONTENT.value, body="", headers=cors_headers())

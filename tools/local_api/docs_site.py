"""The API reference next to the local API: GET /docs (the page `make docs` renders) and GET /openapi.yaml.

A development convenience of `make local`, not part of the emulated API Gateway: a deployed stack serves
neither path. Both are unauthenticated (like the CORS preflights) and answered before the request reaches the
emulator, so its SigV4 check and route matching never see them. Every other request goes to the API untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from tools.local_api.keep_alive import REFUSAL

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_PAGE = ROOT / "build" / "api-reference.html"
DOCS_PATHS = ("/docs", "/docs/")
SPEC_PATH = "/openapi.yaml"
# The page carries its scripts and styles inline (build-docs --inlineBundle): nothing may load from elsewhere.
PAGE_POLICY = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
    "font-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class DocsSite:
    """WSGI middleware: the two documentation paths, else the wrapped API."""

    def __init__(self, api: WsgiApp, spec: Path, page: Path = DEFAULT_PAGE) -> None:
        self._api = api
        self._spec = spec
        self._page = page

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path not in (*DOCS_PATHS, SPEC_PATH) or REFUSAL in environ:  # a refusal is the API's to answer
            return self._api(environ, start_response)
        return self._answer(Request(environ), path)(environ, start_response)

    def _answer(self, request: Request, path: str) -> Response:
        if request.method not in {"GET", "HEAD"}:
            return _text(405, "Method Not Allowed: /docs and /openapi.yaml are read-only", Allow="GET, HEAD")
        if path == SPEC_PATH:
            return _file(self._spec, "application/yaml; charset=utf-8", "the OpenAPI file is missing")
        response = _file(self._page, "text/html; charset=utf-8", "the page is not built: run `make docs`")
        if response.status_code == 200:
            response.headers["Content-Security-Policy"] = PAGE_POLICY
        return response


def mount(api: WsgiApp, template: Path) -> DocsSite:
    """Serve the reference and the openapi.yaml that sits next to the template."""
    return DocsSite(api, template.parent / "openapi.yaml")


def _file(path: Path, content_type: str, missing: str) -> Response:
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        return _text(404, f"Not Found: {missing}")
    response = Response(body, status=200, content_type=content_type)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _text(status: int, text: str, **headers: str) -> Response:
    response = Response(text + "\n", status=status, content_type="text/plain; charset=utf-8")
    response.headers.update(headers)
    return response

"""GET /docs and /openapi.yaml on the local server: unauthenticated, read-only, and the API left untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import yaml
from werkzeug.test import Client
from werkzeug.wrappers import Response

from tools.local_api.docs_site import PAGE_POLICY, DocsSite
from tools.local_api.process import LocalServer

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.usefixtures("rendered_docs")
PAGE = ROOT / "build" / "api-reference.html"


@pytest.mark.parametrize("path", ["/docs", "/docs/"])
def test_the_reference_page_is_served_unsigned(local_server: LocalServer, path: str) -> None:
    response = requests.get(local_server.url + path, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.content == PAGE.read_bytes()
    assert response.headers["Content-Security-Policy"] == PAGE_POLICY
    assert "<title>Users &amp; Products API</title>" in response.text
    # build-docs --inlineBundle: the page carries Redoc, it does not load it from a CDN
    assert "cdn.redocly.com/redoc/v" not in response.text.split("<body>", 1)[0]
    assert '"disableTelemetry":true' in response.text


def test_the_openapi_file_is_served_as_it_is(local_server: LocalServer) -> None:
    response = requests.get(local_server.url + "/openapi.yaml", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/yaml; charset=utf-8"
    assert response.content == (ROOT / "openapi.yaml").read_bytes()
    paths = set(yaml.safe_load(response.content)["paths"])
    assert paths == {"/users", "/users/{id}", "/products", "/products/{id}"}


def test_head_answers_without_a_body(local_server: LocalServer) -> None:
    response = requests.head(local_server.url + "/docs", timeout=30)
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == PAGE.stat().st_size
    assert response.content == b""


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
def test_writes_are_refused(local_server: LocalServer, method: str) -> None:
    response = requests.request(method, local_server.url + "/openapi.yaml", timeout=30)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"


def test_the_api_itself_still_requires_a_signature(local_server: LocalServer) -> None:
    for path in ("/users", "/docs/users", "/openapi.json"):
        response = requests.get(local_server.url + path, timeout=30)
        assert response.status_code == 403, path
        assert response.json()["title"] == "Forbidden", path


def test_a_page_that_is_not_built_is_a_404_that_says_how_to_build_it(tmp_path: Path) -> None:
    def api(_environ: object, start_response: object) -> list[bytes]:
        raise AssertionError("the API must not see /docs")

    client = Client(DocsSite(api, spec=tmp_path / "openapi.yaml", page=tmp_path / "missing.html"), Response)
    page = client.get("/docs")
    assert page.status_code == 404
    assert "run `make docs`" in page.get_data(as_text=True)
    assert "Content-Security-Policy" not in page.headers
    assert client.get("/openapi.yaml").status_code == 404

"""Fixtures of the delivery tooling tests: one local API server (`make local`) per session."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.local_api.process import LocalServer, start_local_server

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def local_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    server = start_local_server(tmp_path_factory.mktemp("delivery") / "server.log")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def rendered_docs() -> None:
    """build/api-reference.html, as `make local` has it (make docs: npm ci when needed, then build-docs)."""
    subprocess.run(["make", "--no-print-directory", "-s", "docs"], cwd=ROOT, check=True)  # noqa: S607

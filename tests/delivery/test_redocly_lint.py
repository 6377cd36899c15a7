"""redocly.yaml: the rules that replace operation-operationId and operation-4xx-response still bite."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


pytestmark = pytest.mark.usefixtures("rendered_docs")  # make docs installs node_modules (npm ci)
REDOCLY = ROOT / "node_modules" / ".bin" / "redocly"


def lint(spec: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - the pinned local CLI, fixed arguments
        [str(REDOCLY), "lint", str(spec), "--config", str(ROOT / "redocly.yaml"), "--format", "summary"],
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": os.environ["PATH"], "REDOCLY_TELEMETRY": "off"},
    )


def test_an_operation_without_operation_id_or_4xx_fails_but_preflights_pass(tmp_path: Path) -> None:
    text = (ROOT / "openapi.yaml").read_text(encoding="utf-8")
    assert "      operationId: listUsers\n" in text
    broken = text.replace("      operationId: listUsers\n", "", 1)
    # GET /users/{id} documents 403, 404 and 429: turn them into 2XX codes so it documents no 4XX
    start = broken.index("\n    get:", broken.index("  /users/{id}:\n"))
    end = broken.index("\n    put:", start)
    section = broken[start:end]
    for code in ("'400'", "'403'", "'404'", "'429'"):
        section = section.replace(f"        {code}:", f"        '2{code[2:]}:", 1)
    (tmp_path / "openapi.yaml").write_text(broken[:start] + section + broken[end:], encoding="utf-8")

    result = lint(tmp_path / "openapi.yaml")

    assert result.returncode == 1, result.stdout
    assert "rule/operation-id-outside-preflight: 1" in result.stdout, result.stdout
    assert "rule/operation-4xx-outside-preflight: 1" in result.stdout, result.stdout

"""Contract: schemathesis (all phases, positive and negative data) against openapi.yaml on a fresh local
server, every request signed with SigV4, bounded by examples per operation and a hard timeout; zero
failures of the four checks."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from e2e_support import ROOT, STATS

from tools.local_api.process import LOCAL_KEY, LOCAL_REGION, LOCAL_SECRET, start_local_server

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
MAX_EXAMPLES = os.environ.get("CONTRACT_MAX_EXAMPLES", "50")  # per operation and phase: about 40 s here
HARD_TIMEOUT = 600  # seconds; a hung run fails instead of blocking CI
SEED = os.environ.get("CONTRACT_SEED", "20261125")  # fixed: CI reruns are reproducible

# The contract run starts a local server of its own (it leaves data behind), whatever the target.
pytestmark = pytest.mark.needs("local-server")


def test_openapi_contract_holds(tmp_path: Path) -> None:
    server = start_local_server(tmp_path / "server.log")
    executable = shutil.which("schemathesis", path=str(Path(sys.executable).parent)) or "schemathesis"
    command = [
        executable, "run", str(ROOT / "openapi.yaml"),
        "--url", server.url,
        "--checks", CHECKS,
        "--max-examples", MAX_EXAMPLES,
        "--seed", SEED,
        "--generation-with-security-parameters", "false",  # the hook signs; don't fuzz Authorization itself
        "--request-timeout", "30",
        "--report", "junit",
        "--report-dir", str(tmp_path / "reports"),
        "--no-color",
    ]  # fmt: skip
    environment = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "contract_hooks",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(Path(__file__).parent)]),
        "CONTRACT_ACCESS_KEY_ID": LOCAL_KEY,
        "CONTRACT_SECRET_ACCESS_KEY": LOCAL_SECRET,
        "CONTRACT_REGION": LOCAL_REGION,
    }
    started = time.monotonic()
    try:
        result = subprocess.run(  # noqa: S603 - the venv's schemathesis with fixed arguments
            command,
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            timeout=HARD_TIMEOUT,
            check=False,
        )
    finally:
        server.stop()
    elapsed = time.monotonic() - started
    output = result.stdout + result.stderr
    served = len(re.findall(r'HTTP/1\.1\S*" \d{3} ', server.log_text()))

    cases = re.search(r"(\d+) generated", output)
    STATS.contract = f"{cases[1] if cases else '?'} test cases, {served} HTTP requests, {elapsed:.1f} s"
    assert result.returncode == 0, output[-6000:]
    assert "14 selected / 14 total" in output or "Tested: 14" in output, output[-3000:]
    assert served > 100, "schemathesis hardly reached the server"

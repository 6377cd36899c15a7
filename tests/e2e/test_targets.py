"""The `needs` marker (targets.py, applied by conftest.py): a test runs on every target unless it names a
layer the target lacks; then it is skipped with the reason, and the summary counts the skips by reason. Run
for real: a small suite with the marker in every form, under this directory's conftest.py, once per target."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from targets import DEPLOYED, LAYERS, LOCAL, SAM_LOCAL, TARGETS, Target, current

HERE = Path(__file__).parent
ROOT = HERE.parents[1]

SUITE = """
import pytest


def test_added_tomorrow_without_a_marker():
    pass


@pytest.mark.needs("iam", "gateway-responses")
def test_signed_refusal():
    pass


@pytest.mark.needs("local-server")
def test_the_local_server_itself():
    pass


@pytest.mark.parametrize("case", ["plain", pytest.param("walled", marks=pytest.mark.needs("waf"))])
def test_cases(case):
    pass


@pytest.mark.needs("validators")
class TestAClass:
    def test_in_it(self):
        pass
"""


def _run(tmp_path: Path, suite: str, **environ: str) -> subprocess.CompletedProcess[str]:
    shutil.copy(HERE / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_suite.py").write_text(suite, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("API_URL", "E2E_TARGET")}
    env |= {"PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT)]), **environ}
    command = [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "-o", "addopts=",
               "--strict-markers", "-p", "no:cacheprovider", "-rs", "-v", str(tmp_path)]  # fmt: skip
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=120)  # noqa: S603


def _outcomes(output: str) -> dict[str, str]:
    return dict(re.findall(r"test_suite\.py::(\S+) (PASSED|SKIPPED)", output))


EVERYWHERE = {"test_added_tomorrow_without_a_marker", "test_cases[plain]"}
NEEDS = {
    "test_signed_refusal": {"iam", "gateway-responses"},
    "test_the_local_server_itself": {"local-server"},
    "test_cases[walled]": {"waf"},
    "TestAClass::test_in_it": {"validators"},
}


@pytest.mark.parametrize(
    ("environ", "target"),
    [
        ({}, LOCAL),
        ({"E2E_TARGET": "sam-local", "API_URL": "http://127.0.0.1:9"}, SAM_LOCAL),
        ({"API_URL": "http://127.0.0.1:9"}, DEPLOYED),
    ],
    ids=["local", "sam-local", "deployed"],
)
def test_a_test_is_skipped_only_where_a_layer_it_needs_is_missing(
    tmp_path: Path, environ: dict[str, str], target: Target
) -> None:
    done = _run(tmp_path, SUITE, **environ)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    outcomes = _outcomes(done.stdout)
    skipped = {name for name, layers in NEEDS.items() if layers & set(target.lacks)}
    assert outcomes == {name: "SKIPPED" if name in skipped else "PASSED" for name in EVERYWHERE | set(NEEDS)}
    for name in skipped:
        missing = [layer for layer in target.lacks if layer in NEEDS[name]]
        assert all(target.lacks[layer] in done.stdout for layer in missing), done.stdout
    if skipped:  # the summary counts every skip under its reason
        summary = done.stdout.split(f"e2e skips on target {target.name}, by reason", 1)[1]
        counts = re.findall(r"^\s+(\d+)  needs ", summary, re.M)
        assert sum(map(int, counts)) == len(skipped), summary
    else:
        assert "e2e skips on target" not in done.stdout


@pytest.mark.parametrize(
    ("mark", "message"),
    [
        ('@pytest.mark.needs("sigv4")', "unknown layer(s) ['sigv4']"),
        ("@pytest.mark.needs()", "write @pytest.mark.needs('layer', ...)"),
    ],
)
def test_a_layer_outside_the_vocabulary_stops_the_run(tmp_path: Path, mark: str, message: str) -> None:
    done = _run(tmp_path, f"import pytest\n\n\n{mark}\ndef test_it():\n    pass\n")
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert message in done.stderr


@pytest.mark.parametrize(
    ("environ", "name"),
    [
        ({}, "local"),
        ({"API_URL": "https://x.execute-api.eu-west-1.amazonaws.com/dev"}, "deployed"),
        ({"E2E_TARGET": "deployed", "API_URL": "https://x"}, "deployed"),
        ({"E2E_TARGET": "sam-local", "API_URL": "http://127.0.0.1:3001"}, "sam-local"),
        ({"E2E_TARGET": "local"}, "local"),
    ],
)
def test_the_target_comes_from_e2e_target_and_api_url(environ: dict[str, str], name: str) -> None:
    assert current(environ) is TARGETS[name]


@pytest.mark.parametrize(
    "environ",
    [{"E2E_TARGET": "sam-local"}, {"E2E_TARGET": "local", "API_URL": "http://x"}, {"E2E_TARGET": "aws"}],
)
def test_a_target_that_contradicts_api_url_or_is_unknown_is_a_usage_error(environ: dict[str, str]) -> None:
    with pytest.raises(pytest.UsageError):
        current(environ)


def test_conftest_documents_every_layer_and_what_sam_local_lacks() -> None:
    documented = (HERE / "conftest.py").read_text(encoding="utf-8").split('"""', 2)[1]
    listed = re.findall(r"^  ([a-z0-9-]+) {2,}\S", documented.split("The layers", 1)[1], re.M)
    assert listed == list(LAYERS)
    assert set(SAM_LOCAL.lacks) == set(LAYERS)  # "every layer below"
    assert set(DEPLOYED.lacks) == {"local-server"}

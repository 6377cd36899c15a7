"""tests/e2e/sam_local_gaps.py names real tests of the e2e suite, and skips them only against sam local."""

import ast
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

E2E = Path(__file__).resolve().parents[1] / "e2e"


def _gaps() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sam_local_gaps", E2E / "sam_local_gaps.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _suite_tests() -> set[str]:
    names = set()
    for path in E2E.glob("test_*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                names.add(f"{path.stem}::{node.name}")
    return names


def test_every_listed_gap_is_a_test_of_the_suite() -> None:
    unknown = {name.split("[", 1)[0] for name in _gaps().GAPS} - _suite_tests()
    assert not unknown, f"renamed or removed tests still listed in sam_local_gaps.py: {unknown}"


def test_conftest_registers_the_hook() -> None:
    conftest = (E2E / "conftest.py").read_text(encoding="utf-8")
    assert "from sam_local_gaps import pytest_collection_modifyitems_sam_local" in conftest


class _Item:
    def __init__(self, module: str, name: str) -> None:
        self.fspath = E2E / f"{module}.py"
        self.name = self.originalname = name
        self.markers: list[pytest.MarkDecorator] = []

    def add_marker(self, marker: pytest.MarkDecorator) -> None:
        self.markers.append(marker)


@pytest.mark.parametrize(("target", "skipped"), [("sam-local", True), ("", False), ("aws", False)])
def test_gaps_are_skipped_only_against_sam_local(
    monkeypatch: pytest.MonkeyPatch, target: str, skipped: bool
) -> None:
    monkeypatch.setenv("E2E_TARGET", target)
    gap, other = (
        _Item("test_e2e_auth_cors", "test_unknown_access_key_is_403"),
        _Item("test_e2e_crud", "test_get_is_200_with_etag"),
    )

    _gaps().pytest_collection_modifyitems_sam_local([gap, other])

    assert bool(gap.markers) is skipped
    assert other.markers == []
    if skipped:
        assert "IAM" in gap.markers[0].kwargs["reason"]

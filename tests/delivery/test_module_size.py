"""No Python module of the repository (application, tools or tests) is over MAX_LINES lines: a module that
grows past it holds more than one thing, and is split by what it holds (issue 22). Its companion guard,
ruff's complexity rule C90 (pyproject.toml), runs in `make lint` and `make check`."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 300


def python_modules(root: Path) -> list[Path]:
    """The tracked .py files, and new ones git does not ignore."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", "*.py"],  # noqa: S607
        cwd=root, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return [root / name for name in filter(None, listed.split("\0")) if (root / name).is_file()]


def oversized(root: Path) -> dict[str, int]:
    """Module path -> line count, for each module over MAX_LINES."""
    counts = {
        str(path.relative_to(root)): len(path.read_text(encoding="utf-8").splitlines())
        for path in python_modules(root)
    }
    return {name: count for name, count in sorted(counts.items()) if count > MAX_LINES}


def test_every_module_is_at_most_300_lines() -> None:
    assert oversized(ROOT) == {}


def test_the_check_sees_application_tools_and_tests() -> None:
    names = {str(path.relative_to(ROOT)) for path in python_modules(ROOT)}
    assert "user_function/users/handler.py" in names
    assert "tools/local_api/server.py" in names
    assert "tests/delivery/test_module_size.py" in names


def test_a_module_over_the_limit_is_found(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)  # noqa: S603, S607 - git, fixed arguments
    (tmp_path / "small.py").write_text("x = 1\n" * MAX_LINES)
    (tmp_path / "big.py").write_text("x = 1\n" * (MAX_LINES + 1))
    assert oversized(tmp_path) == {"big.py": MAX_LINES + 1}

"""Each function keeps its own module namespace (tools/local_api/namespaces.py): the copies one function
imports never reach another function or the rest of the process, and the swap finds exactly the names a
scan of all of sys.modules would find, whatever was imported, removed or replaced in between."""

import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from tools.local_api.namespaces import MARKER, ModuleNamespaces

ROOTS = ("stateful_pkg", "handler_a", "handler_b")


@pytest.fixture
def packages(tmp_path: Path) -> Iterator[Path]:
    """A package with per-process state (a counter set at import) and a lazily imported submodule."""
    (tmp_path / "stateful_pkg").mkdir()
    (tmp_path / "stateful_pkg" / "__init__.py").write_text("calls = 0\n")
    (tmp_path / "stateful_pkg" / "lazy.py").write_text("")
    (tmp_path / "handler_a").mkdir()
    (tmp_path / "handler_a" / "__init__.py").write_text("")
    sys.path.insert(0, str(tmp_path))
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".", 1)[0] in ROOTS or name == MARKER]:
            del sys.modules[name]


def isolated_in_sys_modules() -> dict[str, ModuleType]:
    return {name: module for name, module in sys.modules.items() if name.split(".", 1)[0] in ROOTS}


def invoke(namespaces: ModuleNamespaces, key: str, *, lazy: bool = False) -> tuple[ModuleType, int]:
    with namespaces.entered(key):
        import stateful_pkg  # type: ignore[import-not-found]  # written by the test, inside the namespace

        stateful_pkg.calls += 1
        if lazy:
            import stateful_pkg.lazy  # type: ignore[import-not-found]
        return stateful_pkg, stateful_pkg.calls


@pytest.mark.usefixtures("packages")
def test_each_function_has_its_own_copy_and_keeps_it_between_invocations() -> None:
    namespaces = ModuleNamespaces(ROOTS)

    first_a, calls_a = invoke(namespaces, "A")
    first_b, calls_b = invoke(namespaces, "B")
    again_a, calls_again_a = invoke(namespaces, "A")

    assert first_a is not first_b
    assert again_a is first_a
    assert (calls_a, calls_b, calls_again_a) == (1, 1, 2)
    assert isolated_in_sys_modules() == {}


@pytest.mark.usefixtures("packages")
def test_a_module_one_function_imports_late_never_reaches_the_other() -> None:
    namespaces = ModuleNamespaces(ROOTS)
    invoke(namespaces, "B")
    invoke(namespaces, "A", lazy=True)

    assert "stateful_pkg.lazy" in namespaces.owned("A")
    assert "stateful_pkg.lazy" not in namespaces.owned("B")
    with namespaces.entered("B"):
        assert "stateful_pkg.lazy" not in sys.modules
        assert "handler_a" not in sys.modules
    assert isolated_in_sys_modules() == {}


@pytest.mark.usefixtures("packages")
def test_the_process_own_copy_is_hidden_during_invocations_and_back_after() -> None:
    import stateful_pkg  # the process's own copy, before any invocation

    namespaces = ModuleNamespaces(ROOTS)
    inside, _ = invoke(namespaces, "A")
    assert inside is not stateful_pkg
    assert sys.modules["stateful_pkg"] is stateful_pkg

    # imported by another thread between invocations (after the swap's marker)
    worker = threading.Thread(target=lambda: __import__("handler_a"))
    worker.start()
    worker.join()
    outside_handler = sys.modules["handler_a"]
    with namespaces.entered("A"):
        assert sys.modules.get("handler_a") is not outside_handler
        assert sys.modules["stateful_pkg"] is inside
    assert sys.modules["handler_a"] is outside_handler
    assert sys.modules["stateful_pkg"] is stateful_pkg


@pytest.mark.usefixtures("packages")
def test_removed_and_replaced_modules_and_a_lost_marker_are_followed() -> None:
    namespaces = ModuleNamespaces(ROOTS)
    invoke(namespaces, "A", lazy=True)
    replacement = ModuleType("stateful_pkg.lazy")
    with namespaces.entered("A"):
        del sys.modules["stateful_pkg"]  # removed: A imports it afresh next time
        sys.modules["stateful_pkg.lazy"] = replacement  # replaced in place (keeps its place in the dict)
    assert "stateful_pkg" not in namespaces.owned("A")
    assert namespaces.owned("A")["stateful_pkg.lazy"] is replacement

    del sys.modules[MARKER]
    import handler_a  # type: ignore[import-not-found]  # while no marker says where the new names start

    with namespaces.entered("A"):
        assert "handler_a" not in sys.modules
    assert sys.modules["handler_a"] is handler_a
    assert isolated_in_sys_modules() == {"handler_a": handler_a}
